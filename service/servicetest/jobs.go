package servicetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// jobService is a second service over the fixture's database whose job
// threshold is n rows, so that small fixtures make jobs.
func (f *Fixture) jobService(n int) *service.Service {
	return service.New(f.DB, service.WithClock(f.Clock.Now), service.WithJobThreshold(n))
}

// runJob runs a job to its end (or its first failed batch) as Shelf itself,
// batch items a batch, and returns what progress it was told of.
func (f *Fixture) runJob(svc *service.Service, id int64, batch int) ([]shelf.Job, error) {
	f.T.Helper()
	var seen []shelf.Job
	ran, err := svc.RunJob(f.Ctx, shelf.System("job-test"), id, batch, func(j shelf.Job) { seen = append(seen, j) })
	if err == nil && !ran {
		f.T.Fatalf("run job %d: want it run, another runner had it", id)
	}
	return seen, err
}

// trashedWithNotes makes n items of a's, each with notes notes, and moves
// them to the Trash.
func (f *Fixture) trashedWithNotes(a shelf.Actor, prefix string, n, notes int) []shelf.Item {
	f.T.Helper()
	var items []shelf.Item
	for i := range n {
		it := f.Item(a, fmt.Sprintf("%s %d", prefix, i))
		for k := range notes {
			f.Note(a, it.ID, fmt.Sprintf("note %d", k))
		}
		f.Trash(a, it.ID)
		items = append(items, it)
	}
	return items
}

// wantJob fails the test unless the job is in state with done of total.
func wantJob(t testing.TB, j shelf.Job, state string, done, total int64, what string) {
	t.Helper()
	if j.State != state || j.Done != done || j.Total != total {
		t.Fatalf("%s: want job %s %d/%d, got %s %d/%d (error %v)", what, state, done, total, j.State, j.Done, j.Total, j.Error)
	}
}

