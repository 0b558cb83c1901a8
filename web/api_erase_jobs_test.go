package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// erasedNothingLeft fails unless nothing of user id is left: no row of
// theirs, every audit event about them reads "[erased]", one user.erase
// names them by id only, and the audit chain still verifies.
func (e *apiEnv) erasedNothingLeft(id int64) {
	e.t.Helper()
	t := e.t
	for _, q := range []string{
		`SELECT count(*) FROM users WHERE id = ?`, `SELECT count(*) FROM items WHERE owner_id = ?`,
		`SELECT count(*) FROM notes WHERE author_id = ?`, `SELECT count(*) FROM categories WHERE owner_id = ?`,
		`SELECT count(*) FROM api_tokens WHERE user_id = ?`, `SELECT count(*) FROM sessions WHERE user_id = ?`,
		`SELECT count(*) FROM subject_keys WHERE user_id = ?`,
	} {
		if n := e.count(q, id); n != 0 {
			t.Errorf("%s for the erased user: want 0, got %d", q, n)
		}
	}
	if n := e.count(`SELECT count(*) FROM erased_subjects WHERE user_id = ? AND erased_at IS NOT NULL`, id); n != 1 {
		t.Errorf("the erasure's record: want it finished, got %d finished", n)
	}
	res := e.req("admin", "GET", fmt.Sprintf("/api/v1/audit?action=user.erase&entity_id=%d", id), "")
	if res.status != 200 || !strings.Contains(string(res.body), fmt.Sprintf(`"summary":"Erased user %d"`, id)) ||
		strings.Count(string(res.body), `"action":"user.erase"`) != 1 {
		t.Errorf("user.erase: want one event naming user %d by id, got %d %s", id, res.status, res.body)
	}
	wantErasedEvents(t, e, "/api/v1/audit?limit=100", id)
	if n, brk, err := e.svc.VerifyAudit(context.Background()); err != nil || brk != nil || n == 0 {
		t.Errorf("audit verify after the erasure: want it intact, got %d, %+v, %v", n, brk, err)
	}
}

