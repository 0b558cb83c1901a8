package service

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"shelf"
	"shelf/store"
)

// JobBatch is how many items one batch of a job takes by default: each batch
// is one transaction, so readers and writers are never held up for long.
const JobBatch = DefaultPurgeBatch

// A batch that fails is tried again after these waits, one per failure;
// past the last, the job stops failed and hands back what it still held.
var jobBackoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}

// runningJobs keeps a job to one runner within this process; ExclusiveJob
// keeps it to one process on PostgreSQL.
type runningJobs struct {
	mu  sync.Mutex
	ids map[int64]bool
}

func (r *runningJobs) take(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids[id] {
		return false
	}
	if r.ids == nil {
		r.ids = map[int64]bool{}
	}
	r.ids[id] = true
	return true
}

func (r *runningJobs) drop(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids, id)
}

// DueJobs returns the ids of the jobs that have a batch due now, oldest
// first; only Shelf itself (or an admin) runs jobs.
func (s *Service) DueJobs(ctx context.Context, a shelf.Actor, limit int) ([]int64, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		ids, err = tx.DueJobs(ctx, s.Now(), limit)
		return err
	})
	return ids, err
}

// JobProgress is told of a job after each of its batches, and when it ends.
type JobProgress func(shelf.Job)

// RunJob runs job id's batches, batch items each (JobBatch when 0 or
// less), until it ends, ctx ends or a batch fails; a failed batch makes the
// job due again after a backoff, and after the last one the job stops
// failed. Only Shelf itself (or an admin) runs jobs, and one runner at a
// time: ran is false, and nothing runs, while another has the job.
func (s *Service) RunJob(ctx context.Context, a shelf.Actor, id int64, batch int, progress JobProgress) (ran bool, err error) {
	if err := requireAdmin(a); err != nil {
		return false, err
	}
	if batch <= 0 {
		batch = JobBatch
	}
	if !s.jobs.take(id) {
		return false, nil
	}
	defer s.jobs.drop(id)
	tell := progress
	progress = func(j shelf.Job) {
		// note: after the commit; the other instances read the job's row.
		s.db.JobMoved(j.ID)
		if tell != nil {
			tell(j)
		}
	}
	return s.db.ExclusiveJob(ctx, id, func() error {
		if err := s.countJob(ctx, id); err != nil {
			if ctx.Err() == nil {
				if j, ferr := s.jobFailed(ctx, id, err); ferr == nil {
					progress(j)
				}
			}
			return err
		}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			j, more, err := s.jobBatch(ctx, id, batch)
			if err != nil {
				if ctx.Err() != nil {
					// note: stopped, not failed; the batch rolled back and
					// runs again on the next start.
					return err
				}
				if j, ferr := s.jobFailed(ctx, id, err); ferr == nil {
					progress(j)
				}
				return err
			}
			if j.ID != 0 {
				progress(j)
			}
			if !more {
				return nil
			}
		}
	})
}

// countJob counts, before an emptied Trash's or an erasure's job deletes anything (again
// after a retry), the rows it has to delete, and sets its total. The count
// runs in a read transaction, which holds up no writer.
func (s *Service) countJob(ctx context.Context, id int64) error {
	j, err := s.readJob(ctx, id)
	if err != nil {
		return err
	}
	p, err := readParams(j)
	if err != nil || (j.Kind != shelf.JobEmptyTrash && j.Kind != shelf.JobErase) || p.Counted || j.Finished() {
		return err
	}
	var rows int64
	if err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if j.Kind == shelf.JobErase {
			rows, err = tx.UserRows(ctx, p.UserID)
		} else {
			rows, err = tx.JobTrashRows(ctx, j)
		}
		return err
	}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		j, err := tx.LockJob(ctx, id)
		if err != nil {
			return err
		}
		p, err := readParams(j)
		if err != nil || p.Counted || j.Finished() {
			return err
		}
		// note: what a batch purged between the count and now is in done
		// and no longer in the count; a batch cannot run meanwhile, as
		// this runner holds the job.
		p.Counted, j.Total = true, j.Done+rows
		if err := writeParams(&j, p); err != nil {
			return err
		}
		return tx.UpdateJob(ctx, j)
	})
}