// wantResult fails the test unless the job's result is want, as JSON.
func wantResult(t testing.TB, j shelf.Job, want string) {
	t.Helper()
	var got, w any
	if err := json.Unmarshal(j.Result, &got); err != nil {
		t.Fatalf("job %d result %q: %v", j.ID, j.Result, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("wanted result %q: %v", want, err)
	}
	if fmt.Sprint(got) != fmt.Sprint(w) {
		t.Fatalf("job %d result: want %s, got %s", j.ID, want, j.Result)
	}
}

func testJobEmptyTrash(t *testing.T, f *Fixture) {
	svc := f.jobService(5)
	small := f.trashedWithNotes(f.Bob, "Small", 1, 2)
	res, err := svc.EmptyTrash(f.Ctx, f.Bob, 0, shelf.Confirmation{})
	if err != nil || res.Job != nil || res.Purged != 1 || f.Exists("items", small[0].ID) {
		t.Fatalf("empty a Trash of 3 rows, threshold 5: want it purged at once, got %+v, %v", res, err)
	}

	items := f.trashedWithNotes(f.Alice, "Crate", 3, 2) // 9 rows
	res, err = svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{Reason: "moving out"})
	WantCode(t, err, "", "empty a Trash of 9 rows, threshold 5")
	if res.Job == nil {
		t.Fatalf("empty a Trash of 9 rows, threshold 5: want a job, got %+v", res)
	}
	job := *res.Job
	// note: an emptied Trash's job counts its rows when it starts, not in the request.
	wantJob(t, job, shelf.JobQueued, 0, 0, "the job as started")
	if job.Kind != shelf.JobEmptyTrash || job.Result != nil || job.FinishedAt != nil || job.Error != nil {
		t.Fatalf("the job as started: want an empty_trash job with no outcome yet, got %+v", job)
	}

	// The items leave the Trash at once, and nothing can act on them.
	page, err := svc.Trash(f.Ctx, f.Alice, shelf.ItemFilter{}, false)
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("Trash while the job is queued: want empty, got %d items, %v", len(page.Items), err)
	}
	_, err = svc.RestoreItem(f.Ctx, f.Alice, items[0].ID, "")
	WantCode(t, err, shelf.ENOTFOUND, "restore an item the job holds")
	_, err = svc.PurgeItem(f.Ctx, f.Alice, items[1].ID, shelf.Confirmation{})
	WantCode(t, err, shelf.ENOTFOUND, "delete forever an item the job holds")
	if n, err := Purged(svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})); err != nil || n != 0 {
		t.Fatalf("empty the Trash again while the job holds it: want 0 purged, got %d, %v", n, err)
	}
	for _, it := range items {
		if !f.IsTrashed(it.ID) || f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID) != 2 {
			t.Fatalf("item %d: want it whole until the job runs", it.ID)
		}
	}
	// A second request while the job is queued finds nothing to empty; one
	// that comes after more was trashed makes a job of that alone.
	f.Clock.Advance(time.Second)
	more := f.trashedWithNotes(f.Alice, "Later", 2, 2) // 6 rows
	second, err := svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	if err != nil || second.Job == nil {
		t.Fatalf("empty the Trash again after 6 more rows: want a second job, got %+v, %v", second, err)
	}
	wantJob(t, *second.Job, shelf.JobQueued, 0, 0, "the second job as started")

	// Who may see the job: Alice, the admin; not Bob.
	got, err := svc.Job(f.Ctx, f.Alice, job.ID)
	WantCode(t, err, "", "Alice reads her job")
	wantJob(t, got, shelf.JobQueued, 0, 0, "Alice's job read back")
	_, err = svc.Job(f.Ctx, f.Bob, job.ID)
	WantCode(t, err, shelf.ENOTFOUND, "Bob reads Alice's job")
	if _, err := svc.Job(f.Ctx, f.Admin, job.ID); err != nil {
		t.Fatalf("the admin reads Alice's job: %v", err)
	}
	_, err = svc.RunJob(f.Ctx, f.Alice, job.ID, 0, nil)
	WantCode(t, err, shelf.EFORBIDDEN, "a member runs a job")

	seen, err := f.runJob(svc, job.ID, 1)
	WantCode(t, err, "", "run the job")
	if !f.IsTrashed(more[0].ID) || !f.IsTrashed(more[1].ID) {
		t.Fatalf("the first job took the second one's items")
	}
	if s2, err := f.runJob(svc, second.Job.ID, 0); err != nil || len(s2) == 0 {
		t.Fatalf("run the second job: %v", err)
	} else {
		wantJob(t, s2[len(s2)-1], shelf.JobDone, 6, 6, "the second job at its end")
	}
	if len(seen) != 4 {
		t.Fatalf("progress: want 4 reports (3 batches and the end), got %d: %+v", len(seen), seen)
	}
	for i, want := range []int64{3, 6, 9} {
		wantJob(t, seen[i], shelf.JobRunning, want, 9, fmt.Sprintf("after batch %d", i+1))
	}
	last := seen[3]
	wantJob(t, last, shelf.JobDone, 9, 9, "the job at its end")
	wantResult(t, last, `{"purged":3,"blocked":[]}`)
	if last.FinishedAt == nil {
		t.Fatalf("a finished job: want finished_at, got none")
	}
	for _, it := range items {
		if f.Exists("items", it.ID) || f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID) != 0 {
			t.Errorf("item %d: want it purged with its notes", it.ID)
		}
		evs := f.EventsOf(shelf.ActionItemPurge, it.ID)
		if len(evs) != 1 {
			t.Fatalf("item %d: want one item.purge event, got %d", it.ID, len(evs))
		}
		if snap := snapshot(t, evs[0]); snap["reason"] != "moving out" || evs[0].RequestID != f.Alice.RequestID ||
			evs[0].ActorID == nil || *evs[0].ActorID != f.Alice.UserID {
			t.Errorf("item %d's event: want Alice's request, actor and reason, got %+v (%v)", it.ID, evs[0], snap)
		}
	}
	got, err = svc.Job(f.Ctx, f.Alice, job.ID)
	WantCode(t, err, "", "read the finished job")
	wantResult(t, got, `{"purged":3,"blocked":[]}`)
	if n := f.Count("SELECT count(*) FROM jobs WHERE id = %d AND reason = ''", job.ID); n != 1 {
		t.Errorf("a finished job: want its reason gone from the jobs table (the audit events keep it)")
	}

	// Lists: Alice's own, everyone's for the admin only.
	list, err := svc.Jobs(f.Ctx, f.Alice, "", 0, false)
	if err != nil || len(list.Jobs) != 2 || list.Jobs[1].ID != job.ID {
		t.Fatalf("Alice's jobs: want hers, got %+v, %v", list, err)
	}
	list, err = svc.Jobs(f.Ctx, f.Bob, "", 0, false)
	if err != nil || len(list.Jobs) != 0 {
		t.Fatalf("Bob's jobs: want none, got %+v, %v", list, err)
	}
	_, err = svc.Jobs(f.Ctx, f.Bob, "", 0, true)
	WantCode(t, err, shelf.EFORBIDDEN, "a member lists everyone's jobs")
	list, err = svc.Jobs(f.Ctx, f.Admin, "", 0, true)
	if err != nil || len(list.Jobs) != 2 {
		t.Fatalf("everyone's jobs for the admin: want 2, got %+v, %v", list, err)
	}
	// Running a finished job again does nothing.
	if seen, err := f.runJob(svc, job.ID, 1); err != nil || len(seen) != 0 {
		t.Fatalf("run a finished job: want nothing, got %+v, %v", seen, err)
	}
}

