package service

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"shelf"
	"shelf/store"
)

// maxBlockers caps how many blockers a refusal lists.
const maxBlockers = 20

// loanBlockers lists the active loans that keep an item out of the Trash.
func loanBlockers(ctx context.Context, tx *store.Tx, itemID int64) ([]shelf.Blocker, error) {
	loans, err := tx.ActiveLoans(ctx, itemID, maxBlockers)
	if err != nil {
		return nil, err
	}
	var bs []shelf.Blocker
	for _, l := range loans {
		bs = append(bs, shelf.NewBlocker(shelf.BlockLoan, l.ID, l.Borrower))
	}
	return bs, nil
}

// onLoan is the refusal of a delete that an active loan blocks, naming the
// loans: what a delete answers, and what its impact preview warns of.
func onLoan(it shelf.Item, blockers []shelf.Blocker) error {
	return shelf.Restricted(shelf.EONLOAN, fmt.Sprintf("“%s” is on loan; mark the loan returned before deleting it.", it.Name), blockers)
}

// trashOne moves one visible live item to the Trash within tx, with its
// audit event, and returns it as it is in the Trash now. An active loan
// refuses it (EONLOAN, naming the loans).
func (s *Service) trashOne(ctx context.Context, tx *store.Tx, a shelf.Actor, it shelf.Item, cohort, reason string) (shelf.Item, error) {
	// note: the notes and loans are counted for the audit event, and the
	// active loans that forbid the delete, with the write (one statement on
	// PostgreSQL); the loans are listed only when there are some.
	now := s.Now()
	notes, loans, active, ok, err := tx.TrashItemUnlessLent(ctx, it.ID, a.UserID, now, cohort, shelf.ImpactCap)
	if err != nil {
		return shelf.Item{}, err
	}
	if active > 0 {
		blockers, err := loanBlockers(ctx, tx, it.ID)
		if err != nil {
			return shelf.Item{}, err
		}
		return shelf.Item{}, onLoan(it, blockers)
	}
	if !ok {
		// note: a concurrent request trashed it first; for this one it is gone.
		return shelf.Item{}, notFound("Item")
	}
	snap := map[string]any{"item": snapItem(it), "notes": notes, "loans": loans}
	if reason != "" {
		snap["reason"] = reason
	}
	trashed := it
	trashed.DeletedAt, trashed.Cohort, trashed.UpdatedAt, trashed.DeletedBy = &now, cohort, now, nil
	if a.UserID != 0 {
		by := a.UserID
		trashed.DeletedBy = &by
	}
	trashed.Version++
	return trashed, s.audit(ctx, tx, a, it.OwnerID, shelf.ActionItemTrash, "item", it.ID, cohort,
		fmt.Sprintf("Moved “%s” to the Trash", it.Name), snap)
}

// TrashItem moves one live item to the Trash and returns it as it is there,
// its Cohort the id that undoes the request. When version is not 0 it must
// match the item's version.
func (s *Service) TrashItem(ctx context.Context, a shelf.Actor, id int64, version int64) (shelf.Item, error) {
	if err := requireUser(a); err != nil {
		return shelf.Item{}, err
	}
	cohort := s.newCohort()
	var trashed shelf.Item
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		it, err := visibleItem(ctx, tx, a, id, false)
		if err != nil {
			return err
		}
		if version != 0 && version != it.Version {
			return stale(it)
		}
		trashed, err = s.trashOne(ctx, tx, a, it, cohort, "")
		return err
	})
	if err != nil {
		return shelf.Item{}, err
	}
	counted(s.count.deletes, "item_trash", 1)
	return trashed, nil
}

