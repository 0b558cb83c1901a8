package web

import (
	"context"
	"testing"

	"shelf"
	"shelf/store/storetest"
)

// TestBrowserJob: a job's page follows the job in a real browser. With
// JavaScript on, job.progress on the event stream moves the progress bar
// while the job runs and job.done brings the outcome; with JavaScript off,
// the page refreshes itself until the job has ended.
func TestBrowserJob(t *testing.T) {
	browser := startChromium(t)
	e, _ := newJobEnv(t, storetest.OpenSQLite(t), 2)
	t.Cleanup(e.srv.CloseStreams)
	owner := e.actor("owner")
	start := func() int64 {
		t.Helper()
		e.trashWithNotes(3, 0)
		res, err := e.svc.EmptyTrash(context.Background(), owner, 0, shelf.Confirmation{})
		if err != nil || res.Job == nil {
			t.Fatalf("empty the Trash: want a job, got %+v, %v", res, err)
		}
		return res.Job.ID
	}

	t.Run("scripts", func(t *testing.T) {
		id := start()
		p := openTab(t, browser, e, true)
		p.login("owner")
		if st := p.open(jobPath(id)); st != 200 {
			t.Fatalf("GET %s: %d", jobPath(id), st)
		}
		p.waitFor("the event stream to open", `document.querySelector('[data-job]').dataset.jobStream === 'open'`)
		step := make(chan struct{})
		ran := make(chan error, 1)
		go func() {
			first := true
			_, err := e.svc.RunJob(context.Background(), shelf.System("browser"), id, 1, func(j shelf.Job) {
				e.srv.PublishJob(j)
				if first {
					first = false
					<-step // note: the page is checked between the first batch and the rest
				}
			})
			ran <- err
		}()
		p.waitFor("the bar to move with job.progress",
			`document.querySelector('[data-job]').dataset.jobHeard === 'stream' && document.getElementById('job-progress').value >= 1`)
		close(step)
		if err := <-ran; err != nil {
			t.Fatalf("run the job: %v", err)
		}
		p.waitFor("the page to show the outcome", `!!document.querySelector('[data-job-state="done"]')`)
		wantText(t, "the finished job's page", p.text("main"), "Finished.", "Purged 4 items.")
	})

	t.Run("noscript", func(t *testing.T) {
		id := start()
		p := openTab(t, browser, e, false)
		p.login("owner")
		if st := p.open(jobPath(id)); st != 200 {
			t.Fatalf("GET %s: %d", jobPath(id), st)
		}
		wantText(t, "the queued job's page", p.text("main"), "Waiting to start.", "refreshes itself")
		e.runJobs()
		p.waitFor("the page to refresh itself to the outcome", `!!document.querySelector('[data-job-state="done"]')`)
		wantText(t, "the finished job's page", p.text("main"), "Finished.", "Purged 3 items.")
	})
}
