package purge

import (
	"context"
	"log/slog"
	"time"

	"shelf/service"
)

// FileRemover works through the durable queue of photo files to remove:
// files whose last row a purge deleted. It runs when a purge on this
// instance has queued files, and every Interval (so that it also takes what
// other instances queued, and what a crash left).
type FileRemover struct {
	Service  *service.Service
	Interval time.Duration // default 5 s
	Logger   *slog.Logger
}

// Run works through the queue at start, on every wake-up and every interval
// until ctx is cancelled.
func (f *FileRemover) Run(ctx context.Context) {
	interval := f.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	kick := f.Service.FileRemovalsQueued()
	for {
		f.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

// Once works through everything queued, in batches, and returns how many
// files it removed.
func (f *FileRemover) Once(ctx context.Context) int {
	log := f.Logger
	if log == nil {
		log = slog.Default()
	}
	start := time.Now()
	removed, taken, ran, err := f.Service.DrainFileRemovals(ctx)
	switch {
	case !ran && err == nil:
	case err != nil && ctx.Err() != nil:
	case err != nil:
		log.Error("file removal failed", "removed", removed, "err", err)
	case taken > 0:
		log.Info("file removal", "removed", removed, "dequeued", taken, "duration", time.Since(start))
	}
	return removed
}
