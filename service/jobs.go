package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"shelf"
	"shelf/store"
)

// WithJobThreshold sets how many rows a deletion may remove before it runs
// as a job (shelf serve --job-threshold); 0 or less keeps the default.
func WithJobThreshold(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.jobThreshold = n
		}
	}
}

// JobThreshold is how many rows (items, notes and loans; ids for a bulk
// delete) a deletion may remove before it runs as a job.
func (s *Service) JobThreshold() int { return s.jobThreshold }

// JobQueued returns a channel that receives when this process has queued a
// job, so that the runner starts it at once instead of at its next look.
func (s *Service) JobQueued() <-chan struct{} { return s.jobWake }

func (s *Service) wakeJobs() {
	select {
	case s.jobWake <- struct{}{}:
	default:
	}
}

// jobParams is what a job needs to take its items again on a retry, and
// what a bulk delete's result gathers as it goes.
type jobParams struct {
	Before *time.Time `json:"before,omitempty"`  // empty_trash: what was in the Trash when asked
	ItemID int64      `json:"item_id,omitempty"` // purge_item
	UserID int64      `json:"user_id,omitempty"` // erase_user: whom
	// Erase is how far an erasure's batches have got (erase_user).
	Erase    *store.EraseCursor  `json:"erase,omitempty"`
	IDs      []int64             `json:"ids,omitempty"` // bulk_delete: the ids asked for
	Cohort   string              `json:"cohort,omitempty"`
	Trashed  []int64             `json:"trashed,omitempty"`
	NotFound []int64             `json:"not_found,omitempty"`
	Blocked  []shelf.BulkBlocker `json:"blocked,omitempty"`
	// Counted is set once an emptied Trash's or an erasure's job has
	// counted its rows, which its runner does before the first batch rather
	// than the request (a count of 100,000 rows would hold the request up).
	Counted bool `json:"counted,omitempty"`
}

func readParams(j store.JobRow) (jobParams, error) {
	var p jobParams
	if err := json.Unmarshal(j.Params, &p); err != nil {
		return p, fmt.Errorf("job %d: params: %w", j.ID, err)
	}
	return p, nil
}

func writeParams(j *store.JobRow, p jobParams) error {
	b, err := json.Marshal(p)
	j.Params = b
	return err
}

// newJob stores a queued job for what a asked, then takes its items (so
// they leave their owner's view in this same transaction; an emptied
// Trash's job takes them by its cutoff alone) and counts them.
func (s *Service) newJob(ctx context.Context, tx *store.Tx, a shelf.Actor, kind string, owner int64, reason string, p jobParams) (store.JobRow, error) {
	now := s.Now()
	j := store.JobRow{
		Job:       shelf.Job{Kind: kind, State: shelf.JobQueued, OwnerID: owner, ActorID: a.UserID, CreatedAt: now},
		ActorRole: a.Role, RequestID: a.RequestID, Reason: reason, NextAttemptAt: now, TrashedBefore: p.Before,
	}
	if err := writeParams(&j, p); err != nil {
		return j, err
	}
	j, err := tx.InsertJob(ctx, j)
	if err != nil {
		return j, err
	}
	return j, s.claimJob(ctx, tx, &j, p)
}

// claimJob gives job j the items it is to delete (again, on a retry: what
// is still there) and sets its total: what it has done and what it holds.
func (s *Service) claimJob(ctx context.Context, tx *store.Tx, j *store.JobRow, p jobParams) error {
	var err error
	switch j.Kind {
	case shelf.JobEmptyTrash, shelf.JobErase:
		// note: nothing to mark or count here; the job row's cutoff takes
		// the items out of the Trash (store.inTrashView), an erased
		// person's account is stopped, and the runner counts the rows
		// (countJob), so the request writes one row.
		p.Counted = false
		j.Total = j.Done
		if err := writeParams(j, p); err != nil {
			return err
		}
		return tx.UpdateJob(ctx, *j)
	case shelf.JobPurgeItem:
		_, err = tx.ClaimItems(ctx, j.ID, []int64{p.ItemID}, true)
	case shelf.JobBulkDelete:
		var n int64
		n, err = tx.ClaimItems(ctx, j.ID, p.IDs, false)
		if err == nil {
			j.Total = j.Done + n
			return tx.UpdateJob(ctx, *j)
		}
	}
	if err != nil {
		return err
	}
	rows, err := tx.JobRows(ctx, j.ID)
	if err != nil {
		return err
	}
	j.Total = j.Done + rows
	return tx.UpdateJob(ctx, *j)
}

