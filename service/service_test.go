package service_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/service/servicetest"
	"shelf/store/storetest"
)

// newFixture opens a fresh, migrated SQLite file with the suite's three users
// (an admin, Alice and Bob) and a service on a settable clock.
func newFixture(t *testing.T) *servicetest.Fixture {
	t.Helper()
	return servicetest.NewFixture(t, storetest.OpenSQLite(t))
}

// wantCode fails the test unless err has the wanted code ("" for success).
func wantCode(t *testing.T, err error, want, what string) {
	t.Helper()
	servicetest.WantCode(t, err, want, what)
}

const day = 24 * time.Hour

func TestRetentionPurgeTakesOnlyWhatIsOldEnough(t *testing.T) {
	f := newFixture(t)
	t0 := f.Clock.Now()
	a := f.Item(f.Alice, "A")
	f.Note(f.Alice, a.ID, "note on A")
	f.Return(f.Alice, f.Lend(f.Alice, a.ID, "Pat").ID)
	b := f.Item(f.Alice, "B")
	c := f.Item(f.Alice, "C")
	d := f.Item(f.Bob, "D")
	live := f.Item(f.Alice, "Live")
	f.Trash(f.Alice, a.ID) // t0
	f.Clock.Advance(10 * day)
	f.Trash(f.Alice, b.ID) // t0+10d
	f.Clock.Advance(10 * day)
	f.Trash(f.Bob, d.ID) // t0+20d
	f.Clock.Advance(10 * day)
	f.Trash(f.Alice, c.ID) // t0+30d

	var calls [][2]int
	progress := func(done, total int) { calls = append(calls, [2]int{done, total}) }
	system := shelf.System("test-retention")
	n, err := f.Svc.PurgeTrashedBefore(f.Ctx, system, t0.Add(15*day), 1, progress)
	wantCode(t, err, "", "retention purge")
	if n != 2 {
		t.Errorf("purged: want 2 (A and B, older than 15 days), got %d", n)
	}
	if f.Exists("items", a.ID) || f.Exists("items", b.ID) {
		t.Errorf("want A (%d) and B (%d) purged", a.ID, b.ID)
	}
	if !f.IsTrashed(c.ID) || !f.IsTrashed(d.ID) || !f.IsLive(live.ID) {
		t.Errorf("want C and D still in the Trash and Live live")
	}
	if got := f.Count("SELECT count(*) FROM notes WHERE item_id = %d", a.ID) + f.Count("SELECT count(*) FROM loans WHERE item_id = %d", a.ID); got != 0 {
		t.Errorf("notes and loans of A: want 0 (cascaded), got %d", got)
	}
	if len(calls) == 0 || calls[0] != [2]int{0, 2} || calls[len(calls)-1] != [2]int{2, 2} {
		t.Errorf("progress: want it to start at 0/2 and end at 2/2, got %v", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Errorf("progress went backwards: %v", calls)
		}
	}
	for _, id := range []int64{a.ID, b.ID} {
		ev := f.EventsOf(shelf.ActionItemPurge, id)
		if len(ev) != 1 || ev[0].ActorID != nil || ev[0].RequestID != "test-retention" || !strings.Contains(ev[0].Summary, "retention") {
			t.Errorf("item.purge events of %d: want one by Shelf itself (no actor) for retention, got %+v", id, ev)
		}
	}

	// The boundary: an item trashed exactly at the cut-off is not older than it.
	cut := t0.Add(20 * day)
	n, err = f.Svc.PurgeTrashedBefore(f.Ctx, system, cut, 0, nil)
	wantCode(t, err, "", "retention purge at the boundary")
	if n != 0 || !f.IsTrashed(d.ID) {
		t.Errorf("purge before %v: want D (trashed at that instant) kept, got %d purged", cut, n)
	}
	n, err = f.Svc.PurgeTrashedBefore(f.Ctx, system, cut.Add(time.Microsecond), 0, nil)
	wantCode(t, err, "", "retention purge just after the boundary")
	if n != 1 || f.Exists("items", d.ID) {
		t.Errorf("purge just after D's trash time: want D purged, got %d purged", n)
	}
	if !f.IsTrashed(c.ID) {
		t.Errorf("C: want still in the Trash")
	}
}

