package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shelf/service"
	"shelf/service/servicetest"
	"shelf/store"
)

// newHTMLJobEnv is the HTML flows' environment on db with a job threshold
// of n rows.
func newHTMLJobEnv(t *testing.T, db *store.DB, n int) (*apiEnv, *servicetest.Clock) {
	t.Helper()
	clock := servicetest.NewClock(time.Now().UTC().Add(time.Minute))
	svc := service.New(db, service.WithFiles(testFiles(t)), service.WithClock(clock.Now), service.WithJobThreshold(n))
	e := newEnvOn(t, db, htmlPeople, func(c *Config) { c.Service = svc })
	e.svc = svc
	return e, clock
}

// TestHTMLJobs: past the threshold, emptying the Trash from the form
// answers 303 to the job's page, which shows a progress bar that refreshes
// itself without JavaScript while the job runs, and the outcome once it has
// ended; a failed job shows its error, and only an admin may retry it.
func TestHTMLJobs(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		db := open(t)
		e, clock := newHTMLJobEnv(t, db, 2)
		var ids []int64
		for _, name := range []string{"Crate", "Box", "Bin"} {
			it := e.newItem("ann", name)
			if _, err := e.svc.TrashItem(t.Context(), e.actor("ann"), it.ID, 0); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, it.ID)
		}
		ann, bob, admin := e.login("ann"), e.login("bob"), e.login("admin")
		p := ann.post("/trash/empty", url.Values{"reason": {"moving"}})
		var jobID int64
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/jobs/") {
			t.Fatalf("empty a Trash past the threshold: want 303 to the job's page, got %d → %q\n%s", p.status, p.location, p.body)
		}
		if _, err := fmt.Sscanf(p.location, "/jobs/%d", &jobID); err != nil {
			t.Fatalf("job page %q: %v", p.location, err)
		}
		wantPage(t, "the job's page while queued", ann.get(p.location), http.StatusOK,
			"Emptying the Trash", `<progress id="job-progress" value="0" max="1"`, `<meta http-equiv="refresh" content="2">`,
			"Not counted yet", `data-job-url="/api/v1/jobs/`)
		wantPage(t, "the Trash while the job is queued", ann.get("/trash"), http.StatusOK)
		wantLacks(t, "the Trash while the job is queued", ann.get("/trash"), "Crate", "Bin")
		wantPage(t, "another member's view of the job", bob.get(p.location), http.StatusNotFound)

		heal := servicetest.FailAudit(t, db, "item.purge", ids[1])
		for range 5 {
			e.runJobs()
			clock.Advance(3 * time.Minute)
		}
		wantPage(t, "the failed job's page", admin.get(p.location), http.StatusOK, "Stopped: it failed.",
			"Something went wrong on our side.", "Retry the job</button>")
		wantLacks(t, "the failed job's page", admin.get(p.location), `http-equiv="refresh"`)
		wantLacks(t, "the failed job's page for its owner", ann.get(p.location), "Retry the job</button>")
		wantPage(t, "a member retries", ann.post(p.location+"/retry", nil), http.StatusForbidden)
		wantPage(t, "the Trash after the job failed", ann.get("/trash"), http.StatusOK, "Box", "Bin")
		heal()
		r := admin.post(p.location+"/retry", nil)
		if r.status != http.StatusSeeOther || r.location != p.location {
			t.Fatalf("the admin retries: want 303 to the job's page, got %d → %q\n%s", r.status, r.location, r.body)
		}
		wantPage(t, "the retried job's page", admin.get(p.location), http.StatusOK, "The job starts again from where it stopped.")
		e.runJobs()
		wantPage(t, "the finished job's page", ann.get(p.location), http.StatusOK, "Finished.", "Purged 3 items.",
			`<progress id="job-progress" value="3" max="3"`)
		wantLacks(t, "the finished job's page", ann.get(p.location), `http-equiv="refresh"`)
		if n := e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, e.users["ann"].ID); n != 0 {
			t.Fatalf("Ann's items after the job: want none, got %d", n)
		}
		wantPage(t, "a missing job", ann.get("/jobs/999999"), http.StatusNotFound)
		wantPage(t, "a malformed job id", ann.get("/jobs/x"), http.StatusBadRequest)
	})
}