// TestAPIJobErase: an erasure past the threshold answers 202 with the job
// after the same checks as at once; the account stops at the 202, asking
// again answers the same job, and once run nothing of the person is left,
// the job keeps its result and user.erase is written once.
func TestAPIJobErase(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		e, _ := newJobEnv(t, open(t), 5)
		owner := e.users["owner"].ID
		path := fmt.Sprintf("/api/v1/users/%d/erase", owner)
		before := e.snapshot()
		if res := e.req("admin", "POST", path, `{"confirm_email":"other@example.com"}`); res.status != 422 ||
			!strings.Contains(string(res.body), `"confirm_email"`) {
			t.Fatalf("a wrong email: want 422 naming confirm_email, got %d %s", res.status, res.body)
		}
		if res := e.req("admin", "POST", "/api/v1/holds", `{"user_id":{owner_id},"reason":"Case 9"}`); res.status != 201 {
			t.Fatalf("hold: %d %s", res.status, res.body)
		}
		held := e.snapshot()
		if res := e.req("admin", "POST", path, `{"confirm_email":"owner@example.com"}`); res.status != 409 ||
			!strings.Contains(string(res.body), `"type":"hold"`) {
			t.Fatalf("a held user: want 409 with the hold, got %d %s", res.status, res.body)
		}
		if e.snapshot() != held || before == held {
			t.Fatal("a refused erasure changed the database")
		}
		var holds struct{ Holds []struct{ ID int64 } }
		e.req("admin", "GET", "/api/v1/holds", "").json(t, &holds)
		if res := e.req("admin", "DELETE", fmt.Sprintf("/api/v1/holds/%d", holds.Holds[0].ID), ""); res.status != 204 {
			t.Fatalf("release: %d %s", res.status, res.body)
		}

		// 3 items, 3 notes and 2 loans.
		j := e.accepted(e.req("admin", "POST", path, `{"confirm_email":"OWNER@example.com"}`), "erase_user", 0)
		if res := e.raw("owner", "GET", "/api/v1/items", ""); res.status != http.StatusUnauthorized {
			t.Fatalf("the person's token once the job is accepted: want 401, got %d", res.status)
		}
		if n := e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, owner); n != 3 {
			t.Fatalf("the person's items before the job runs: want 3 (the job deletes them), got %d", n)
		}
		again := e.req("admin", "POST", path, `{"confirm_email":"owner@example.com"}`)
		if got := e.accepted(again, "erase_user", 0); got.ID != j.ID {
			t.Fatalf("erase again while the job waits: want job %d, got %d", j.ID, got.ID)
		}
		if res := e.req("other", "GET", fmt.Sprintf("/api/v1/jobs/%d", j.ID), ""); res.status != 404 {
			t.Fatalf("a member reads the erasure's job: want 404, got %d", res.status)
		}
		if n := e.auditCount("user.erase"); n != 0 {
			t.Fatalf("user.erase before the job ran: want none, got %d", n)
		}

		e.runJobs()
		done := e.job("admin", j.ID)
		if done.State != "done" || done.Done != 8 || done.Total != 8 || done.FinishedAt == nil || done.Error != nil ||
			string(done.Result) != fmt.Sprintf(`{"erased_user":%d,"purged":3}`, owner) {
			t.Fatalf("the erasure's job once run: want done 8/8 with its result, got %+v (%s)", done, done.Result)
		}
		e.erasedNothingLeft(owner)
		if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'user.erase' AND actor_id = ?`, e.users["admin"].ID); n != 1 {
			t.Errorf("user.erase by the admin who asked: want 1, got %d", n)
		}
		if n := e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, e.users["other"].ID); n != 2 {
			t.Errorf("the other member's items: want both kept, got %d", n)
		}
		if res := e.req("admin", "POST", path, `{"confirm_email":"owner@example.com"}`); res.status != 404 {
			t.Errorf("erase the erased: want 404, got %d", res.status)
		}

		// Below the threshold it is done at once, as ever.
		if res := e.req("admin", "POST", "/api/v1/users/{other_id}/erase", `{"confirm_email":"other@example.com"}`); res.status != 204 {
			t.Fatalf("erase a small account: want 204, got %d %s", res.status, res.body)
		}
	})
}

// TestAPIJobEraseResumes: an erasure's job stopped half-way (the process
// ended) is left to the job, not finished by the resumed erasures, and the
// next run finishes it from where it was; an account deleted by its owner
// whose grace period ends is erased by a job too when it is big.
func TestAPIJobEraseResumes(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		e, clock := newJobEnv(t, open(t), 5)
		owner := e.users["owner"].ID
		j := e.accepted(e.req("admin", "POST", "/api/v1/users/{owner_id}/erase", `{"confirm_email":"owner@example.com"}`), "erase_user", 0)
		ctx, stop := context.WithCancel(context.Background())
		batches := 0
		ran, err := e.svc.RunJob(ctx, shelf.System("test"), j.ID, 1, func(shelf.Job) {
			if batches++; batches == 3 {
				stop()
			}
		})
		if !ran || err == nil {
			t.Fatalf("a job stopped half-way: want it to have run and stopped, got %v, %v", ran, err)
		}
		half := e.job("admin", j.ID)
		if half.State != "running" || half.Done != 3 || half.Total != 8 {
			t.Fatalf("the job stopped half-way: want running at 3/8, got %+v", half)
		}
		if n, err := e.svc.ResumeErasures(context.Background(), shelf.System("test")); err != nil || n != 0 {
			t.Fatalf("resumed erasures while a job has it: want none finished, got %d, %v", n, err)
		}
		if n := e.count(`SELECT count(*) FROM users WHERE id = ?`, owner); n != 1 {
			t.Fatalf("the person while the job is half-way: want them still there, got %d", n)
		}
		e.runJobs()
		if got := e.job("admin", j.ID); got.State != "done" || got.Done != 8 || string(got.Result) != fmt.Sprintf(`{"erased_user":%d,"purged":3}`, owner) {
			t.Fatalf("the resumed job: want done 8/8, got %+v (%s)", got, got.Result)
		}
		e.erasedNothingLeft(owner)

		// The other member deletes their own account; the grace period ends.
		other := e.users["other"].ID
		e.seedFor("other", 3)
		if res := e.req("other", "DELETE", "/api/v1/me", `{"password":"password-other"}`); res.status != 202 {
			t.Fatalf("delete one's own account: want 202, got %d %s", res.status, res.body)
		}
		clock.Advance(service.DefaultAccountGrace + time.Minute)
		if n, err := e.svc.ResumeErasures(context.Background(), shelf.System("test")); err != nil || n != 0 {
			t.Fatalf("a big due erasure: want it handed to a job, got %d finished, %v", n, err)
		}
		list := e.req("admin", "GET", "/api/v1/jobs?all=1", "")
		var jobs struct{ Jobs []apiJob }
		list.json(t, &jobs)
		if len(jobs.Jobs) != 2 || jobs.Jobs[0].Kind != "erase_user" || jobs.Jobs[0].State != "queued" {
			t.Fatalf("jobs after the grace period: want a queued erasure, got %s", list.body)
		}
		if n, err := e.svc.ResumeErasures(context.Background(), shelf.System("test")); err != nil || n != 0 {
			t.Fatalf("resumed again: want the same job left to run, got %d, %v", n, err)
		}
		e.runJobs()
		got := e.job("admin", jobs.Jobs[0].ID)
		if got.State != "done" || got.Done != got.Total || got.Total != 9 || string(got.Result) != fmt.Sprintf(`{"erased_user":%d,"purged":5}`, other) {
			t.Fatalf("the grace period's job: want done 9/9 with its result, got %+v (%s)", got, got.Result)
		}
		e.erasedNothingLeft(other)
		if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'user.erase' AND entity_id = ? AND actor_id IS NULL`, other); n != 1 {
			t.Errorf("user.erase by Shelf itself: want 1, got %d", n)
		}
		if n := e.count(`SELECT count(*) FROM jobs WHERE kind = 'erase_user' AND state = 'done' AND owner_id IS NULL`); n != 2 {
			t.Errorf("finished erasures' jobs: want both kept, let go of the erased, got %d", n)
		}
	})
}

