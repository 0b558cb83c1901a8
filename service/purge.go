package service

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"shelf"
	"shelf/store"
)

// snapshotCap is how many notes and loans a purge's audit event keeps in full;
// the counts are always kept. The cap keeps a purge of an item with 100,000
// notes in constant memory.
const snapshotCap = 100

// DefaultPurgeBatch is how many items one purge transaction takes, so that
// readers and writers are never held up for long.
const DefaultPurgeBatch = 100

// purgeOne deletes one trashed item for good within tx (the schema cascades to
// its notes and loans) and writes its audit event with a before-image. A
// legal hold on the item or its owner refuses it (EHELD, naming the holds)
// before anything is written. check, if set, may refuse it once its notes
// and loans are counted.
func (s *Service) purgeOne(ctx context.Context, tx *store.Tx, a shelf.Actor, it shelf.Item, reason, why string,
	check func(shelf.Impact) error) error {
	if err := heldItem(ctx, tx, it); err != nil {
		return err
	}
	noteCount, loanCount, _, err := tx.ItemCounts(ctx, it.ID, shelf.ImpactCap)
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(shelf.Impact{Action: "purge", Notes: noteCount, Loans: loanCount}); err != nil {
			return err
		}
	}
	notes, err := tx.Notes(ctx, it.ID, snapshotCap)
	if err != nil {
		return err
	}
	loans, err := tx.Loans(ctx, it.ID, snapshotCap)
	if err != nil {
		return err
	}
	photos, err := s.purgeItemPhotos(ctx, tx, it.ID)
	if err != nil {
		return err
	}
	ok, err := tx.PurgeItem(ctx, it.ID)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("Item")
	}
	summary := fmt.Sprintf("Deleted “%s” forever (%s)", it.Name, why)
	snap := map[string]any{"item": snapItem(it), "notes": notes, "loans": loans,
		"notes_total": noteCount, "loans_total": loanCount, "photos": photos}
	if reason != "" {
		snap["reason"] = reason
	}
	return s.audit(ctx, tx, a, it.OwnerID, shelf.ActionItemPurge, "item", it.ID, it.Cohort, summary, snap)
}

// PurgeItem deletes one item in the Trash forever, with its notes and loans,
// and returns it as it was; past the job threshold it starts the job that
// deletes it, and returns that too. The confirmation's reason, if given, is kept in
// the audit event; past PurgeFriction notes and loans a form asks for the
// item's name typed, and a name typed must be the item's.
func (s *Service) PurgeItem(ctx context.Context, a shelf.Actor, id int64, c shelf.Confirmation) (shelf.PurgeResult, error) {
	if err := requireUser(a); err != nil {
		return shelf.PurgeResult{}, err
	}
	reason, err := cleanReason(c.Reason)
	if err != nil {
		return shelf.PurgeResult{}, err
	}
	var it shelf.Item
	var job *shelf.Job
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if it, err = visibleItem(ctx, tx, a, id, true); err != nil {
			return err
		}
		if job, err = s.purgeItemJob(ctx, tx, a, it, reason, c); err != nil || job != nil {
			return err
		}
		return s.purgeOne(ctx, tx, a, it, reason, "from the Trash", func(im shelf.Impact) error {
			return c.Check(shelf.PurgeNeedsName(im), it.Name, "confirm_name", "Type the item’s name exactly as shown to confirm.")
		})
	})
	if err != nil {
		return shelf.PurgeResult{}, err
	}
	if job != nil {
		s.wakeJobs()
		return shelf.PurgeResult{Item: it, Job: job}, nil
	}
	counted(s.count.purges, "item", 1)
	s.filesQueued()
	return shelf.PurgeResult{Item: it}, nil
}

