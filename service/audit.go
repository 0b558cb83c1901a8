package service

import (
	"context"
	"time"

	"shelf"
	"shelf/store"
)

// AuditEvents returns a page of the audit log, newest first; admins only.
func (s *Service) AuditEvents(ctx context.Context, a shelf.Actor, f shelf.AuditFilter) (shelf.AuditPage, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.AuditPage{}, err
	}
	var page shelf.AuditPage
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.AuditEvents(ctx, f)
		return err
	})
	if page.Events == nil {
		page.Events = []shelf.AuditEvent{}
	}
	return page, err
}

// ExportAudit calls fn for every event at or after since, oldest first, in
// constant memory.
func (s *Service) ExportAudit(ctx context.Context, since time.Time, fn func(shelf.AuditEvent) error) error {
	return s.db.Read(ctx, func(tx *store.Tx) error { return tx.EachAudit(ctx, since, fn) })
}

// VerifyAudit checks the whole hash chain; it returns how many events it
// checked and the first break, or nil when the log is intact.
func (s *Service) VerifyAudit(ctx context.Context) (int, *store.AuditBreak, error) {
	var n int
	var brk *store.AuditBreak
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		n, brk, err = tx.VerifyAudit(ctx)
		return err
	})
	return n, brk, err
}

// CheckAudit is VerifyAudit that also returns the chain's head, to be kept
// outside the database, and, given the anchor of an earlier head, requires
// the log to still hold that event unchanged.
func (s *Service) CheckAudit(ctx context.Context, anchor *store.AuditAnchor) (store.AuditCheck, error) {
	var c store.AuditCheck
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.CheckAudit(ctx, anchor)
		return err
	})
	return c, err
}
