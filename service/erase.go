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
// or recorded as begun, and ResumeErasures finishes it. When the rows it
// deletes (items, notes and loans) are more than the job threshold, the
// account stops as at once and a job does the rest: the result then
// carries the job (and the job, once done, the rest of the result); an
// erasure already running as a job answers that job.
func (s *Service) EraseUser(ctx context.Context, a shelf.Actor, id int64, confirmEmail string) (shelf.EraseResult, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.EraseResult{}, err
	}
	var job *shelf.Job
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
		if err := tx.StopAccount(ctx, u.ID); err != nil {
			return err
		}
		job, err = s.eraseJob(ctx, tx, a, u.ID)
		return err
	})
	if err != nil {
		return shelf.EraseResult{}, err
	}
	if job != nil {
		s.wakeJobs()
		return shelf.EraseResult{ErasedUser: id, Job: job}, nil
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
func (s *Service) finishErasure(ctx context.Context, a shelf.Actor, id int64) (shelf.EraseResult, error) {
	var rows, items int64
	var cur store.EraseCursor
	for {
		var n, it int64
		var left bool
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			// note: a failed transaction leaves the committed cursor.
			next := cur
			var err error
			n, it, left, err = s.eraseStep(ctx, tx, id, EraseBatch, &next)
			if err == nil {
				cur = next
			}
			return err
		})
		if err != nil {
			return shelf.EraseResult{}, err
		}
		rows, items = rows+n-it, items+it
		if !left {
			break
		}
		if it > 0 {
			s.filesQueued()
		}
	}
	var ended bool
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		ended, err = s.eraseEnd(ctx, tx, a, id, items, rows)
		return err
	})
	if err != nil {
		return shelf.EraseResult{}, err
	}
	return shelf.EraseResult{ErasedUser: id, Purged: items}, s.erased(ctx, ended)
}

// eraseStep deletes, in tx, one bounded step of what erasing user id
// deletes (up to limit notes and loans from cur on, or else up to limit
// items with their photos), moves cur past them and returns how many rows
// it deleted, of which items, and whether anything is left: nothing once
// the rows and items are gone, or once the user is.
func (s *Service) eraseStep(ctx context.Context, tx *store.Tx, id int64, limit int, cur *store.EraseCursor) (rows, items int64, left bool, err error) {
	u, err := tx.UserByID(ctx, id)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return 0, 0, false, nil // finished already
	} else if err != nil {
		return 0, 0, false, err
	}
	// note: a hold placed since the erasure began stops it here; it stays
	// begun (the account stopped) until the hold is released.
	if err := heldUser(ctx, tx, u); err != nil {
		return 0, 0, false, err
	}
	rows, done, err := tx.EraseRows(ctx, id, limit, cur)
	if err != nil || !done {
		return rows, 0, err == nil, err
	}
	ids, err := tx.OwnedItemIDs(ctx, id, limit)
	if err != nil {
		return 0, 0, false, err
	}
	for _, itemID := range ids {
		if _, err := s.purgeItemPhotos(ctx, tx, itemID); err != nil {
			return 0, 0, false, err
		}
		ok, err := tx.EraseItem(ctx, itemID)
		if err != nil {
			return 0, 0, false, err
		}
		if ok {
			items++
		}
	}
	return items, items, items > 0, nil
}

// eraseEnd ends, in tx, an erasure whose rows are gone: it deletes the
// user, destroys their key and writes user.erase (items and rows are what
// the erasure deleted). It reports whether this transaction ended it: of
// two that end the same erasure (after a crash, or on two instances), one
// does, and the erasure is recorded once.
func (s *Service) eraseEnd(ctx context.Context, tx *store.Tx, a shelf.Actor, id, items, rows int64) (bool, error) {
	u, err := tx.UserByID(ctx, id)
	switch shelf.ErrorCode(err) {
	case "":
		if _, err := tx.DeleteUser(ctx, u.ID); err != nil {
			return false, err
		}
	case shelf.ENOTFOUND:
		// note: deleted before a crash; the rest below is done again.
	default:
		return false, err
	}
	if err := tx.DestroySubjectKey(ctx, id); err != nil {
		return false, err
	}
	finished, err := tx.FinishErasure(ctx, id, s.Now())
	if err != nil || !finished {
		return false, err
	}
	// note: no owner, so neither sealed under the key just destroyed nor
	// in the erased person's lane; it names them by id only.
	return true, s.audit(ctx, tx, a, 0, shelf.ActionUserErase, "user", id, "", fmt.Sprintf("Erased user %d", id),
		map[string]any{"user_id": id, "items": items, "rows": rows})
}

// erased does what follows an erasure's commit: it counts it (once, where
// ended) and has the engine drop its own copies of what was deleted.
func (s *Service) erased(ctx context.Context, ended bool) error {
	if ended {
		counted(s.count.deletes, "user_erase", 1)
	}
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
		job, err := s.resumeAsJob(ctx, a, e.UserID)
		if err == nil && job {
			continue // the job finishes it
		}
		if err == nil {
			_, err = s.finishErasure(ctx, a, e.UserID)
		}
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