func testJobPurgeItem(t *testing.T, f *Fixture) {
	svc := f.jobService(5)
	big := f.trashedWithNotes(f.Alice, "Diary", 1, 5)[0] // 6 rows
	_, err := svc.PurgeItem(f.Ctx, f.Alice, big.ID, shelf.Confirmation{Typed: shelf.Typed("wrong"), Asked: true})
	WantCode(t, err, shelf.EINVALID, "delete forever with the wrong name typed")
	res, err := svc.PurgeItem(f.Ctx, f.Alice, big.ID, shelf.Confirmation{})
	WantCode(t, err, "", "delete forever an item of 6 rows, threshold 5")
	if res.Job == nil || res.Item.ID != big.ID {
		t.Fatalf("delete forever past the threshold: want the item and a job, got %+v", res)
	}
	wantJob(t, *res.Job, shelf.JobQueued, 0, 6, "the job as started")
	if !f.Exists("items", big.ID) {
		t.Fatalf("item %d: want it still there until the job runs", big.ID)
	}
	_, err = svc.TrashedItem(f.Ctx, f.Alice, big.ID)
	WantCode(t, err, shelf.ENOTFOUND, "read the item the job holds")

	seen, err := f.runJob(svc, res.Job.ID, 0)
	WantCode(t, err, "", "run the job")
	last := seen[len(seen)-1]
	wantJob(t, last, shelf.JobDone, 6, 6, "the job at its end")
	wantResult(t, last, `{"purged":1}`)
	if f.Exists("items", big.ID) || f.Audits(shelf.ActionItemPurge, big.ID) != 1 {
		t.Fatalf("item %d: want it purged with one item.purge event", big.ID)
	}
}