func TestRetentionPurgeBatches(t *testing.T) {
	f := newFixture(t)
	const total = 23
	var ids []int64
	for i := range total {
		it := f.Item(f.Alice, fmt.Sprintf("item %02d", i))
		f.Note(f.Alice, it.ID, "n")
		ids = append(ids, it.ID)
	}
	res, err := f.Svc.TrashItems(f.Ctx, f.Alice, ids, shelf.Confirmation{})
	wantCode(t, err, "", "bulk trash")
	if len(res.Trashed) != total {
		t.Fatalf("bulk trash: want %d trashed, got %+v", total, res)
	}
	f.Clock.Advance(31 * day)
	var last [2]int
	n, err := f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("t"), f.Clock.Now().Add(-30*day), 5, func(done, all int) { last = [2]int{done, all} })
	wantCode(t, err, "", "retention purge")
	if n != total || last != [2]int{total, total} {
		t.Errorf("retention purge in batches of 5: want %d purged and progress %d/%d, got %d and %v", total, total, total, n, last)
	}
	if c := f.Count("SELECT count(*) FROM items") + f.Count("SELECT count(*) FROM notes"); c != 0 {
		t.Errorf("rows left: want 0, got %d", c)
	}
}

func TestEmptyTrashPurgesOnlyTheActorsTrash(t *testing.T) {
	f := newFixture(t)
	const many = service.DefaultPurgeBatch + 20 // more than one batch
	var alices []int64
	for i := range many {
		alices = append(alices, f.Item(f.Alice, fmt.Sprintf("alice %03d", i)).ID)
	}
	f.Note(f.Alice, alices[0], "goes with it")
	aliceLive := f.Item(f.Alice, "Alice keeps this")
	bobs := f.Item(f.Bob, "Bob's")
	bobsNote := f.Note(f.Bob, bobs.ID, "stays")
	admins := f.Item(f.Admin, "Admin's")
	if _, err := f.Svc.TrashItems(f.Ctx, f.Alice, alices, shelf.Confirmation{}); err != nil {
		t.Fatalf("bulk trash: %v", err)
	}
	f.Trash(f.Bob, bobs.ID)
	f.Trash(f.Admin, admins.ID)

	n, err := servicetest.Purged(f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{}))
	wantCode(t, err, "", "Alice empties her Trash")
	if n != many {
		t.Errorf("Alice's empty Trash: want %d purged, got %d", many, n)
	}
	if c := f.Count("SELECT count(*) FROM items WHERE owner_id = %d", f.Alice.UserID); c != 1 || !f.IsLive(aliceLive.ID) {
		t.Errorf("Alice's items: want only her live one left, got %d", c)
	}
	if !f.IsTrashed(bobs.ID) || !f.Exists("notes", bobsNote.ID) || !f.IsTrashed(admins.ID) {
		t.Errorf("want Bob's and the admin's trashed items (and Bob's note) untouched")
	}
	if c := f.Count("SELECT count(*) FROM audit_events WHERE action = %s", servicetest.Quote(shelf.ActionItemPurge)); c != many {
		t.Errorf("item.purge events: want %d, got %d", many, c)
	}

	// Empty is empty: nothing more, no error.
	n, err = servicetest.Purged(f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{}))
	if err != nil || n != 0 {
		t.Errorf("empty an empty Trash: want 0 and no error, got %d, %v", n, err)
	}
	// Another member's Trash is not hers to empty; the admin may.
	_, err = f.Svc.EmptyTrash(f.Ctx, f.Alice, f.Bob.UserID, shelf.Confirmation{})
	wantCode(t, err, shelf.ENOTFOUND, "Alice empties Bob's Trash")
	if !f.IsTrashed(bobs.ID) {
		t.Fatalf("Bob's item: want still trashed")
	}
	n, err = servicetest.Purged(f.Svc.EmptyTrash(f.Ctx, f.Admin, f.Bob.UserID, shelf.Confirmation{}))
	wantCode(t, err, "", "the admin empties Bob's Trash")
	if n != 1 || f.Exists("items", bobs.ID) || !f.IsTrashed(admins.ID) {
		t.Errorf("admin empties Bob's Trash: want only Bob's item purged (1), got %d", n)
	}
}

