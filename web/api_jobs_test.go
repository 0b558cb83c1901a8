package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/jobs"
	"shelf/service"
	"shelf/service/servicetest"
	"shelf/store"
)

// newJobEnv is the API scenarios' environment on db with a job threshold
// of n rows and a settable clock, so that small fixtures make jobs and a
// failed batch's backoff passes without sleeping.
func newJobEnv(t *testing.T, db *store.DB, n int) (*apiEnv, *servicetest.Clock) {
	t.Helper()
	// note: ahead of the real clock, which the seeding's service reads,
	// so that what the seeding trashed is in the Trash "now".
	clock := servicetest.NewClock(time.Now().UTC().Add(time.Minute))
	svc := service.New(db, service.WithFiles(testFiles(t)), service.WithClock(clock.Now), service.WithJobThreshold(n))
	e := newAPIEnvOn(t, db, func(c *Config) { c.Service = svc })
	e.svc = svc
	return e, clock
}

// runJobs runs every due job to its end (or its first failed batch), as
// the server's runner does.
func (e *apiEnv) runJobs() {
	e.t.Helper()
	r := &jobs.Runner{Service: e.svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Batch: 1}
	r.Once(context.Background())
}

// apiJob is a job as the API answers it.
type apiJob struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`
	State      string          `json:"state"`
	Done       int64           `json:"done"`
	Total      int64           `json:"total"`
	CreatedAt  *time.Time      `json:"created_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Error      *string         `json:"error"`
	Result     json.RawMessage `json:"result"`
}

// accepted checks a 202 answer: Location names the job, the body is the
// job, queued with nothing done, and GET at Location answers the same job.
func (e *apiEnv) accepted(res response, kind string, total int64) apiJob {
	e.t.Helper()
	if res.status != 202 {
		e.t.Fatalf("want 202 Accepted, got %d: %s", res.status, res.body)
	}
	var j apiJob
	res.json(e.t, &j)
	if loc := res.header.Get("Location"); loc != fmt.Sprintf("/api/v1/jobs/%d", j.ID) {
		e.t.Fatalf("Location: want /api/v1/jobs/%d, got %q", j.ID, loc)
	}
	if j.Kind != kind || j.State != "queued" || j.Done != 0 || j.Total != total || j.CreatedAt == nil ||
		j.FinishedAt != nil || j.Error != nil || string(j.Result) != "null" {
		// note: an emptied Trash's job counts its rows when it starts (total 0 until then).
		e.t.Fatalf("the accepted job: want a queued %s job of %d rows with no outcome, got %s", kind, total, res.body)
	}
	return j
}

// job reads a job through the API as who.
func (e *apiEnv) job(who string, id int64) apiJob {
	e.t.Helper()
	res := e.req(who, "GET", fmt.Sprintf("/api/v1/jobs/%d", id), "")
	if res.status != 200 {
		e.t.Fatalf("GET job %d as %s: want 200, got %d: %s", id, who, res.status, res.body)
	}
	var j apiJob
	res.json(e.t, &j)
	return j
}

// trashWithNotes gives the owner n trashed items with notes notes each.
func (e *apiEnv) trashWithNotes(n, notes int) []int64 {
	e.t.Helper()
	ids := e.seedMany(n, notes)
	// note: one by one, as a bulk delete past the threshold is a job itself.
	for _, id := range ids {
		if _, err := e.svc.TrashItem(context.Background(), e.actor("owner"), id, 0); err != nil {
			e.t.Fatalf("trash: %v", err)
		}
	}
	return ids
}