func testJobLeavesHeldItems(t *testing.T, f *Fixture) {
	svc := f.jobService(3)
	items := f.trashedWithNotes(f.Alice, "Box", 3, 1) // 6 rows
	held := f.hold(shelf.HoldInput{ItemID: idp(items[0].ID), Reason: "Case 7"})
	res, err := svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("empty a Trash of 6 rows, 2 held: want a job, got %+v, %v", res, err)
	}
	wantJob(t, *res.Job, shelf.JobQueued, 0, 0, "the job as started")
	// A hold placed while the job is queued keeps its item too.
	late := f.hold(shelf.HoldInput{ItemID: idp(items[1].ID), Reason: "Case 8"})
	seen, err := f.runJob(svc, res.Job.ID, 10)
	WantCode(t, err, "", "run the job")
	last := seen[len(seen)-1]
	wantJob(t, last, shelf.JobDone, 2, 2, "the job at its end (held items not counted)")
	wantResult(t, last, fmt.Sprintf(`{"purged":1,"blocked":[{"type":"hold","id":%d,"label":"Case 7","item_id":%d},{"type":"hold","id":%d,"label":"Case 8","item_id":%d}]}`,
		held.ID, items[0].ID, late.ID, items[1].ID))
	for _, it := range items[:2] {
		if _, err := svc.TrashedItem(f.Ctx, f.Alice, it.ID); err != nil {
			t.Errorf("held item %d: want it back in the Trash, got %v", it.ID, err)
		}
	}
	if f.Exists("items", items[2].ID) {
		t.Errorf("item %d: want it purged", items[2].ID)
	}
}

// FailAudit makes db refuse to insert audit events of this action on this
// entity (a real fault in the middle of a use case, after its change was
// made), on either engine; the returned function removes the fault.
func FailAudit(t testing.TB, db *store.DB, action string, entityID int64) func() {
	t.Helper()
	when := fmt.Sprintf("NEW.action = %s AND NEW.entity_id = %d", Quote(action), entityID)
	var stmts, undo []string
	if db.Engine() == "postgres" {
		stmts = []string{
			`CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ` + when +
				` THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION fail_audit()`,
		}
		undo = []string{`DROP TRIGGER fail_audit ON audit_events`, `DROP FUNCTION fail_audit()`}
	} else {
		stmts = []string{"CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events WHEN " + when +
			" BEGIN SELECT RAISE(ABORT, 'injected'); END"}
		undo = []string{"DROP TRIGGER fail_audit"}
	}
	exec := func(stmts []string, what string) {
		t.Helper()
		for _, q := range stmts {
			if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
	}
	exec(stmts, "inject a fault")
	return func() { t.Helper(); exec(undo, "remove the fault") }
}

func testJobRetriesThenFails(t *testing.T, f *Fixture) {
	svc := f.jobService(3)
	items := f.trashedWithNotes(f.Alice, "Shelf", 3, 1) // 6 rows
	res, err := svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("empty the Trash: want a job, got %+v, %v", res, err)
	}
	id := res.Job.ID
	heal := FailAudit(t, f.DB, shelf.ActionItemPurge, items[1].ID)

	// The first batch goes through; the second fails and is tried again
	// after each backoff, then the job stops failed.
	seen, err := f.runJob(svc, id, 1)
	if err == nil {
		t.Fatalf("run the job with a failing batch: want an error, got none")
	}
	wantJob(t, seen[0], shelf.JobRunning, 2, 6, "after the first batch")
	if seen[1].State != shelf.JobRunning || seen[1].Error == nil {
		t.Fatalf("after a failed batch: want the job running with an error, got %+v", seen[1])
	}
	for attempt := 2; ; attempt++ {
		// note: not due before its backoff is over.
		if seen, err := f.runJob(svc, id, 1); err != nil || len(seen) != 0 {
			t.Fatalf("attempt %d before the backoff: want nothing run, got %+v, %v", attempt, seen, err)
		}
		f.Clock.Advance(3 * time.Minute)
		seen, err = f.runJob(svc, id, 1)
		if err == nil {
			t.Fatalf("attempt %d: want the batch to fail again", attempt)
		}
		if j := seen[len(seen)-1]; j.State == shelf.JobFailed {
			if attempt != 5 {
				t.Fatalf("want the job failed after 5 attempts, got %d", attempt)
			}
			if j.Error == nil || *j.Error != "Something went wrong on our side." || j.FinishedAt == nil {
				t.Fatalf("a failed job: want its error (no database text) and finished_at, got %+v", j)
			}
			break
		}
	}
	// Nothing done is undone; what is left is back in the Trash.
	if f.Exists("items", items[0].ID) {
		t.Errorf("item %d: purged before the failure, want it still gone", items[0].ID)
	}
	page, err := svc.Trash(f.Ctx, f.Alice, shelf.ItemFilter{}, false)
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("Trash after the job failed: want the 2 items left, got %d, %v", len(page.Items), err)
	}
	if n := f.Count("SELECT count(*) FROM items WHERE job_id IS NOT NULL"); n != 0 {
		t.Fatalf("items a failed job still holds: want 0, got %d", n)
	}

	_, err = svc.RetryJob(f.Ctx, f.Alice, id)
	WantCode(t, err, shelf.EFORBIDDEN, "a member retries a job")
	heal()
	j, err := svc.RetryJob(f.Ctx, f.Admin, id)
	WantCode(t, err, "", "the admin retries the failed job")
	wantJob(t, j, shelf.JobQueued, 2, 2, "the retried job (what is left counted when it starts)")
	if j.Error != nil || j.FinishedAt != nil {
		t.Fatalf("the retried job: want no error and no finished_at, got %+v", j)
	}
	seen, err = f.runJob(svc, id, 1)
	WantCode(t, err, "", "run the retried job")
	last := seen[len(seen)-1]
	wantJob(t, last, shelf.JobDone, 6, 6, "the retried job at its end")
	wantResult(t, last, `{"purged":3,"blocked":[]}`)
	for _, it := range items {
		if f.Exists("items", it.ID) || f.Audits(shelf.ActionItemPurge, it.ID) != 1 {
			t.Errorf("item %d: want it purged exactly once", it.ID)
		}
	}
	_, err = svc.RetryJob(f.Ctx, f.Admin, id)
	WantCode(t, err, shelf.ERESTRICTED, "retry a finished job")
	_, err = svc.RetryJob(f.Ctx, f.Admin, 424242)
	WantCode(t, err, shelf.ENOTFOUND, "retry a missing job")
}

