package service

import (
	"context"

	"shelf"
	"shelf/store"
)

// eraseJob starts, within tx, the job that erases user id when what the
// erasure deletes (items, notes and loans) is over the threshold, and
// returns it; an erasure of them that already runs as a job is returned
// as it is. It returns nil, and does nothing, when the erasure is small
// enough for one request. The caller has begun the erasure and stopped the
// account in tx.
func (s *Service) eraseJob(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64) (*shelf.Job, error) {
	if j, err := tx.ActiveJob(ctx, shelf.JobErase, id); err == nil {
		return &j.Job, nil
	} else if shelf.ErrorCode(err) != shelf.ENOTFOUND {
		return nil, err
	}
	big, err := tx.UserRowsExceed(ctx, id, s.jobThreshold)
	if err != nil || !big {
		return nil, err
	}
	// note: the job counts the rows when it starts (countJob), as an
	// emptied Trash's does, so that the request does not.
	j, err := s.newJob(ctx, tx, a, shelf.JobErase, id, "", jobParams{UserID: id})
	return &j.Job, err
}

// resumeAsJob hands an erasure that has begun (an account whose grace
// period ended, or an erasure a crash stopped) to a job when it is big, as
// EraseUser would, and reports whether a job has it. A hold on the person
// is EHELD, which leaves the erasure for later.
func (s *Service) resumeAsJob(ctx context.Context, a shelf.Actor, id int64) (bool, error) {
	var job *shelf.Job
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return nil // only its end is left, which is done at once
		} else if err != nil {
			return err
		}
		if err := heldUser(ctx, tx, u); err != nil {
			return err
		}
		job, err = s.eraseJob(ctx, tx, a, id)
		return err
	})
	if err != nil || job == nil {
		return false, err
	}
	s.wakeJobs()
	return true, nil
}

// jobEraseBatch runs one step of an erasure's job in tx and counts it in
// j; it reports whether the step deleted anything (nothing is left when
// not) and whether it deleted items, whose files are then queued.
func (s *Service) jobEraseBatch(ctx context.Context, tx *store.Tx, j *store.JobRow, batch int) (left, items bool, err error) {
	p, err := readParams(*j)
	if err != nil {
		return false, false, err
	}
	// note: the cursor is kept in the job's params, written with the
	// batch, so a retry resumes from the batch last committed.
	if p.Erase == nil {
		p.Erase = &store.EraseCursor{}
	}
	n, it, left, err := s.eraseStep(ctx, tx, p.UserID, batch, p.Erase)
	if err != nil || !left {
		return false, false, err
	}
	if err := writeParams(j, p); err != nil {
		return false, false, err
	}
	j.Done += n
	j.ItemsDone += it
	return true, it > 0, nil
}

// finishEraseJob ends, in tx, an erasure's job that has nothing left: it
// lets go of the person (the job outlives them), ends the erasure as
// EraseUser does, and returns the job's result and whether this
// transaction ended the erasure.
func (s *Service) finishEraseJob(ctx context.Context, tx *store.Tx, j store.JobRow) (shelf.EraseResult, bool, error) {
	p, err := readParams(j)
	if err != nil {
		return shelf.EraseResult{}, false, err
	}
	if err := tx.DetachJob(ctx, j.ID); err != nil {
		return shelf.EraseResult{}, false, err
	}
	ended, err := s.eraseEnd(ctx, tx, jobActor(j), p.UserID, j.ItemsDone, j.Done-j.ItemsDone)
	return shelf.EraseResult{ErasedUser: p.UserID, Purged: j.ItemsDone}, ended, err
}