// jobBatch runs one batch of a job in one transaction, with the audit
// events of what it deletes, and returns the job as it left it and whether
// more is to come. Once the job has nothing left it finishes it.
func (s *Service) jobBatch(ctx context.Context, id int64, batch int) (shelf.Job, bool, error) {
	var j store.JobRow
	var left, purged bool
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		left, purged = false, false
		if j, err = tx.LockJob(ctx, id); err != nil {
			return err
		}
		if j.Finished() || j.NextAttemptAt.After(s.Now()) {
			return nil
		}
		if j.Kind == shelf.JobErase {
			if left, purged, err = s.jobEraseBatch(ctx, tx, &j, batch); err != nil || !left {
				return err
			}
			j.State, j.Attempts, j.Error = shelf.JobRunning, 0, nil
			return tx.UpdateJob(ctx, j)
		}
		var ids []int64
		if j.Kind == shelf.JobEmptyTrash {
			ids, err = tx.JobTrash(ctx, j, batch)
		} else {
			ids, err = tx.JobItemIDs(ctx, j.ID, batch)
		}
		if err != nil || len(ids) == 0 {
			return err
		}
		left = true
		switch j.Kind {
		case shelf.JobBulkDelete:
			err = s.jobTrashBatch(ctx, tx, &j, ids)
		default:
			purged, err = s.jobPurgeBatch(ctx, tx, &j, ids)
		}
		if err != nil {
			return err
		}
		j.State, j.Attempts, j.Error = shelf.JobRunning, 0, nil
		return tx.UpdateJob(ctx, j)
	})
	if err != nil {
		return shelf.Job{}, false, err
	}
	if purged {
		s.filesQueued()
	}
	if left {
		return j.Job, true, nil
	}
	if j.ID == 0 || j.Finished() || j.NextAttemptAt.After(s.Now()) {
		// note: nothing ran; nothing to tell.
		return shelf.Job{}, false, nil
	}
	done, err := s.finishJob(ctx, id)
	return done, false, err
}

// jobActor is who a job acts as: the user who asked for it, as they were
// then, with the request's id; Shelf itself once that user is gone.
func jobActor(j store.JobRow) shelf.Actor {
	if j.ActorID == 0 {
		return shelf.System(j.RequestID)
	}
	return shelf.Actor{UserID: j.ActorID, Role: j.ActorRole, RequestID: j.RequestID}
}

// jobPurgeBatch deletes forever the items of one batch (ids, the job's) and
// counts what went in j. An item a hold covers now is handed back to the
// Trash, where the hold keeps it. It reports whether anything was purged.
func (s *Service) jobPurgeBatch(ctx context.Context, tx *store.Tx, j *store.JobRow, ids []int64) (bool, error) {
	children, err := tx.ChildRows(ctx, ids)
	if err != nil {
		return false, err
	}
	var items []shelf.Item
	for _, id := range ids {
		it, err := tx.LockItem(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			j.Done++ // erased meanwhile, with its notes and loans
			continue
		} else if err != nil {
			return false, err
		}
		items = append(items, it)
	}
	if err := lockLanesOf(ctx, tx, items); err != nil {
		return false, err
	}
	why := "Trash emptied"
	if j.Kind == shelf.JobPurgeItem {
		why = "from the Trash"
	}
	a, purged := jobActor(*j), 0
	for _, it := range items {
		j.Done += 1 + children[it.ID]
		err := s.purgeOne(ctx, tx, a, it, j.Reason, why, nil)
		if shelf.ErrorCode(err) == shelf.EHELD {
			// note: held since the batch chose it; it goes back to the
			// Trash (an emptied Trash's job passes over held items anyway).
			if _, err := tx.ReleaseItems(ctx, j.ID, it.ID); err != nil {
				return false, err
			}
			continue
		} else if err != nil {
			return false, err
		}
		purged++
	}
	j.ItemsDone += int64(purged)
	kind := "empty_trash"
	if j.Kind == shelf.JobPurgeItem {
		kind = "item"
	}
	// note: counted before commit; a batch that then fails to commit is
	// counted again when it runs again (the metric may run ahead, never the data).
	counted(s.count.purges, kind, purged)
	return purged > 0, nil
}