// purgeBatch purges up to limit items trashed before a time, in one
// transaction, and returns how many it purged, which it counts as kind.
func (s *Service) purgeBatch(ctx context.Context, a shelf.Actor, owner *int64, before time.Time, limit int, reason, why, kind string) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		n = 0
		ids, err := tx.TrashedBefore(ctx, owner, before, limit)
		if err != nil {
			return err
		}
		var items []shelf.Item
		for _, id := range ids {
			it, err := tx.LockItem(ctx, id)
			if shelf.ErrorCode(err) == shelf.ENOTFOUND || (err == nil && !it.Trashed()) {
				continue // restored or purged meanwhile
			}
			if err != nil {
				return err
			}
			items = append(items, it)
		}
		if err := lockLanesOf(ctx, tx, items); err != nil {
			return err
		}
		for _, it := range items {
			err := s.purgeOne(ctx, tx, a, it, reason, why, nil)
			if shelf.ErrorCode(err) == shelf.EHELD {
				// note: held since TrashedBefore chose it (which passes
				// over held items); it stays, as the others would.
				continue
			} else if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		// note: the batch rolled back, so nothing of it was purged.
		return 0, err
	}
	counted(s.count.purges, kind, n)
	if n > 0 {
		s.filesQueued()
	}
	return n, nil
}

// maxHeldListed caps how many held items an emptied Trash reports.
const maxHeldListed = 1000

// EmptyTrash purges everything in one user's Trash (the actor's own when
// owner is 0; an admin may name anyone) in bounded batches, and returns how
// many items it purged and which held items it left in place (up to
// maxHeldListed, each with a hold that keeps it). The confirmation's
// reason, if given, is kept in every item's audit event; past the friction
// thresholds a form asks for the number of items typed, checked against the
// Trash as it is now (held items not counted). Past the job threshold it
// starts the job that empties the Trash and returns it in the result.
func (s *Service) EmptyTrash(ctx context.Context, a shelf.Actor, owner int64, c shelf.Confirmation) (shelf.EmptyTrashResult, error) {
	res := shelf.EmptyTrashResult{Blocked: []shelf.BulkBlocker{}}
	if err := requireUser(a); err != nil {
		return res, err
	}
	reason, err := cleanReason(c.Reason)
	if err != nil {
		return res, err
	}
	owner, err = s.trashOwner(ctx, a, owner)
	if err != nil {
		return res, err
	}
	if c.Typed != nil || c.Asked {
		var items, notes, loans int
		if err := s.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			items, notes, loans, err = tx.TrashCounts(ctx, owner, shelf.ImpactCap)
			return err
		}); err != nil {
			return res, err
		}
		if err := c.CheckCount(shelf.EmptyTrashNeedsCount(items, notes, loans), items,
			fmt.Sprintf("Type %d, the number of items in the Trash, to confirm.", items)); err != nil {
			return res, err
		}
	}
	if res.Job, err = s.emptyTrashJob(ctx, a, owner, reason); err != nil || res.Job != nil {
		return res, err
	}
	res.Purged, err = s.emptyTrash(ctx, a, owner, reason)
	if err != nil {
		return res, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		held, err := tx.HeldTrash(ctx, owner, maxHeldListed)
		for _, hi := range held {
			res.Blocked = append(res.Blocked, shelf.BulkBlocker{Blocker: hi.Hold.Blocker(), ItemID: hi.ItemID})
		}
		return err
	})
	return res, err
}

// emptyTrash purges what no hold keeps in owner's Trash, in batches, and
// returns how many items it purged.
func (s *Service) emptyTrash(ctx context.Context, a shelf.Actor, owner int64, reason string) (int, error) {
	// note: only what was in the Trash when the request began; items trashed
	// while it runs stay for the next time.
	before := s.Now().Add(time.Microsecond)
	total := 0
	for {
		n, err := s.purgeBatch(ctx, a, &owner, before, DefaultPurgeBatch, reason, "Trash emptied", "empty_trash")
		total += n
		if err != nil {
			return total, err
		}
		if n < DefaultPurgeBatch {
			// note: photos trashed on their own go too; they are not
			// counted as items.
			_, err := s.purgePhotosBefore(ctx, a, &owner, before, reason, "Trash emptied")
			return total, err
		}
	}
}

// PurgeProgress is told how far a retention purge has come.
type PurgeProgress func(done, total int)

