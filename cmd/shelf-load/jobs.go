package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"shelf"
	"shelf/jobs"
)

// jobReads measures a big deletion run as a job: it seeds --job-rows items
// in another user's Trash, measures a paced list-page load for --duration,
// then that user empties their Trash (DELETE /api/v1/trash, past the job
// threshold: 202) while the load goes on, and the job runner (jobs.Runner,
// as shelf serve runs it: small batches, waiting while requests are being
// served) works the job to its end; then the load again for --duration. It
// reports the DELETE's latency, the readers' p99 during the job beside
// their p99 without it, and the process's RSS during the job beside before.
func (r *runner) jobReads(ctx context.Context) ([]result, error) {
	if !r.inProcess {
		return nil, fmt.Errorf("job-reads needs the in-process Shelf (it seeds the Trash and runs the job itself)")
	}
	const email = "jobs@example.com"
	uid, _, err := seedUser(ctx, r.db, r.svc, email)
	if err != nil {
		return nil, err
	}
	now := r.svc.Now()
	start := time.Now()
	if err := r.db.SeedTrashedItems(ctx, uid, r.c.jobRows, now.Add(-48*time.Hour), now.Add(-24*time.Hour), func(done int) {
		fmt.Fprintf(r.out, "seeded %d of %d trashed items (%.1fs)\n", done, r.c.jobRows, time.Since(start).Seconds())
	}); err != nil {
		return nil, err
	}
	_ = r.db.Checkpoint(ctx)
	cr, err := login(ctx, r.client, r.shelf.base, email, defaultPassword)
	if err != nil {
		return nil, err
	}

	read := r.shelf.workload("list-html")
	read.name, read.pace = "job-reads", r.c.purgeReadRate
	quiet := measure(ctx, r.client, read, r.c.conns, r.c.warmup, r.c.duration, r.rss)
	quiet.note = "no job"

	r.rss.reset()
	readCtx, stopReads := context.WithCancel(ctx)
	type outcome struct {
		job     shelf.Job
		err     error
		request time.Duration
		took    time.Duration
	}
	done := make(chan outcome, 1)
	go func() {
		defer stopReads()
		// note: a moment of reads first, so the request meets the load.
		time.Sleep(200 * time.Millisecond)
		t0 := time.Now()
		j, err := emptyTrashJob(ctx, r.client, r.shelf.base, cr)
		o := outcome{job: j, err: err, request: time.Since(t0)}
		if err == nil {
			runner := &jobs.Runner{Service: r.svc, Busy: r.web.Busy, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Progress: func(p shelf.Job) { o.job = p }}
			for t1 := time.Now(); !o.job.Finished() && ctx.Err() == nil; {
				runner.Once(ctx)
				o.took = time.Since(t1)
			}
		}
		done <- o
	}()
	during := drive(readCtx, r.client, read, r.c.conns, r.c.purgeTimeout)
	during.rssMax = r.rss.max()
	o := <-done
	if o.err != nil {
		return nil, fmt.Errorf("empty the Trash as a job: %w", o.err)
	}
	if o.job.State != shelf.JobDone {
		return nil, fmt.Errorf("job %d ended %s: %v", o.job.ID, o.job.State, o.job.Error)
	}
	during.note = fmt.Sprintf("during the job: DELETE answered in %.1f ms; %d rows in %.1fs, %.0f rows/s",
		ms(o.request), o.job.Done, o.took.Seconds(), float64(o.job.Done)/o.took.Seconds())
	after := measure(ctx, r.client, read, r.c.conns, 0, r.c.duration, r.rss)
	quiet.lat = append(quiet.lat, after.lat...)
	quiet.elapsed += after.elapsed
	quiet.errors += after.errors
	quiet.cpu += after.cpu
	quiet.summarise()
	quiet.note = "no job, before and after"
	fmt.Fprintf(r.out, "job-reads: DELETE /api/v1/trash (%d rows) answered 202 in %.1f ms; read p99 %.2f ms during the job, %.2f ms without: %.2f×; RSS max %.1f MB during, %.1f MB before (%+.1f MB)\n",
		o.job.Total, ms(o.request), ms(during.pct(99)), ms(quiet.pct(99)), float64(during.pct(99))/float64(max(quiet.pct(99), 1)),
		float64(during.rssMax)/(1<<20), float64(quiet.rssMax)/(1<<20), float64(during.rssMax-quiet.rssMax)/(1<<20))
	return []result{quiet, during}, nil
}

// emptyTrashJob empties the caller's Trash through the API and returns the
// job it was accepted as.
func emptyTrashJob(ctx context.Context, c *http.Client, base string, cr credentials) (shelf.Job, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, base+"/api/v1/trash", nil)
	if err != nil {
		return shelf.Job{}, err
	}
	req.Header.Set("Authorization", cr.bearer)
	resp, err := c.Do(req)
	if err != nil {
		return shelf.Job{}, err
	}
	defer resp.Body.Close()
	var j shelf.Job
	if resp.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(resp.Body)
		return j, fmt.Errorf("want 202 Accepted, got %d: %s", resp.StatusCode, b)
	}
	return j, json.NewDecoder(resp.Body).Decode(&j)
}