// finishJob ends a job that has nothing left: what the synchronous call
// would also have done last (photos trashed on their own, for an emptied
// Trash; the user, their key and user.erase, for an erasure, and then the
// engine's scrub), then its result, in one transaction.
func (s *Service) finishJob(ctx context.Context, id int64) (shelf.Job, error) {
	j, err := s.readJob(ctx, id)
	if err != nil {
		return shelf.Job{}, err
	}
	p, err := readParams(j)
	if err != nil {
		return shelf.Job{}, err
	}
	if j.Kind == shelf.JobEmptyTrash && p.Before != nil {
		owner := j.OwnerID
		if _, err := s.purgePhotosBefore(ctx, jobActor(j), &owner, *p.Before, j.Reason, "Trash emptied"); err != nil {
			return shelf.Job{}, err
		}
	}
	var erased, ended bool
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if j, err = tx.LockJob(ctx, id); err != nil || j.Finished() {
			return err
		}
		var result any
		switch j.Kind {
		case shelf.JobErase:
			if result, ended, err = s.finishEraseJob(ctx, tx, j); err != nil {
				return err
			}
			erased = true
		case shelf.JobEmptyTrash:
			res := shelf.EmptyTrashResult{Purged: int(j.ItemsDone), Blocked: []shelf.BulkBlocker{}}
			held, err := tx.HeldTrash(ctx, j.OwnerID, maxHeldListed)
			if err != nil {
				return err
			}
			for _, hi := range held {
				res.Blocked = append(res.Blocked, shelf.BulkBlocker{Blocker: hi.Hold.Blocker(), ItemID: hi.ItemID})
			}
			result = res
		case shelf.JobPurgeItem:
			result = map[string]int64{"purged": j.ItemsDone}
		case shelf.JobBulkDelete:
			result = bulkResult(p)
		}
		if j.Result, err = json.Marshal(result); err != nil {
			return err
		}
		now := s.Now()
		// note: the reason is the asker's own text; the audit events keep
		// it, sealed, so the finished job need not.
		j.State, j.Done, j.FinishedAt, j.Error, j.Reason = shelf.JobDone, j.Total, &now, nil, ""
		return tx.UpdateJob(ctx, j)
	})
	if err == nil && erased {
		// note: the job is done whatever the scrub does; a scrub that
		// fails is reported (the runner logs it) and done again by the
		// next erasure.
		err = s.erased(ctx, ended)
	}
	return j.Job, err
}

// jobFailed records that a batch of job id failed with cause: the job is
// due again after a backoff, or, past the last, stops failed with the
// error and hands back what it still held, which shows again where it was.
func (s *Service) jobFailed(ctx context.Context, id int64, cause error) (shelf.Job, error) {
	var j store.JobRow
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if j, err = tx.LockJob(ctx, id); err != nil || j.Finished() {
			return err
		}
		msg, now := shelf.ErrorMessage(cause), s.Now()
		j.Attempts++
		j.Error = &msg
		if j.Attempts <= len(jobBackoff) {
			j.NextAttemptAt = now.Add(jobBackoff[j.Attempts-1])
			return tx.UpdateJob(ctx, j)
		}
		j.State, j.FinishedAt = shelf.JobFailed, &now
		if _, err := tx.ReleaseItems(ctx, j.ID, 0); err != nil {
			return err
		}
		return tx.UpdateJob(ctx, j)
	})
	return j.Job, err
}