// TrashItems moves many items to the Trash in one transaction, as one cohort,
// and reports per id what happened: trashed, not found (missing, not the
// actor's, or already in the Trash) or blocked by a loan. The confirmation's
// reason, if given, is kept in every item's audit event; past BulkFriction
// items a form asks for the count typed.
func (s *Service) TrashItems(ctx context.Context, a shelf.Actor, ids []int64, c shelf.Confirmation) (shelf.BulkTrashResult, error) {
	if err := requireUser(a); err != nil {
		return shelf.BulkTrashResult{}, err
	}
	reason, err := cleanReason(c.Reason)
	if err != nil {
		return shelf.BulkTrashResult{}, err
	}
	if err := shelf.ValidateBulkIDs(ids); err != nil {
		return shelf.BulkTrashResult{}, err
	}
	n := len(ids)
	if err := c.CheckCount(shelf.BulkNeedsCount(n), n, fmt.Sprintf("Type %d to confirm that you mean to delete all %d items.", n, n)); err != nil {
		return shelf.BulkTrashResult{}, err
	}
	if job, err := s.bulkDeleteJob(ctx, a, ids, reason); err != nil || job != nil {
		return shelf.BulkTrashResult{Job: job}, err
	}
	cohort := s.newCohort()
	var res shelf.BulkTrashResult
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res = shelf.BulkTrashResult{Trashed: []int64{}, NotFound: []int64{}, Blocked: []shelf.BulkBlocker{}}
		// note: every row is locked first, in id order, before the first
		// audit event takes its lane's lock. Locking as we go let two bulk
		// deletes (or a bulk and a single delete) each hold what the other
		// waits for, and PostgreSQL broke the deadlock with an error.
		found, err := lockVisibleItems(ctx, tx, a, ids, false)
		if err != nil {
			return err
		}
		if err := lockLanesOf(ctx, tx, slices.Collect(maps.Values(found))); err != nil {
			return err
		}
		seen := make(map[int64]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			it, ok := found[id]
			if !ok {
				res.NotFound = append(res.NotFound, id)
				continue
			}
			_, err := s.trashOne(ctx, tx, a, it, cohort, reason)
			switch shelf.ErrorCode(err) {
			case "":
				res.Trashed = append(res.Trashed, id)
			case shelf.EONLOAN:
				// note: what blocks is listed as in a 409, each naming the
				// item it kept out of the Trash.
				res.Kept = append(res.Kept, it)
				for _, b := range shelf.AsError(err).Blockers {
					res.Blocked = append(res.Blocked, shelf.BulkBlocker{Blocker: b, ItemID: id})
				}
			case shelf.ENOTFOUND:
				res.NotFound = append(res.NotFound, id)
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return shelf.BulkTrashResult{}, err
	}
	if len(res.Trashed) > 0 {
		res.Cohort = cohort
	}
	counted(s.count.deletes, "item_trash", len(res.Trashed))
	return res, nil
}

// lockVisibleItems locks the rows of ids in ascending id order and returns
// lockLanesOf takes the audit lanes of these items' owners, lowest first,
// before a transaction that writes events to several of them (an admin's bulk
// delete, a purge batch), so that two such transactions never each hold a
// lane the other waits for.
func lockLanesOf(ctx context.Context, tx *store.Tx, items []shelf.Item) error {
	owners := make([]int64, 0, len(items))
	for _, it := range items {
		owners = append(owners, it.OwnerID)
	}
	return tx.LockAuditLanes(ctx, owners...)
}

// the items among them that the actor may act on: the live ones, or those
// in the Trash when trashed.
func lockVisibleItems(ctx context.Context, tx *store.Tx, a shelf.Actor, ids []int64, trashed bool) (map[int64]shelf.Item, error) {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	found := make(map[int64]shelf.Item, len(sorted))
	for _, id := range slices.Compact(sorted) {
		it, err := visibleItem(ctx, tx, a, id, trashed)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		found[id] = it
	}
	return found, nil
}

// restoreOne brings one visible trashed item back within tx, under name (its
// own when empty), with its audit event.
func (s *Service) restoreOne(ctx context.Context, tx *store.Tx, a shelf.Actor, it shelf.Item, name string) (shelf.Item, error) {
	if name == "" {
		name = it.Name
	} else if msg := shelf.ValidateName(name); msg != "" {
		return shelf.Item{}, shelf.Invalid(map[string]string{"name": msg})
	}
	if err := liveClash(ctx, tx, it.OwnerID, name, it.ID); err != nil {
		if e := shelf.AsError(err); e != nil && e.Code == shelf.ENAMETAKEN {
			e.Message = fmt.Sprintf("A live item is already named “%s”; restore this one under a new name.", name)
		}
		return shelf.Item{}, err
	}
	now := s.Now()
	ok, err := tx.RestoreItem(ctx, it.ID, name, now)
	if err != nil {
		return shelf.Item{}, err
	}
	if !ok {
		return shelf.Item{}, notFound("Item")
	}
	before := it
	it.Name, it.DeletedAt, it.DeletedBy, it.Cohort = name, nil, nil, ""
	it.Version++
	it.UpdatedAt = now
	summary := fmt.Sprintf("Restored “%s” from the Trash", name)
	if name != before.Name {
		summary = fmt.Sprintf("Restored “%s” from the Trash as “%s”", before.Name, name)
	}
	err = s.audit(ctx, tx, a, before.OwnerID, shelf.ActionItemRestore, "item", it.ID, before.Cohort, summary,
		map[string]any{"item": snapItem(before)})
	return it, err
}

// RestoreItem brings one item back from the Trash, under newName if given.
// A live item with the same name refuses it with ENAMETAKEN.
func (s *Service) RestoreItem(ctx context.Context, a shelf.Actor, id int64, newName string) (shelf.Item, error) {
	if err := requireUser(a); err != nil {
		return shelf.Item{}, err
	}
	var it shelf.Item
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		trashed, err := visibleItem(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		it, err = s.restoreOne(ctx, tx, a, trashed, newName)
		return err
	})
	if err == nil {
		counted(s.count.restores, "item", 1)
	}
	return it, err
}

