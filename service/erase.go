package service

import (
	"context"
	"fmt"
	"strings"

	"shelf"
	"shelf/store"
)

// EraseBatch is how many rows (notes, loans, items) one erasure transaction
// deletes, so that readers and writers are never held up for long.
const EraseBatch = 500

// EraseUser erases a person, the right to erasure done in full; admins
// only, with the person's email typed to confirm (compared ignoring case).
// It stops their account at once, then deletes, in bounded batches, their
// items (live and in the Trash) with their notes, loans and photos, the
// notes they wrote on others' items, their categories, tokens and sessions
// and the user, and destroys their key: their personal data in the audit
// log reads "[erased]" from then on. It writes one user.erase event with no
// personal data. A legal hold on them or their things refuses it (EHELD),
// as does erasing oneself (EOWNACCOUNT). A crash leaves it either not begun
// or recorded as begun, and ResumeErasures finishes it.
func (s *Service) EraseUser(ctx context.Context, a shelf.Actor, id int64, confirmEmail string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		u, err := findUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if !strings.EqualFold(strings.TrimSpace(confirmEmail), u.Email) {
			return shelf.Invalid(map[string]string{"confirm_email": "Type the user's email exactly to confirm."})
		}
		if u.ID == a.UserID {
			return shelf.Restricted(shelf.EOWNACCOUNT, "You cannot erase your own account.",
				[]shelf.Blocker{shelf.NewBlocker(shelf.BlockUser, u.ID, u.Name)})
		}
		if err := heldUser(ctx, tx, u); err != nil {
			return err
		}
		if err := tx.BeginErasure(ctx, u.ID, s.Now()); err != nil {
			return err
		}
		return tx.StopAccount(ctx, u.ID)
	})
	if err != nil {
		return err
	}
	return s.finishErasure(ctx, a, id)
}

// heldUser refuses, with EHELD naming the holds, to erase or delete a user
// whom a hold covers, or one of whose items it does.
func heldUser(ctx context.Context, tx *store.Tx, u shelf.User) error {
	if err := tx.LockUser(ctx, u.ID, false); err != nil {
		return err
	}
	holds, err := tx.HoldsOnUser(ctx, u.ID, maxBlockers)
	if err != nil || len(holds) == 0 {
		return err
	}
	return shelf.Restricted(shelf.EHELD, fmt.Sprintf("A legal hold covers %s’s things; release it first.", u.Name), holdBlockers(holds))
}

// finishErasure runs an erasure that has begun to its end: the batches,
// then the user, their key and the user.erase event in one transaction,
// then the engine's scrub. Each step can run again after a crash.
func (s *Service) finishErasure(ctx context.Context, a shelf.Actor, id int64) error {
	var rows, items int64
	for {
		var n int64
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			n = 0
			u, err := tx.UserByID(ctx, id)
			if shelf.ErrorCode(err) == shelf.ENOTFOUND {
				return nil // finished already
			} else if err != nil {
				return err
			}
			// note: a hold placed since the erasure began stops it here; it
			// stays begun (the account stopped) until the hold is released.
			if err := heldUser(ctx, tx, u); err != nil {
				return err
			}
			if n, err = tx.EraseRows(ctx, id, EraseBatch); err != nil || n > 0 {
				rows += n
				return err
			}
			ids, err := tx.OwnedItemIDs(ctx, id, EraseBatch)
			if err != nil {
				return err
			}
			for _, itemID := range ids {
				if _, err := s.purgeItemPhotos(ctx, tx, itemID); err != nil {
					return err
				}
				ok, err := tx.EraseItem(ctx, itemID)
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			items += n
			return nil
		})
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		s.filesQueued()
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, id)
		switch shelf.ErrorCode(err) {
		case "":
			if _, err := tx.DeleteUser(ctx, u.ID); err != nil {
				return err
			}
		case shelf.ENOTFOUND:
			// note: deleted before a crash; the rest below is done again.
		default:
			return err
		}
		if err := tx.DestroySubjectKey(ctx, id); err != nil {
			return err
		}
		finished, err := tx.FinishErasure(ctx, id, s.Now())
		if err != nil || !finished {
			// note: finished meanwhile by another instance, which wrote
			// the event; an erasure is recorded once.
			return err
		}
		// note: no owner, so neither sealed under the key just destroyed
		// nor in the erased person's lane; it names them by id only.
		return s.audit(ctx, tx, a, 0, shelf.ActionUserErase, "user", id, "", fmt.Sprintf("Erased user %d", id),
			map[string]any{"user_id": id, "items": items, "rows": rows})
	})
	if err != nil {
		return err
	}
	counted(s.count.deletes, "user_erase", 1)
	return s.db.Scrub(ctx)
}

// ResumeErasures begins the erasure of every account whose owner deleted
// it and whose grace period has ended, and finishes every erasure that
// began and did not end (those, and any the process stopped half-way);
// Shelf itself runs it at start-up and with the retention purge, on one
// instance at a time. It returns how many it finished; one that a hold now
// stops is left for later.
func (s *Service) ResumeErasures(ctx context.Context, a shelf.Actor) (int, error) {
	if err := requireAdmin(a); err != nil {
		return 0, err
	}
	done := 0
	_, err := s.db.Exclusive(ctx, erasureLock, func() error {
		if _, err := s.beginDueErasures(ctx); err != nil {
			return err
		}
		var err error
		done, err = s.resumeErasures(ctx, a)
		return err
	})
	return done, err
}

// erasureLock names the lock that keeps resumed erasures to one instance.
const erasureLock = 0x5e1f_0002

func (s *Service) resumeErasures(ctx context.Context, a shelf.Actor) (int, error) {
	var pending []store.Erasure
	if err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		pending, err = tx.Erasures(ctx, true)
		return err
	}); err != nil {
		return 0, err
	}
	done := 0
	for _, e := range pending {
		err := s.finishErasure(ctx, a, e.UserID)
		if shelf.ErrorCode(err) == shelf.EHELD {
			continue
		}
		if err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}
