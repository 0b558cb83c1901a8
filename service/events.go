package service

import (
	"context"

	"shelf"
	"shelf/store"
)

// EventScope decides whose events the actor hears of: their own things', or
// everyone's when an admin asks for all (a member asking for all is refused).
// It returns the owner to filter on, nil for everyone.
func (s *Service) EventScope(a shelf.Actor, all bool) (*int64, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	if all && !a.IsAdmin() {
		return nil, shelf.Errorf(shelf.EFORBIDDEN, "Only an administrator may hear of everyone's changes.")
	}
	return ownerScope(a, all), nil
}

// note: reading events takes two statements on PostgreSQL (the horizon,
// then the rows; store/events.go), so they run in a read transaction.

// EventHead returns the cursor from which a reader hears of everything that
// commits from now on.
func (s *Service) EventHead(ctx context.Context) (string, error) {
	var head string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		head, err = tx.EventHead(ctx)
		return err
	})
	return head, err
}

// Events returns the committed events that f selects, oldest first. It
// decides nothing about who may see them: callers pass the scope that
// EventScope (or a webhook's owner) gave.
func (s *Service) Events(ctx context.Context, f shelf.EventFilter) ([]shelf.Event, error) {
	var evs []shelf.Event
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if evs, err = tx.Events(ctx, f); err != nil {
			return err
		}
		return s.openEvents(ctx, tx, evs)
	})
	return evs, err
}

// openEvents opens the sealed summaries of events read within tx (see
// keys.go): the stream and the webhooks send them opened, or Erased.
func (s *Service) openEvents(ctx context.Context, tx *store.Tx, evs []shelf.Event) error {
	if len(evs) == 0 {
		return nil
	}
	as := make([]shelf.AuditEvent, len(evs))
	for i, e := range evs {
		as[i] = shelf.AuditEvent{Summary: e.Summary, OwnerID: e.OwnerID}
	}
	o, err := s.newOpener(ctx, tx, as)
	if err != nil {
		return err
	}
	for i := range evs {
		evs[i].Summary = o.open(as[i]).Summary
	}
	return nil
}

// OnEvents registers fn to be called after every commit in this process
// that wrote events; fn must return at once.
func (s *Service) OnEvents(fn func()) { s.db.OnEvents(fn) }

// ListenEvents calls fn whenever another process commits events, until ctx
// ends (PostgreSQL; on SQLite it returns at once).
func (s *Service) ListenEvents(ctx context.Context, fn func()) error {
	return s.db.ListenEvents(ctx, fn)
}

// ListenJobs calls fn with a job whenever another process tells that it
// moved (a batch committed, or it ended), as the job's row then reads,
// until ctx ends (PostgreSQL; on SQLite, where this process runs every
// job, it returns at once). It is how job.progress and job.done reach the
// event streams of every instance, not only the one that runs the job.
func (s *Service) ListenJobs(ctx context.Context, fn func(shelf.Job)) error {
	return s.db.ListenJobs(ctx, func(id int64) {
		j, err := s.readJob(ctx, id)
		if err != nil {
			return // note: a transient message; the job's address has it
		}
		fn(j.Job)
	})
}