// emptyTrashJob starts the job that empties owner's Trash when what it
// would remove (items, notes and loans that no hold keeps) is over the
// threshold; it returns nil, and does nothing, otherwise.
func (s *Service) emptyTrashJob(ctx context.Context, a shelf.Actor, owner int64, reason string) (*shelf.Job, error) {
	var big bool
	if err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		big, err = tx.TrashRowsExceed(ctx, owner, s.jobThreshold)
		return err
	}); err != nil || !big {
		return nil, err
	}
	// note: only what is in the Trash now, as for a Trash emptied at once.
	before := s.Now().Add(time.Microsecond)
	var j store.JobRow
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		j, err = s.newJob(ctx, tx, a, shelf.JobEmptyTrash, owner, reason, jobParams{Before: &before})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.wakeJobs()
	return &j.Job, nil
}

// purgeItemJob starts, within tx, the job that deletes it forever when the
// item, its notes and loans are over the threshold, after the checks that
// the request would pass at once (holds, the typed name); it returns nil,
// and does nothing, otherwise.
func (s *Service) purgeItemJob(ctx context.Context, tx *store.Tx, a shelf.Actor, it shelf.Item, reason string, c shelf.Confirmation) (*shelf.Job, error) {
	notes, loans, _, err := tx.ItemCounts(ctx, it.ID, s.jobThreshold+1)
	if err != nil || 1+notes+loans <= s.jobThreshold {
		return nil, err
	}
	if err := heldItem(ctx, tx, it); err != nil {
		return nil, err
	}
	im := shelf.Impact{Action: "purge", Notes: notes, Loans: loans}
	if err := c.Check(shelf.PurgeNeedsName(im), it.Name, "confirm_name", "Type the item’s name exactly as shown to confirm."); err != nil {
		return nil, err
	}
	j, err := s.newJob(ctx, tx, a, shelf.JobPurgeItem, it.OwnerID, reason, jobParams{ItemID: it.ID})
	return &j.Job, err
}

// readJob reads a job's row as it stands, in a read transaction of its own.
func (s *Service) readJob(ctx context.Context, id int64) (store.JobRow, error) {
	var j store.JobRow
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		j, err = tx.Job(ctx, id)
		return err
	})
	return j, err
}

// Job returns a job that the actor asked for or that deletes their things
// (any job, for an admin).
func (s *Service) Job(ctx context.Context, a shelf.Actor, id int64) (shelf.Job, error) {
	if err := requireUser(a); err != nil {
		return shelf.Job{}, err
	}
	j, err := s.readJob(ctx, id)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND || (err == nil && !canSeeJob(a, j.Job)) {
		return shelf.Job{}, notFound("Job")
	}
	return j.Job, err
}

func canSeeJob(a shelf.Actor, j shelf.Job) bool {
	return canSee(a, j.OwnerID) || (a.UserID != 0 && a.UserID == j.ActorID)
}

// Jobs lists, newest first, the jobs the actor asked for or that delete
// their things; everyone's for an admin who asks for all.
func (s *Service) Jobs(ctx context.Context, a shelf.Actor, after string, limit int, allOwners bool) (shelf.JobPage, error) {
	if err := requireUser(a); err != nil {
		return shelf.JobPage{}, err
	}
	if err := AllOwners(a, allOwners); err != nil {
		return shelf.JobPage{}, err
	}
	var page shelf.JobPage
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.Jobs(ctx, ownerScope(a, allOwners), after, limit)
		return err
	})
	return page, err
}

// RetryJob starts a failed job again (admins only): it takes what is still
// there of what the job was to delete and runs from where it stopped. A job
// that has not failed is refused (ERESTRICTED, naming the job).
func (s *Service) RetryJob(ctx context.Context, a shelf.Actor, id int64) (shelf.Job, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.Job{}, err
	}
	var j store.JobRow
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		j, err = tx.LockJob(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Job")
		} else if err != nil {
			return err
		}
		if j.State != shelf.JobFailed {
			return shelf.Restricted(shelf.ERESTRICTED, fmt.Sprintf("Job %d is %s; only a failed job can be retried.", j.ID, j.State),
				[]shelf.Blocker{shelf.NewBlocker(shelf.BlockJob, j.ID, j.Kind)})
		}
		p, err := readParams(j)
		if err != nil {
			return err
		}
		j.State, j.Attempts, j.Error, j.FinishedAt, j.NextAttemptAt = shelf.JobQueued, 0, nil, nil, s.Now()
		return s.claimJob(ctx, tx, &j, p)
	})
	if err != nil {
		return shelf.Job{}, err
	}
	s.wakeJobs()
	return j.Job, nil
}