// RestoreCohort undoes one delete request: it brings back every item that
// request trashed and is still in the Trash, and nothing else. Items whose
// names are now taken stay in the Trash and are reported as conflicts.
func (s *Service) RestoreCohort(ctx context.Context, a shelf.Actor, cohort string) (shelf.RestoreResult, error) {
	if err := requireUser(a); err != nil {
		return shelf.RestoreResult{}, err
	}
	if cohort == "" {
		return shelf.RestoreResult{}, shelf.Invalid(map[string]string{"cohort": "Cohort is required."})
	}
	var res shelf.RestoreResult
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res = shelf.RestoreResult{Restored: []shelf.Item{}, Photos: []shelf.Photo{}, Conflicts: []shelf.BulkBlocker{}}
		items, err := tx.CohortItems(ctx, cohort, ownerScope(a, true))
		if err != nil {
			return err
		}
		photos, photoConflicts, err := s.restoreCohortPhotos(ctx, tx, a, cohort)
		if err != nil {
			return err
		}
		if len(items) == 0 && len(photos) == 0 && len(photoConflicts) == 0 {
			return shelf.Errorf(shelf.ENOTFOUND, "Nothing of that delete is left in the Trash.")
		}
		if err := lockLanesOf(ctx, tx, items); err != nil {
			return err
		}
		res.Photos = append(res.Photos, photos...)
		res.Conflicts = append(res.Conflicts, photoConflicts...)
		for _, it := range items {
			restored, err := s.restoreOne(ctx, tx, a, it, "")
			switch shelf.ErrorCode(err) {
			case "":
				res.Restored = append(res.Restored, restored)
			case shelf.ENAMETAKEN:
				for _, b := range shelf.AsError(err).Blockers {
					res.Conflicts = append(res.Conflicts, shelf.BulkBlocker{Blocker: b, ItemID: it.ID})
				}
			default:
				return err
			}
		}
		return nil
	})
	if err == nil {
		counted(s.count.restores, "cohort", len(res.Restored))
		counted(s.count.restores, "photo", len(res.Photos))
	}
	return res, err
}

// Trash returns a page of the actor's Trash, most recently trashed first; an
// admin may ask for everyone's.
func (s *Service) Trash(ctx context.Context, a shelf.Actor, f shelf.ItemFilter, allOwners bool) (shelf.ItemPage, error) {
	return s.listItems(ctx, a, f, allOwners, s.db.Read, (*store.Tx).TrashedItems)
}

// TrashedItem returns one item in the Trash the actor may see.
func (s *Service) TrashedItem(ctx context.Context, a shelf.Actor, id int64) (shelf.Item, error) {
	if err := requireUser(a); err != nil {
		return shelf.Item{}, err
	}
	var it shelf.Item
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		it, err = peekItem(ctx, tx, a, id, true)
		return err
	})
	return it, err
}

// TrashSize counts, capped, everything in the Trash, for metrics.
func (s *Service) TrashSize(ctx context.Context, limit int) (int, error) {
	var n int
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.CountTrash(ctx, nil, limit)
		return err
	})
	return n, err
}

// EmptyTrashImpact counts, capped at limit each, what emptying a user's
// Trash (the actor's own when owner is 0) would delete: the items, and the
// notes and loans that go with them.
func (s *Service) EmptyTrashImpact(ctx context.Context, a shelf.Actor, owner int64, limit int) (items, notes, loans int, err error) {
	if err := requireUser(a); err != nil {
		return 0, 0, 0, err
	}
	owner, err = s.trashOwner(ctx, a, owner)
	if err != nil {
		return 0, 0, 0, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		items, notes, loans, err = tx.TrashCounts(ctx, owner, limit)
		return err
	})
	return items, notes, loans, err
}