func testJobResumes(t *testing.T, f *Fixture) {
	svc := f.jobService(3)
	items := f.trashedWithNotes(f.Alice, "Drawer", 4, 1) // 8 rows
	res, err := svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("empty the Trash: want a job, got %+v, %v", res, err)
	}
	// The process stops after the first batch.
	ctx, stop := context.WithCancel(f.Ctx)
	_, err = svc.RunJob(ctx, shelf.System("first"), res.Job.ID, 1, func(shelf.Job) { stop() })
	if err == nil {
		t.Fatalf("a run cut short: want its context's error")
	}
	j, err := svc.Job(f.Ctx, f.Alice, res.Job.ID)
	WantCode(t, err, "", "read the job cut short")
	wantJob(t, j, shelf.JobRunning, 2, 8, "the job cut short")

	// Another process takes it up from where it was.
	other := f.jobService(3)
	ids, err := other.DueJobs(f.Ctx, shelf.System("second"), 10)
	if err != nil || len(ids) != 1 || ids[0] != res.Job.ID {
		t.Fatalf("due jobs after a stop: want the job, got %v, %v", ids, err)
	}
	seen, err := f.runJob(other, res.Job.ID, 2)
	WantCode(t, err, "", "resume the job")
	wantJob(t, seen[len(seen)-1], shelf.JobDone, 8, 8, "the resumed job")
	wantResult(t, seen[len(seen)-1], `{"purged":4,"blocked":[]}`)
	for _, it := range items {
		if f.Exists("items", it.ID) || f.Audits(shelf.ActionItemPurge, it.ID) != 1 {
			t.Errorf("item %d: want it purged exactly once", it.ID)
		}
	}
	if ids, err := other.DueJobs(f.Ctx, shelf.System("third"), 10); err != nil || len(ids) != 0 {
		t.Fatalf("due jobs after the end: want none, got %v, %v", ids, err)
	}
}