// TestAPIJobEmptyTrash: past the threshold, DELETE /api/v1/trash answers 202
// with the job, the Trash is empty at once, the job is the owner's and the
// admin's to see, and once run it carries the synchronous call's result.
func TestAPIJobEmptyTrash(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		e, _ := newJobEnv(t, open(t), 5)
		ids := e.trashWithNotes(3, 1) // with the seeded "trashed" and its note: 8 rows
		j := e.accepted(e.req("owner", "DELETE", "/api/v1/trash", `{"reason":"moving"}`), "empty_trash", 0)

		if res := e.req("owner", "GET", "/api/v1/trash", ""); res.status != 200 || !strings.Contains(string(res.body), `"items":[]`) {
			t.Fatalf("Trash while the job is queued: want it empty, got %d %s", res.status, res.body)
		}
		if res := e.req("owner", "GET", fmt.Sprintf("/api/v1/trash/%d", ids[0]), ""); res.status != 404 {
			t.Fatalf("an item the job holds: want 404, got %d", res.status)
		}
		if res := e.req("owner", "POST", fmt.Sprintf("/api/v1/trash/%d/restore", ids[0]), ""); res.status != 404 {
			t.Fatalf("restore an item the job holds: want 404, got %d", res.status)
		}
		if res := e.req("other", "GET", fmt.Sprintf("/api/v1/jobs/%d", j.ID), ""); res.status != 404 {
			t.Fatalf("another member reads the job: want 404, got %d", res.status)
		}
		e.job("admin", j.ID)
		list := e.req("owner", "GET", "/api/v1/jobs", "")
		if list.status != 200 || !strings.Contains(string(list.body), fmt.Sprintf(`"jobs":[{"id":%d,`, j.ID)) ||
			!strings.Contains(string(list.body), `"next":null`) {
			t.Fatalf("the owner's jobs: want the job, got %d %s", list.status, list.body)
		}
		if res := e.req("other", "GET", "/api/v1/jobs", ""); res.status != 200 || string(res.body) != `{"jobs":[],"next":null}`+"\n" {
			t.Fatalf("another member's jobs: want none, got %d %q", res.status, res.body)
		}
		if res := e.req("other", "GET", "/api/v1/jobs?all=1", ""); res.status != 403 {
			t.Fatalf("a member's all=1: want 403, got %d", res.status)
		}
		if res := e.req("admin", "GET", "/api/v1/jobs?all=1", ""); res.status != 200 || !strings.Contains(string(res.body), fmt.Sprintf(`"id":%d`, j.ID)) {
			t.Fatalf("the admin's all=1: want the job, got %d %s", res.status, res.body)
		}

		e.runJobs()
		done := e.job("owner", j.ID)
		if done.State != "done" || done.Done != 8 || done.Total != 8 || done.FinishedAt == nil || done.Error != nil ||
			string(done.Result) != `{"purged":4,"blocked":[]}` {
			t.Fatalf("the job once run: want done 8/8 with {\"purged\":4,\"blocked\":[]}, got %+v (%s)", done, done.Result)
		}
		if n := e.count(`SELECT count(*) FROM items WHERE owner_id = ? AND deleted_at IS NOT NULL`, e.users["owner"].ID); n != 0 {
			t.Fatalf("the owner's trashed rows after the job: want 0, got %d", n)
		}
		if n := e.auditCount("item.purge"); n != 4 {
			t.Fatalf("item.purge events: want 4, got %d", n)
		}
		if res := e.req("admin", "POST", fmt.Sprintf("/api/v1/jobs/%d/retry", j.ID), ""); res.status != 409 ||
			!strings.Contains(string(res.body), fmt.Sprintf(`"blockers":[{"type":"job","id":%d,`, j.ID)) {
			t.Fatalf("retry a job that is done: want 409 naming it, got %d %s", res.status, res.body)
		}

		// Below the threshold it is done at once, as ever.
		e.trashWithNotes(1, 1)
		if res := e.req("owner", "DELETE", "/api/v1/trash", ""); res.status != 200 || !strings.Contains(string(res.body), `"purged":1`) {
			t.Fatalf("empty a small Trash: want 200 purged 1, got %d %s", res.status, res.body)
		}
	})
}

