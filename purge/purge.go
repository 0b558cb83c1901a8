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

// retentionLock names the lock that keeps the retention purge to one
// instance at a time.
const retentionLock = 0x5e1f_0001

// Job is the background retention purge.
type Job struct {
	Service   *service.Service
	Retention time.Duration
	Interval  time.Duration // how often it looks; default one minute
	Batch     int           // items per transaction; default service.DefaultPurgeBatch
	Logger    *slog.Logger
	// OnPurge, if set, is told how many items each run purged (for metrics).
	OnPurge func(n int)
}

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
	var n int
	ran, err := j.Service.DB().Exclusive(ctx, retentionLock, func() error {
		var err error
		n, err = j.Service.PurgeTrashedBefore(ctx, shelf.System(reqID), before, j.Batch, nil)
		return err
	})
	if !ran && err == nil {
		log.Debug("retention purge running on another instance", "request_id", reqID)
		return 0
	}
	if j.OnPurge != nil && n > 0 {
		j.OnPurge(n)
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