func testJobOneRunner(t *testing.T, f *Fixture) {
	items := f.trashedWithNotes(f.Alice, "Bin", 20, 0)
	svcs := []*service.Service{f.jobService(3), f.jobService(3), f.jobService(3)}
	res, err := svcs[0].EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("empty the Trash: want a job, got %+v, %v", res, err)
	}
	errs := make([]error, len(svcs))
	Together(len(svcs), func(i int) {
		_, errs[i] = svcs[i].RunJob(f.Ctx, shelf.System(fmt.Sprint("runner ", i)), res.Job.ID, 1, nil)
	})
	for i, err := range errs {
		WantCode(t, err, "", fmt.Sprint("runner ", i))
	}
	j, err := svcs[1].Job(f.Ctx, f.Admin, res.Job.ID)
	WantCode(t, err, "", "read the job")
	wantJob(t, j, shelf.JobDone, 20, 20, "the job run by three at once")
	wantResult(t, j, `{"purged":20,"blocked":[]}`)
	for _, it := range items {
		if f.Exists("items", it.ID) || f.Audits(shelf.ActionItemPurge, it.ID) != 1 {
			t.Errorf("item %d: want it purged exactly once", it.ID)
		}
	}
}

func testJobBulkDelete(t *testing.T, f *Fixture) {
	svc := f.jobService(2)
	a, b := f.Item(f.Alice, "Lamp"), f.Item(f.Alice, "Rug")
	lent := f.Item(f.Alice, "Tent")
	loan := f.Lend(f.Alice, lent.ID, "Quinn")
	bobs := f.Item(f.Bob, "Bob's")
	res, err := svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, b.ID, lent.ID, bobs.ID}, shelf.Confirmation{Reason: "spring"})
	if err != nil || res.Job == nil {
		t.Fatalf("bulk delete of 4 ids, threshold 2: want a job, got %+v, %v", res, err)
	}
	wantJob(t, *res.Job, shelf.JobQueued, 0, 3, "the bulk job as started")
	page, err := svc.Items(f.Ctx, f.Alice, shelf.ItemFilter{}, false)
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("Alice's items while the job is queued: want none, got %d, %v", len(page.Items), err)
	}
	seen, err := f.runJob(svc, res.Job.ID, 2)
	WantCode(t, err, "", "run the bulk job")
	last := seen[len(seen)-1]
	wantJob(t, last, shelf.JobDone, 3, 3, "the bulk job at its end")
	var got shelf.BulkTrashResult
	var raw struct {
		Cohort string `json:"cohort"`
	}
	if err := json.Unmarshal(last.Result, &got); err != nil || json.Unmarshal(last.Result, &raw) != nil {
		t.Fatalf("bulk result %s: %v", last.Result, err)
	}
	if fmt.Sprint(sortedIDs(got.Trashed)) != fmt.Sprint(sortedIDs([]int64{a.ID, b.ID})) ||
		fmt.Sprint(got.NotFound) != fmt.Sprint([]int64{bobs.ID}) || len(got.Blocked) != 1 || got.Blocked[0].ID != loan.ID {
		t.Fatalf("bulk result: want %d and %d trashed, %d not found, loan %d blocking, got %s", a.ID, b.ID, bobs.ID, loan.ID, last.Result)
	}
	if !f.IsLive(lent.ID) || !f.IsLive(bobs.ID) || !f.IsTrashed(a.ID) || !f.IsTrashed(b.ID) {
		t.Fatalf("after the bulk job: want the lent item and Bob's live, the others in the Trash")
	}
	// The job's cohort undoes it, as a bulk delete's does.
	restored, err := svc.RestoreCohort(f.Ctx, f.Alice, raw.Cohort)
	if err != nil || len(restored.Restored) != 2 {
		t.Fatalf("undo the bulk job: want 2 restored, got %+v, %v", restored, err)
	}
	if list, err := svc.Items(f.Ctx, f.Alice, shelf.ItemFilter{}, false); err != nil || len(list.Items) != 3 {
		t.Fatalf("Alice's items after the undo: want 3, got %d, %v", len(list.Items), err)
	}
}