func TestCohortRestoreAcrossOwners(t *testing.T) {
	f := newFixture(t)
	a1 := f.Item(f.Alice, "A1")
	a2 := f.Item(f.Alice, "A2")
	b1 := f.Item(f.Bob, "B1")
	before := f.Item(f.Alice, "Trashed before")
	f.Trash(f.Alice, before.ID)

	// The admin deletes things of two owners in one request.
	res, err := f.Svc.TrashItems(f.Ctx, f.Admin, []int64{a1.ID, b1.ID, a2.ID}, shelf.Confirmation{})
	wantCode(t, err, "", "admin bulk trash")
	if len(res.Trashed) != 3 {
		t.Fatalf("admin bulk trash: want 3 trashed, got %+v", res)
	}
	// Alice's undo brings back her part of it, and nothing of Bob's.
	got, err := f.Svc.RestoreCohort(f.Ctx, f.Alice, res.Cohort)
	wantCode(t, err, "", "Alice restores the cohort")
	if ids := sorted(idsOf(got.Restored)); !slices.Equal(ids, sorted([]int64{a1.ID, a2.ID})) {
		t.Errorf("Alice's restore: want %v, got %v", sorted([]int64{a1.ID, a2.ID}), ids)
	}
	if !f.IsTrashed(b1.ID) || !f.IsTrashed(before.ID) {
		t.Errorf("want Bob's item and the item trashed before still in the Trash")
	}
	_, err = f.Svc.RestoreCohort(f.Ctx, f.Bob, "not-"+res.Cohort)
	wantCode(t, err, shelf.ENOTFOUND, "Bob restores an unknown cohort")
	got, err = f.Svc.RestoreCohort(f.Ctx, f.Admin, res.Cohort)
	wantCode(t, err, "", "the admin restores the rest")
	if ids := idsOf(got.Restored); !slices.Equal(ids, []int64{b1.ID}) {
		t.Errorf("admin's restore: want [%d], got %v", b1.ID, ids)
	}
	// The single delete's own cohort undoes just that.
	single := f.Trash(f.Alice, a1.ID)
	got, err = f.Svc.RestoreCohort(f.Ctx, f.Alice, single)
	wantCode(t, err, "", "undo a single delete")
	if ids := idsOf(got.Restored); !slices.Equal(ids, []int64{a1.ID}) || !f.IsTrashed(before.ID) {
		t.Errorf("undo of one item: want [%d] restored and nothing else, got %v", a1.ID, ids)
	}
}

