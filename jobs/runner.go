// Package jobs runs Shelf's deletion jobs in the background: big deletions
// that a request accepted (202) and left to run in bounded batches. Every
// instance runs a Runner; each job runs on one of them at a time, and one
// that stopped half-way (a crash, a restart) is taken up again from where
// it was.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"shelf"
	"shelf/service"
)

// Runner is the background job runner.
type Runner struct {
	Service *service.Service
	Logger  *slog.Logger
	// Interval is how often it looks for due jobs (others' jobs, retries
	// after a backoff, jobs left by a stopped instance); a job queued by
	// this process starts at once. Default one second.
	Interval time.Duration
	// Batch is how many items one batch takes; default
	// service.JobBatch, or yieldBatch with Busy.
	Batch int
	// Busy, if set, reports whether requests are being served; between
	// batches the runner waits while they are, up to MaxWait a batch, as
	// the retention purge does (purge.Job.Busy says why).
	Busy    func() bool
	MaxWait time.Duration
	// Progress, if set, is told of a job after each batch and when it
	// ends: the event stream's job.progress and job.done.
	Progress func(shelf.Job)
}

// yieldBatch is the batch size when the runner yields to requests.
const yieldBatch = 10

// Run runs due jobs at start, then whenever a job is queued here or every
// interval, until ctx is cancelled.
func (r *Runner) Run(ctx context.Context) {
	interval := r.Interval
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.Service.JobQueued():
		}
	}
}

// Once runs every job that is due now, one after the other, and returns how
// many it ran.
func (r *Runner) Once(ctx context.Context) int {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	a := shelf.System("jobs-" + service.NewRequestID())
	ids, err := r.Service.DueJobs(ctx, a, 100)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("listing due jobs failed", "err", err)
		}
		return 0
	}
	ran := 0
	for _, id := range ids {
		start := time.Now()
		var last shelf.Job
		ok, err := r.Service.RunJob(ctx, a, id, r.batch(), func(j shelf.Job) {
			last = j
			if r.Progress != nil {
				r.Progress(j)
			}
			r.yield(ctx)
		})
		switch {
		case err != nil && ctx.Err() != nil:
			log.Info("job stopped", "job", id, "done", last.Done, "total", last.Total)
			return ran
		case err != nil:
			log.Error("job batch failed", "job", id, "state", last.State, "err", err)
		case ok && last.Finished():
			log.Info("job finished", "job", id, "kind", last.Kind, "state", last.State, "done", last.Done,
				"duration", time.Since(start))
		}
		if ok {
			ran++
		}
	}
	return ran
}

func (r *Runner) batch() int {
	if r.Batch <= 0 && r.Busy != nil {
		return yieldBatch
	}
	return r.Batch
}

// yield waits while requests are being served, up to MaxWait.
func (r *Runner) yield(ctx context.Context) {
	if r.Busy == nil {
		return
	}
	maxWait := r.MaxWait
	if maxWait <= 0 {
		maxWait = 50 * time.Millisecond
	}
	for start := time.Now(); r.Busy() && time.Since(start) < maxWait && ctx.Err() == nil; {
		time.Sleep(50 * time.Microsecond)
	}
}
