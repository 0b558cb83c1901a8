package service

import (
	"context"
	"slices"

	"shelf"
	"shelf/store"
)

// AuditActors names the people among ids for the audit log's pages, in two
// queries whatever their number: the users who still exist, and which of
// the others were erased. Admins only.
func (s *Service) AuditActors(ctx context.Context, a shelf.Actor, ids []int64) (map[int64]shelf.AuditActor, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[int64]shelf.AuditActor, len(ids))
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		users, err := tx.UsersByIDs(ctx, ids)
		if err != nil {
			return err
		}
		var gone []int64
		for _, id := range ids {
			if u, ok := users[id]; ok {
				out[id] = shelf.AuditActor{ID: id, Name: u.Name, Email: u.Email}
			} else {
				gone = append(gone, id)
			}
		}
		erased, err := tx.ErasedAmong(ctx, gone)
		for _, id := range gone {
			out[id] = shelf.AuditActor{ID: id, Gone: true, Erased: erased[id]}
		}
		return err
	})
	return out, err
}

// AuditEvent returns one event of the audit log with its personal data
// opened (or Erased), as the log lists it; admins only.
func (s *Service) AuditEvent(ctx context.Context, a shelf.Actor, id int64) (shelf.AuditEvent, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.AuditEvent{}, err
	}
	var e shelf.AuditEvent
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if e, err = tx.AuditEvent(ctx, id); shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Audit event")
		} else if err != nil {
			return err
		}
		o, err := s.newOpener(ctx, tx, []shelf.AuditEvent{e})
		if err != nil {
			return err
		}
		e = o.open(e)
		return nil
	})
	return e, err
}