// PurgeTrashedBefore purges every item trashed before a time, for all users,
// in batches of batch items, each batch one transaction. It is the retention
// purge; only an admin or Shelf itself may run it.
func (s *Service) PurgeTrashedBefore(ctx context.Context, a shelf.Actor, before time.Time, batch int, progress PurgeProgress) (int, error) {
	if err := requireAdmin(a); err != nil {
		return 0, err
	}
	if batch <= 0 {
		batch = DefaultPurgeBatch
	}
	total := 0
	if progress != nil {
		if err := s.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			total, err = tx.CountTrashedBefore(ctx, before)
			return err
		}); err != nil {
			return 0, err
		}
		progress(0, total)
	}
	done := 0
	for {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		n, err := s.purgeBatch(ctx, a, nil, before, batch, "", "retention period over", "retention")
		done += n
		if err != nil {
			return done, err
		}
		if progress != nil {
			progress(done, max(total, done))
		}
		if n < batch {
			_, err := s.purgePhotosBefore(ctx, a, nil, before, "", "retention period over")
			return done, err
		}
	}
}

// retentionLock names the lock that keeps the retention purge to one
// instance at a time.
const retentionLock = 0x5e1f_0001

// RetentionPurge is PurgeTrashedBefore run by at most one instance at a
// time: ran is false, and nothing is purged, while another instance runs it.
func (s *Service) RetentionPurge(ctx context.Context, a shelf.Actor, before time.Time, batch int, progress PurgeProgress) (n int, ran bool, err error) {
	ran, err = s.db.Exclusive(ctx, retentionLock, func() error {
		var err error
		n, err = s.PurgeTrashedBefore(ctx, a, before, batch, progress)
		return err
	})
	return n, ran, err
}

// PurgeImpact says what deleting a trashed item forever would take with it.
func (s *Service) PurgeImpact(ctx context.Context, a shelf.Actor, id int64) (shelf.Impact, error) {
	return s.impact(ctx, a, id, true)
}

// ItemImpact says what moving a live item to the Trash would do, and what
// blocks it, without doing it.
func (s *Service) ItemImpact(ctx context.Context, a shelf.Actor, id int64) (shelf.Impact, error) {
	return s.impact(ctx, a, id, false)
}

func (s *Service) impact(ctx context.Context, a shelf.Actor, id int64, trashed bool) (shelf.Impact, error) {
	if err := requireUser(a); err != nil {
		return shelf.Impact{}, err
	}
	im := shelf.Impact{Action: "trash", Blockers: []shelf.Blocker{}}
	if trashed {
		im.Action = "purge"
	}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		it, err := peekItem(ctx, tx, a, id, trashed)
		if err != nil {
			return err
		}
		if im.Notes, im.Loans, im.ActiveLoans, err = tx.ItemCounts(ctx, it.ID, shelf.ImpactCap); err != nil {
			return err
		}
		if trashed {
			holds, err := tx.HoldsOnItem(ctx, it.ID, it.OwnerID, maxBlockers)
			if err != nil {
				return err
			}
			if len(holds) > 0 {
				im.Blockers, im.Refusal = holdBlockers(holds), held(it, holdBlockers(holds))
			}
		}
		if !trashed && im.ActiveLoans > 0 {
			bs, err := loanBlockers(ctx, tx, it.ID)
			if err != nil {
				return err
			}
			im.Blockers, im.Refusal = bs, onLoan(it, bs)
		}
		return nil
	})
	return im, err
}

// cleanReason trims the optional reason for a destructive request, which its
// audit events keep, and refuses one that is too long.
func cleanReason(reason string) (string, error) {
	// note: a form's textarea sends its line breaks as CRLF.
	reason = strings.TrimSpace(strings.ReplaceAll(reason, "\r\n", "\n"))
	if !utf8.ValidString(reason) {
		return "", shelf.Invalid(map[string]string{"reason": "Reason must be valid UTF-8 text."})
	}
	if utf8.RuneCountInString(reason) > shelf.MaxReasonLen {
		return "", shelf.Invalid(map[string]string{"reason": fmt.Sprintf("Reason is too long (at most %d characters).", shelf.MaxReasonLen)})
	}
	return reason, nil
}

// trashOwner is whose Trash a request empties or counts: the actor's own
// when owner is 0; someone else's only for an admin, and only a user who
// exists (404 otherwise, as for anything not there or not the actor's).
func (s *Service) trashOwner(ctx context.Context, a shelf.Actor, owner int64) (int64, error) {
	if owner == 0 || owner == a.UserID {
		return a.UserID, nil
	}
	if !canSee(a, owner) {
		return 0, notFound("User")
	}
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		_, err := tx.UserByID(ctx, owner)
		return err
	})
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return 0, notFound("User")
	}
	return owner, err
}
