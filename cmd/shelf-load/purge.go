package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"shelf/purge"
)

// purgeReads measures the retention purge's effect on readers: it seeds
// --purge-items items trashed a year ago (another user's), measures a paced
// list-page load (--purge-read-rate) for --duration with no purge, then runs
// the retention purge (purge.Job, as shelf serve runs it in the background:
// in small batches, waiting while requests are being served) and measures the same load until the purge is done,
// then again for --duration with no purge. The reads without the purge, the
// ones before and after it together, are the reference.
func (r *runner) purgeReads(ctx context.Context) ([]result, error) {
	if !r.inProcess {
		return nil, fmt.Errorf("purge-reads needs the in-process Shelf (it seeds and purges the database itself)")
	}
	svc := r.svc
	if err := seedTrashed(ctx, r.db, svc, r.c.purgeItems, svc.Now(), r.out); err != nil {
		return nil, err
	}
	_ = r.db.Checkpoint(ctx)

	read := r.shelf.workload("list-html")
	read.name, read.pace = "purge-reads", r.c.purgeReadRate
	quiet := measure(ctx, r.client, read, r.c.conns, r.c.warmup, r.c.duration, r.rss)
	quiet.note = "no purge"

	pctx, cancel := context.WithTimeout(ctx, r.c.purgeTimeout)
	defer cancel()
	readCtx, stopReads := context.WithCancel(ctx)
	type outcome struct {
		n    int
		err  error
		took time.Duration
	}
	done := make(chan outcome, 1)
	r.rss.reset()
	go func() {
		defer stopReads()
		start := time.Now()
		job := purge.Job{Service: svc, Retention: 30 * 24 * time.Hour, Busy: r.web.Busy,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		n := job.Once(pctx)
		var err error
		if n < r.c.purgeItems {
			err = fmt.Errorf("purged %d of %d items", n, r.c.purgeItems)
		}
		done <- outcome{n, err, time.Since(start)}
	}()
	during := drive(readCtx, r.client, read, r.c.conns, r.c.purgeTimeout)
	during.rssMax = r.rss.max()
	o := <-done
	if o.err != nil {
		return nil, fmt.Errorf("retention purge: %w (after %d items)", o.err, o.n)
	}
	during.note = fmt.Sprintf("during purge: %d items in %.1fs, %.0f items/s", o.n, o.took.Seconds(), float64(o.n)/o.took.Seconds())
	after := measure(ctx, r.client, read, r.c.conns, 0, r.c.duration, r.rss)
	quiet.lat = append(quiet.lat, after.lat...)
	quiet.elapsed += after.elapsed
	quiet.errors += after.errors
	quiet.cpu += after.cpu
	quiet.rssMax = max(quiet.rssMax, after.rssMax)
	quiet.summarise()
	quiet.note = "no purge, before and after"
	fmt.Fprintf(r.out, "purge-reads: read p99 %.2f ms during the purge, %.2f ms without: %.2f×\n",
		ms(during.pct(99)), ms(quiet.pct(99)), float64(during.pct(99))/float64(max(quiet.pct(99), 1)))
	return []result{quiet, during}, nil
}
