package service

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"shelf"
	"shelf/store"
)

// RestoreItems brings chosen items back from the Trash in one transaction,
// each under its own name; an item whose name a live item holds now stays
// in the Trash and is reported as a conflict, as when undoing a delete.
func (s *Service) RestoreItems(ctx context.Context, a shelf.Actor, ids []int64) (shelf.BulkRestoreResult, error) {
	if err := requireUser(a); err != nil {
		return shelf.BulkRestoreResult{}, err
	}
	if len(ids) == 0 {
		return shelf.BulkRestoreResult{}, shelf.Invalid(map[string]string{"ids": "Choose at least one item to restore."})
	}
	if err := shelf.ValidateBulkIDs(ids); err != nil {
		return shelf.BulkRestoreResult{}, err
	}
	var res shelf.BulkRestoreResult
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res = shelf.BulkRestoreResult{Restored: []shelf.Item{}, Conflicts: []shelf.BulkBlocker{}, NotFound: []int64{}}
		found, err := lockVisibleItems(ctx, tx, a, ids, true)
		if err != nil {
			return err
		}
		if err := lockLanesOf(ctx, tx, slices.Collect(maps.Values(found))); err != nil {
			return err
		}
		for _, id := range distinct(ids) {
			it, ok := found[id]
			if !ok {
				res.NotFound = append(res.NotFound, id)
				continue
			}
			restored, err := s.restoreOne(ctx, tx, a, it, "")
			switch shelf.ErrorCode(err) {
			case "":
				res.Restored = append(res.Restored, restored)
			case shelf.ENAMETAKEN:
				for _, b := range shelf.AsError(err).Blockers {
					res.Conflicts = append(res.Conflicts, shelf.BulkBlocker{Blocker: b, ItemID: id})
				}
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return shelf.BulkRestoreResult{}, err
	}
	counted(s.count.restores, "item", len(res.Restored))
	return res, nil
}

// PurgeItems deletes chosen items of the Trash forever, with their notes
// and loans, in one transaction, each with its audit event and before-image.
// Past the friction thresholds (shelf.EmptyTrashNeedsCount, counted over the
// chosen items as they are now) a form asks for the number typed; legal
// holds keep their items, which are reported as blocked.
func (s *Service) PurgeItems(ctx context.Context, a shelf.Actor, ids []int64, c shelf.Confirmation) (shelf.BulkPurgeResult, error) {
	if err := requireUser(a); err != nil {
		return shelf.BulkPurgeResult{}, err
	}
	reason, err := cleanReason(c.Reason)
	if err != nil {
		return shelf.BulkPurgeResult{}, err
	}
	if err := shelf.ValidatePurgeIDs(ids); err != nil {
		return shelf.BulkPurgeResult{}, err
	}
	var res shelf.BulkPurgeResult
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res = shelf.BulkPurgeResult{Purged: []shelf.Item{}, Held: []shelf.Item{}, Blocked: []shelf.BulkBlocker{}, NotFound: []int64{}}
		found, err := lockVisibleItems(ctx, tx, a, ids, true)
		if err != nil {
			return err
		}
		var notes, loans int
		for _, it := range found {
			n, l, _, err := tx.ItemCounts(ctx, it.ID, shelf.ImpactCap)
			if err != nil {
				return err
			}
			notes, loans = notes+n, loans+l
		}
		n := len(found)
		if err := c.CheckCount(shelf.EmptyTrashNeedsCount(n, notes, loans), n,
			fmt.Sprintf("Type %d, the number of items chosen, to confirm.", n)); err != nil {
			return err
		}
		if err := lockLanesOf(ctx, tx, slices.Collect(maps.Values(found))); err != nil {
			return err
		}
		for _, id := range distinct(ids) {
			it, ok := found[id]
			if !ok {
				res.NotFound = append(res.NotFound, id)
				continue
			}
			err := s.purgeOne(ctx, tx, a, it, reason, "from the Trash", nil)
			switch shelf.ErrorCode(err) {
			case "":
				res.Purged = append(res.Purged, it)
			case shelf.EHELD:
				res.Held = append(res.Held, it)
				for _, b := range shelf.AsError(err).Blockers {
					res.Blocked = append(res.Blocked, shelf.BulkBlocker{Blocker: b, ItemID: id})
				}
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return shelf.BulkPurgeResult{}, err
	}
	counted(s.count.purges, "item", len(res.Purged))
	if len(res.Purged) > 0 {
		s.filesQueued()
	}
	return res, nil
}

// distinct returns ids without repeats, in their first order.
func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// TrashCountCap is where the count of a Trash in the navigation stops.
const TrashCountCap = 1000

// TrashCount counts, up to TrashCountCap, the items in the actor's own
// Trash, in one statement, for the navigation.
func (s *Service) TrashCount(ctx context.Context, a shelf.Actor) (int, error) {
	if err := requireUser(a); err != nil {
		return 0, err
	}
	var n int
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.CountTrash(ctx, &a.UserID, TrashCountCap)
		return err
	})
	return n, err
}

// TrashedItemRecord is a trashed item with the notes and loans that wait
// in the Trash with it, for its read-only page.
type TrashedItemRecord struct {
	Item  shelf.Item
	Notes []shelf.Note
	Loans []shelf.Loan
}

// TrashedItemWithRecord returns an item in the Trash the actor may see,
// with its notes and loans (the newest, up to shelf.ImpactCap each), read
// in one transaction.
func (s *Service) TrashedItemWithRecord(ctx context.Context, a shelf.Actor, id int64) (TrashedItemRecord, error) {
	if err := requireUser(a); err != nil {
		return TrashedItemRecord{}, err
	}
	var rec TrashedItemRecord
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rec.Item, err = peekItem(ctx, tx, a, id, true); err != nil {
			return err
		}
		if rec.Notes, err = tx.Notes(ctx, id, shelf.ImpactCap); err != nil {
			return err
		}
		rec.Loans, err = tx.Loans(ctx, id, shelf.ImpactCap)
		return err
	})
	return rec, err
}

// PurgeItemsImpact says what deleting chosen items of the Trash forever
// would take: the items the actor may purge among ids (in their order), and
// their notes and loans, counted with capped queries.
func (s *Service) PurgeItemsImpact(ctx context.Context, a shelf.Actor, ids []int64) (items []shelf.Item, notes, loans int, err error) {
	if err := requireUser(a); err != nil {
		return nil, 0, 0, err
	}
	if err := shelf.ValidatePurgeIDs(ids); err != nil {
		return nil, 0, 0, err
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		items, notes, loans = nil, 0, 0
		for _, id := range distinct(ids) {
			it, err := peekItem(ctx, tx, a, id, true)
			if shelf.ErrorCode(err) == shelf.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			n, l, _, err := tx.ItemCounts(ctx, id, shelf.ImpactCap)
			if err != nil {
				return err
			}
			items, notes, loans = append(items, it), notes+n, loans+l
		}
		return nil
	})
	return items, notes, loans, err
}