func TestImpactCountsAreCapped(t *testing.T) {
	f := newFixture(t)
	it := f.Item(f.Alice, "Diary")
	const notes = shelf.ImpactCap + 5
	if err := f.Exec(`INSERT INTO notes (item_id, author_id, body, created_at)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		SELECT %d, %d, 'page ' || i, '2026-03-01T09:00:00.000000Z' FROM n`, notes, it.ID, f.Alice.UserID); err != nil {
		t.Fatalf("seed notes: %v", err)
	}
	im, err := f.Svc.ItemImpact(f.Ctx, f.Alice, it.ID)
	wantCode(t, err, "", "impact")
	if im.Notes != shelf.ImpactCap {
		t.Errorf("impact notes: want the cap %d, got %d", shelf.ImpactCap, im.Notes)
	}
	f.Trash(f.Alice, it.ID)
	// note: over the job threshold, so delete forever runs as a job.
	res, err := f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("purge %d rows: want a job, got %+v, %v", notes+1, res, err)
	}
	if _, err := f.Svc.RunJob(f.Ctx, shelf.System("test"), res.Job.ID, 0, nil); err != nil {
		t.Fatalf("run the purge job: %v", err)
	}
	if c := f.Count("SELECT count(*) FROM notes"); c != 0 {
		t.Errorf("notes after purge: want 0, got %d", c)
	}
	ev := f.EventsOf(shelf.ActionItemPurge, it.ID)
	if len(ev) != 1 {
		t.Fatalf("item.purge events: want 1, got %d", len(ev))
	}
	var snap struct {
		Notes      []json.RawMessage `json:"notes"`
		NotesTotal int               `json:"notes_total"`
	}
	if err := json.Unmarshal(ev[0].Snapshot, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Notes) != 100 || snap.NotesTotal != shelf.ImpactCap {
		t.Errorf("purge snapshot: want 100 notes kept in full and a total of %d, got %d and %d", shelf.ImpactCap, len(snap.Notes), snap.NotesTotal)
	}
}

func TestAuditFilters(t *testing.T) {
	f := newFixture(t)
	a := f.Item(f.Alice, "A")
	b := f.Item(f.Bob, "B")
	f.Trash(f.Alice, a.ID)
	f.Trash(f.Bob, b.ID)
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	bob := f.Bob.UserID
	page, err := f.Svc.AuditEvents(f.Ctx, f.Admin, shelf.AuditFilter{ActorID: &bob})
	wantCode(t, err, "", "filter by actor")
	if len(page.Events) != 1 || page.Events[0].EntityID != b.ID {
		t.Errorf("Bob's events: want the trash of %d, got %+v", b.ID, page.Events)
	}
	page, err = f.Svc.AuditEvents(f.Ctx, f.Admin, shelf.AuditFilter{Action: shelf.ActionItemTrash})
	wantCode(t, err, "", "filter by action")
	if len(page.Events) != 2 || page.Events[0].ID < page.Events[1].ID {
		t.Errorf("item.trash events: want 2, newest first, got %+v", page.Events)
	}
	page, err = f.Svc.AuditEvents(f.Ctx, f.Admin, shelf.AuditFilter{Limit: 1})
	wantCode(t, err, "", "first page")
	if len(page.Events) != 1 || page.Next == "" {
		t.Fatalf("first page of 1: want one event and a cursor, got %+v", page)
	}
	next, err := f.Svc.AuditEvents(f.Ctx, f.Admin, shelf.AuditFilter{Limit: 5, After: page.Next})
	wantCode(t, err, "", "next page")
	if len(next.Events) != 2 || next.Next != "" || next.Events[0].ID >= page.Events[0].ID {
		t.Errorf("second page: want the 2 older events and no cursor, got %+v", next)
	}
	_, err = f.Svc.AuditEvents(f.Ctx, f.Admin, shelf.AuditFilter{After: "%%%"})
	wantCode(t, err, shelf.EMALFORMED, "a bad cursor")
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t)
	const password = "correct horse battery"
	u, err := f.Svc.AddUser(f.Ctx, service.NewUser{Email: "  Ann@Example.COM ", Name: "Ann", Password: password})
	wantCode(t, err, "", "add user")
	if u.Email != "ann@example.com" || u.Role != shelf.RoleMember {
		t.Errorf("new user: want email ann@example.com and role member, got %q and %q", u.Email, u.Role)
	}
	if c := f.Count("SELECT count(*) FROM users WHERE id = %d AND password_hash LIKE '$argon2id$%%' AND password_hash NOT LIKE %s",
		u.ID, servicetest.Quote("%"+password+"%")); c != 1 {
		t.Errorf("stored password: want an Argon2id hash, not the password, got %d matching rows", c)
	}

	got, err := f.Svc.Authenticate(f.Ctx, "ANN@example.com", password)
	wantCode(t, err, "", "log in with the email in another case")
	if got.ID != u.ID {
		t.Errorf("logged-in user: want %d, got %d", u.ID, got.ID)
	}
	_, wrong := f.Svc.Authenticate(f.Ctx, "ann@example.com", password+"!")
	wantCode(t, wrong, shelf.EUNAUTHORIZED, "log in with a wrong password")
	_, unknown := f.Svc.Authenticate(f.Ctx, "nobody@example.com", password)
	wantCode(t, unknown, shelf.EUNAUTHORIZED, "log in as an unknown user")
	if shelf.ErrorMessage(wrong) != shelf.ErrorMessage(unknown) {
		t.Errorf("messages: want the same for a wrong password and an unknown user, got %q and %q",
			shelf.ErrorMessage(wrong), shelf.ErrorMessage(unknown))
	}
	_, err = f.Svc.Authenticate(f.Ctx, "ann@example.com", "")
	wantCode(t, err, shelf.EUNAUTHORIZED, "log in with an empty password")

	_, err = f.Svc.AddUser(f.Ctx, service.NewUser{Email: "ANN@EXAMPLE.COM", Name: "Ann again", Password: password})
	wantCode(t, err, shelf.EEMAILTAKEN, "add a user with a taken email in another case")
	if !strings.Contains(shelf.ErrorMessage(err), "ann@example.com") {
		t.Errorf("duplicate email message: want it to name the email, got %q", shelf.ErrorMessage(err))
	}
	_, err = f.Svc.AddUser(f.Ctx, service.NewUser{Email: "not an email", Name: "X", Password: "short", Role: "root"})
	wantCode(t, err, shelf.EINVALID, "add an invalid user")
	if e := shelf.AsError(err); len(e.Fields) != 3 {
		t.Errorf("invalid user: want email, password and role reported, got %v", e.Fields)
	}
	if c := f.Count("SELECT count(*) FROM users"); c != 4 {
		t.Errorf("users: want 4 (three from the fixture and Ann), got %d", c)
	}
}