// seedFor gives who n more items with a note each.
func (e *apiEnv) seedFor(who string, n int) {
	e.t.Helper()
	for i := range n {
		it, err := e.svc.CreateItem(context.Background(), e.actor(who), shelf.ItemInput{Name: fmt.Sprintf("%s's box %d", who, i), Quantity: 1})
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.svc.AddNote(context.Background(), e.actor(who), it.ID, "a note"); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestHTMLJobErase: past the threshold, the erase form answers 303 to the
// job's page, which says, once run, that the person is erased, by id only.
func TestHTMLJobErase(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		e, _ := newHTMLJobEnv(t, open(t), 2)
		it := e.newItem("bob", "Bob's drill")
		for _, body := range []string{"first", "second"} {
			if _, err := e.svc.AddNote(t.Context(), e.actor("bob"), it.ID, body); err != nil {
				t.Fatal(err)
			}
		}
		admin := e.login("admin")
		id := strconv.FormatInt(e.users["bob"].ID, 10)
		p := admin.post("/admin/users/"+id+"/erase", url.Values{"confirm_email": {"ann@example.com"}})
		wantPage(t, "erase with the wrong email", p, http.StatusUnprocessableEntity, `id="confirm-error"`)
		p = admin.post("/admin/users/"+id+"/erase", url.Values{"confirm_email": {"bob@example.com"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/jobs/") {
			t.Fatalf("erase past the threshold: want 303 to the job's page, got %d → %q\n%s", p.status, p.location, p.body)
		}
		wantPage(t, "the erasure's job while queued", admin.get(p.location), http.StatusOK, "Erasing a user",
			`<meta http-equiv="refresh" content="2">`, `href="/admin/users"`)
		e.runJobs()
		page := admin.get(p.location)
		wantPage(t, "the erasure's job once run", page, http.StatusOK, "Finished.", "Erased user #"+id+"; nothing of them is left.",
			`<progress id="job-progress" value="3" max="3"`)
		wantLacks(t, "the erasure's job once run", page, "bob@example.com", "Bob's drill")
		if e.count(`SELECT count(*) FROM users WHERE id = ?`, e.users["bob"].ID) != 0 {
			t.Error("the erased user is still there")
		}
	})
}
