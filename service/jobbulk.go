package service

import (
	"context"
	"slices"

	"shelf"
	"shelf/store"
)

// bulkDeleteJob starts the job that moves ids to the Trash, as one cohort,
// when there are more ids than the threshold; it returns nil, and does
// nothing, otherwise. The items the actor may delete leave their live list
// at once; the others are reported not found, as at once.
func (s *Service) bulkDeleteJob(ctx context.Context, a shelf.Actor, ids []int64, reason string) (*shelf.Job, error) {
	if len(ids) <= s.jobThreshold {
		return nil, nil
	}
	var j store.JobRow
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		found, err := lockVisibleItems(ctx, tx, a, ids, false)
		if err != nil {
			return err
		}
		p := jobParams{Cohort: s.newCohort(), NotFound: []int64{}}
		seen := make(map[int64]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, ok := found[id]; ok {
				p.IDs = append(p.IDs, id)
			} else {
				p.NotFound = append(p.NotFound, id)
			}
		}
		j, err = s.newJob(ctx, tx, a, shelf.JobBulkDelete, a.UserID, reason, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.wakeJobs()
	return &j.Job, nil
}

// jobTrashBatch moves the items of one batch (ids, the job's) to the Trash
// under the job's cohort, each with its audit event, hands each back to
// view (in the Trash, or live where a loan kept it out) and gathers the
// outcome in the job's params.
func (s *Service) jobTrashBatch(ctx context.Context, tx *store.Tx, j *store.JobRow, ids []int64) error {
	p, err := readParams(*j)
	if err != nil {
		return err
	}
	var items []shelf.Item
	for _, id := range ids {
		it, err := tx.LockItem(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			p.NotFound = append(p.NotFound, id)
			continue
		} else if err != nil {
			return err
		}
		items = append(items, it)
	}
	if err := lockLanesOf(ctx, tx, items); err != nil {
		return err
	}
	a, trashed := jobActor(*j), 0
	for _, it := range items {
		if _, err := tx.ReleaseItems(ctx, j.ID, it.ID); err != nil {
			return err
		}
		_, err := s.trashOne(ctx, tx, a, it, p.Cohort, j.Reason)
		switch shelf.ErrorCode(err) {
		case "":
			p.Trashed = append(p.Trashed, it.ID)
			trashed++
		case shelf.EONLOAN:
			for _, b := range shelf.AsError(err).Blockers {
				p.Blocked = append(p.Blocked, shelf.BulkBlocker{Blocker: b, ItemID: it.ID})
			}
		case shelf.ENOTFOUND:
			p.NotFound = append(p.NotFound, it.ID)
		default:
			return err
		}
	}
	j.Done += int64(len(ids))
	j.ItemsDone += int64(trashed)
	counted(s.count.deletes, "item_trash", trashed)
	return writeParams(j, p)
}

// bulkResult is a finished bulk delete job's result: what the synchronous
// call would have answered.
func bulkResult(p jobParams) shelf.BulkTrashResult {
	res := shelf.BulkTrashResult{Trashed: slices.Clone(p.Trashed), NotFound: slices.Clone(p.NotFound), Blocked: slices.Clone(p.Blocked)}
	if res.Trashed == nil {
		res.Trashed = []int64{}
	}
	if res.NotFound == nil {
		res.NotFound = []int64{}
	}
	if res.Blocked == nil {
		res.Blocked = []shelf.BulkBlocker{}
	}
	if len(res.Trashed) > 0 {
		res.Cohort = p.Cohort
	}
	return res
}