func TestAPITokens(t *testing.T) {
	f := newFixture(t)
	tk, secret, err := f.Svc.CreateToken(f.Ctx, f.Alice, "script")
	wantCode(t, err, "", "create token")
	if !strings.HasPrefix(secret, "shelf_") || len(secret) < 40 {
		t.Errorf("secret: want a long shelf_ token, got %q", secret)
	}
	if c := f.Count("SELECT count(*) FROM api_tokens WHERE secret_hash = %s", servicetest.Quote(secret)); c != 0 {
		t.Errorf("stored secret: want only its hash kept, found it in clear")
	}
	u, err := f.Svc.AuthenticateToken(f.Ctx, secret)
	wantCode(t, err, "", "authenticate with the token")
	if u.ID != f.Alice.UserID {
		t.Errorf("token user: want %d, got %d", f.Alice.UserID, u.ID)
	}
	_, err = f.Svc.AuthenticateToken(f.Ctx, secret+"x")
	wantCode(t, err, shelf.EUNAUTHORIZED, "authenticate with a wrong token")
	revoked, err := f.Svc.DeleteToken(f.Ctx, f.Alice, tk.ID)
	if err != nil {
		t.Fatalf("delete token: %v", err)
	}
	if revoked.ID != tk.ID || revoked.Name != tk.Name {
		t.Errorf("delete token: want %q (%d) as it was, got %+v", tk.Name, tk.ID, revoked)
	}
	_, err = f.Svc.AuthenticateToken(f.Ctx, secret)
	wantCode(t, err, shelf.EUNAUTHORIZED, "authenticate with a revoked token")
}

func idsOf(items []shelf.Item) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
