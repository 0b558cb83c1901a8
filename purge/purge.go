// Package purge runs the Trash's retention purge in the background: every
// interval it purges, in bounded batches, whatever has been in the Trash
// longer than the retention period.
package purge

import (
	"context"
	"log/slog"
	"time"

	"shelf"
	"shelf/service"
)

// Job is the background retention purge.
type Job struct {
	Service   *service.Service
	Retention time.Duration
	Interval  time.Duration // how often it looks; default one minute
	Batch     int           // items per transaction; default service.DefaultPurgeBatch, or yieldBatch with Busy
	Logger    *slog.Logger
	// Busy, if set, reports whether requests are being served. Between
	// batches the purge then waits while they are, up to MaxWait a batch, so
	// that a request does not share the CPU with a batch: a purge running
	// flat out on a small machine more than doubled the readers' p99, and
	// yielding brought it back near their p99 without a purge
	// (docs/performance.md, section 3). The waits ride on PurgeTrashedBefore's
	// progress callback, which makes each run count the expired items first:
	// one range count over the Trash's age index a run.
	Busy func() bool
	// MaxWait bounds each wait for Busy, so that the purge always finishes;
	// default 50 ms.
	MaxWait time.Duration
}

// yieldBatch is the batch size when the job yields to requests: small, so a
// request that arrives during a batch waits for little.
const yieldBatch = 10

// Run purges once at start and then every interval until ctx is cancelled.
func (j *Job) Run(ctx context.Context) {
	interval := j.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		j.Once(ctx)
		j.resumeErasures(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once runs one retention purge and returns how many items it purged.
func (j *Job) Once(ctx context.Context) int {
	log := j.Logger
	if log == nil {
		log = slog.Default()
	}
	before := j.Service.Now().Add(-j.Retention)
	reqID := "purge-" + service.NewRequestID()
	start := time.Now()
	n, ran, err := j.Service.RetentionPurge(ctx, shelf.System(reqID), before, j.batch(), j.yield(ctx))
	if !ran && err == nil {
		log.Debug("retention purge running on another instance", "request_id", reqID)
		return 0
	}
	switch {
	case err != nil && ctx.Err() != nil:
		log.Info("retention purge stopped", "purged", n, "request_id", reqID)
	case err != nil:
		log.Error("retention purge failed", "purged", n, "err", err, "request_id", reqID)
	case n > 0:
		log.Info("retention purge", "purged", n, "trashed_before", before, "duration", time.Since(start), "request_id", reqID)
	}
	return n
}

// resumeErasures finishes erasures that stopped half-way (a crash, a
// restart), on one instance at a time: the same machinery as the purge.
func (j *Job) resumeErasures(ctx context.Context) {
	log := j.Logger
	if log == nil {
		log = slog.Default()
	}
	reqID := "erase-" + service.NewRequestID()
	n, err := j.Service.ResumeErasures(ctx, shelf.System(reqID))
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("resuming erasures failed", "finished", n, "err", err, "request_id", reqID)
	case n > 0:
		log.Info("erasures resumed and finished", "finished", n, "request_id", reqID)
	}
}

func (j *Job) batch() int {
	if j.Batch <= 0 && j.Busy != nil {
		return yieldBatch
	}
	return j.Batch
}

// yield returns what runs after each batch: a wait while requests are being
// served, or nil without Busy.
func (j *Job) yield(ctx context.Context) service.PurgeProgress {
	if j.Busy == nil {
		return nil
	}
	maxWait := j.MaxWait
	if maxWait <= 0 {
		maxWait = 50 * time.Millisecond
	}
	return func(done, total int) {
		for start := time.Now(); j.Busy() && time.Since(start) < maxWait && ctx.Err() == nil; {
			time.Sleep(50 * time.Microsecond)
		}
	}
}
