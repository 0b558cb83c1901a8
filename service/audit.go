package service

import (
	"context"
	"fmt"
	"slices"
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
		if page, err = tx.AuditEvents(ctx, f); err != nil {
			return err
		}
		o, err := s.newOpener(ctx, tx, page.Events)
		if err != nil {
			return err
		}
		for i, e := range page.Events {
			page.Events[i] = o.open(e)
		}
		return nil
	})
	if page.Events == nil {
		page.Events = []shelf.AuditEvent{}
	}
	return page, err
}

// ExportAudit calls fn for every event at or after since, oldest first, in
// constant memory, with its personal data opened (or Erased). The hashes
// are those of what is stored.
func (s *Service) ExportAudit(ctx context.Context, since time.Time, fn func(shelf.AuditEvent) error) error {
	return s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.EachAuditKeyed(ctx, since, func(e shelf.AuditEvent, ownerKey, actorKey string, erased bool) error {
			o := &opener{s: s, keys: map[int64]string{}, erased: map[int64]bool{}}
			if e.OwnerID != nil {
				o.erased[*e.OwnerID] = erased
				if ownerKey != "" {
					o.keys[*e.OwnerID] = ownerKey
				}
			}
			if e.ActorID != nil && actorKey != "" {
				o.keys[*e.ActorID] = actorKey
			}
			return fn(o.open(e))
		})
	})
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

// AnchorAudit appends an audit.anchor event that records the head of every
// audit lane, and returns it: given back to CheckAudit (or kept outside the
// database), it shows any lane cut short or rewritten below those heads.
// When nothing was written since the newest anchor, it returns that one and
// writes nothing. Shelf writes anchors on a timer (see serve) and before
// every "shelf audit verify"; a is the system actor that asks.
func (s *Service) AnchorAudit(ctx context.Context, a shelf.Actor) (store.AuditAnchor, error) {
	if !a.IsSystem() || !a.IsAdmin() {
		return store.AuditAnchor{}, shelf.Errorf(shelf.EFORBIDDEN, "Only Shelf itself anchors the audit log.")
	}
	var head store.AuditAnchor
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		heads, err := tx.AuditLaneHeads(ctx)
		if err != nil {
			return err
		}
		latest, snap, err := tx.LatestAnchor(ctx)
		switch shelf.ErrorCode(err) {
		case "":
			if sameHeads(heads, snap.Lanes, latest) {
				head = store.AuditAnchor{ID: latest.ID, Hash: latest.Hash}
				return nil
			}
		case shelf.ENOTFOUND:
		default:
			return err
		}
		if len(heads) == 0 {
			return nil // an empty log has nothing to bind
		}
		snapshot := store.AnchorSnapshot{Lanes: heads}
		e, err := s.appendAudit(ctx, tx, a, 0, shelf.ActionAuditAnchor, "audit", 0, "",
			fmt.Sprintf("Anchored the heads of %d audit lanes", len(heads)), snapshot)
		head = store.AuditAnchor{ID: e.ID, Hash: e.Hash}
		return err
	})
	return head, err
}

// sameHeads reports whether the lanes stand where the latest anchor left
// them: the heads it recorded, and lane 0 (where anchors go) at the anchor.
func sameHeads(now, recorded []store.LaneHead, latest shelf.AuditEvent) bool {
	want := make([]store.LaneHead, 0, len(recorded)+1)
	for _, h := range recorded {
		if h.Lane != latest.Lane {
			want = append(want, h)
		}
	}
	want = append(want, store.LaneHead{Lane: latest.Lane, Seq: latest.Seq, Hash: latest.Hash})
	slices.SortFunc(want, func(a, b store.LaneHead) int { return a.Lane - b.Lane })
	return slices.Equal(now, want)
}