// TestAPIJobPurgeAndBulk: delete forever of an item past the threshold and
// a bulk delete of more ids than it answer 202, and their jobs end with the
// synchronous calls' results.
func TestAPIJobPurgeAndBulk(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		e, _ := newJobEnv(t, open(t), 3)
		big := e.trashWithNotes(1, 4)[0]
		j := e.accepted(e.req("owner", "DELETE", fmt.Sprintf("/api/v1/trash/%d", big), ""), "purge_item", 5)
		e.runJobs()
		if got := e.job("owner", j.ID); got.State != "done" || string(got.Result) != `{"purged":1}` {
			t.Fatalf("the purge job once run: want done with {\"purged\":1}, got %+v (%s)", got, got.Result)
		}
		if n := e.count(`SELECT count(*) FROM items WHERE id = ?`, big); n != 0 {
			t.Fatalf("item %d: want it purged", big)
		}

		ids := e.seedMany(4, 0)
		body := fmt.Sprintf(`{"ids":[%d,%d,%d,%d,{foreign}]}`, ids[0], ids[1], ids[2], ids[3])
		j = e.accepted(e.req("owner", "POST", "/api/v1/items/bulk-delete", body), "bulk_delete", 4)
		if res := e.req("owner", "GET", "/api/v1/items?q=many", ""); res.status != 200 || !strings.Contains(string(res.body), `"items":[]`) {
			t.Fatalf("live items while the bulk job is queued: want them gone, got %d %s", res.status, res.body)
		}
		e.runJobs()
		got := e.job("owner", j.ID)
		var res shelf.BulkTrashResult
		if err := json.Unmarshal(got.Result, &res); err != nil || got.State != "done" || len(res.Trashed) != 4 ||
			fmt.Sprint(res.NotFound) != fmt.Sprint([]int64{e.ids["foreign"]}) {
			t.Fatalf("the bulk job once run: want 4 trashed and the foreign id not found, got %+v (%s)", got, got.Result)
		}
		if n := e.count(`SELECT count(*) FROM items WHERE deleted_at IS NOT NULL AND name LIKE 'many %'`); n != 4 {
			t.Fatalf("items in the Trash after the bulk job: want 4, got %d", n)
		}
	})
}

// TestAPIJobFailsAndRetries: a job whose batch keeps failing stops failed
// with its error, what it had not done is back in the Trash, and an admin's
// retry (not a member's) finishes it.
func TestAPIJobFailsAndRetries(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		db := open(t)
		e, clock := newJobEnv(t, db, 3)
		ids := e.trashWithNotes(2, 1)
		j := e.accepted(e.req("owner", "DELETE", "/api/v1/trash", ""), "empty_trash", 0)
		heal := servicetest.FailAudit(t, db, "item.purge", ids[1])
		for range 5 {
			e.runJobs()
			clock.Advance(3 * time.Minute)
		}
		failed := e.job("owner", j.ID)
		if failed.State != "failed" || failed.Error == nil || failed.FinishedAt == nil || failed.Done != 4 {
			t.Fatalf("the job after five failed attempts: want failed at 4/6 with an error, got %+v", failed)
		}
		if strings.Contains(*failed.Error, "injected") {
			t.Fatalf("a failed job's error must not show the database's text, got %q", *failed.Error)
		}
		res := e.req("owner", "GET", "/api/v1/trash", "")
		if res.status != 200 || !strings.Contains(string(res.body), fmt.Sprintf(`"id":%d`, ids[1])) {
			t.Fatalf("Trash after the job failed: want what it had not done back, got %d %s", res.status, res.body)
		}
		if res := e.req("owner", "POST", fmt.Sprintf("/api/v1/jobs/%d/retry", j.ID), ""); res.status != 403 {
			t.Fatalf("a member retries a job: want 403, got %d", res.status)
		}
		heal()
		res = e.req("admin", "POST", fmt.Sprintf("/api/v1/jobs/%d/retry", j.ID), "")
		if res.status != 200 || !strings.Contains(string(res.body), `"state":"queued"`) {
			t.Fatalf("the admin retries the job: want 200 queued, got %d %s", res.status, res.body)
		}
		e.runJobs()
		if got := e.job("owner", j.ID); got.State != "done" || got.Done != 6 || string(got.Result) != `{"purged":3,"blocked":[]}` {
			t.Fatalf("the retried job: want done 6/6 with 3 purged, got %+v (%s)", got, got.Result)
		}
		for _, path := range []string{"/api/v1/jobs/x", "/api/v1/jobs/0"} {
			if res := e.req("owner", "GET", path, ""); res.status != 400 {
				t.Errorf("GET %s: want 400, got %d", path, res.status)
			}
		}
		if res := e.req("owner", "GET", "/api/v1/jobs/999999", ""); res.status != 404 {
			t.Errorf("GET a missing job: want 404, got %d", res.status)
		}
		if res := e.req("admin", "POST", "/api/v1/jobs/999999/retry", ""); res.status != 404 {
			t.Errorf("retry a missing job: want 404, got %d", res.status)
		}
		if res := e.req("", "GET", "/api/v1/jobs", ""); res.status != 401 {
			t.Errorf("jobs without a login: want 401, got %d", res.status)
		}
	})
}
