package servicetest

import (
	"fmt"
	"slices"
	"testing"

	"shelf"
	"shelf/service"
)

// testTrashMatching: "all items matching this search" is the list's search
// and category over every page, in the actor's scope; it moves them as one
// bulk delete (one cohort, blocked items reported, the count typed past the
// friction threshold), refuses a count that is no longer true, and is capped
// at one bulk delete's ids.
func testTrashMatching(t *testing.T, f *Fixture) {
	tools := f.Category(f.Alice, "Tools")
	blade, horse := f.ItemIn(f.Alice, "Saw blade", tools.ID), f.ItemIn(f.Alice, "Saw horse", tools.ID)
	loan := f.Lend(f.Alice, horse.ID, "Quinn")
	dust, hammer := f.Item(f.Alice, "Saw dust"), f.ItemIn(f.Alice, "Hammer", tools.ID)
	old := f.Item(f.Alice, "Old saw")
	f.Trash(f.Alice, old.ID)
	bobs := f.Item(f.Bob, "Bob's saw")
	saw := shelf.ItemFilter{Query: "saw", After: "ignored", Limit: 1}
	sawTools := shelf.ItemFilter{Query: "SAW", CategoryID: &tools.ID}

	counted := func(a shelf.Actor, q shelf.ItemFilter) service.Matching {
		t.Helper()
		m, err := f.Svc.CountMatching(f.Ctx, a, q, false)
		if err != nil {
			t.Fatalf("count %+v: %v", q, err)
		}
		return m
	}
	m, err := f.Svc.CountMatching(f.Ctx, f.Alice, saw, false)
	if err != nil || m.Count != 3 || m.More || m.Newest != dust.ID {
		t.Fatalf("Alice's saws: want 3 (blade, horse, dust; not the trashed one nor Bob's), got %+v, %v", m, err)
	}
	if m, err = f.Svc.CountMatching(f.Ctx, f.Alice, sawTools, false); err != nil || m.Count != 2 {
		t.Fatalf("Alice's saws among Tools: want 2, got %+v, %v", m, err)
	}
	if m, err = f.Svc.CountMatching(f.Ctx, f.Admin, saw, true); err != nil || m.Count != 4 {
		t.Fatalf("everyone's saws for an admin: want 4, got %+v, %v", m, err)
	}
	_, err = f.Svc.CountMatching(f.Ctx, f.Alice, saw, true)
	WantCode(t, err, shelf.EFORBIDDEN, "a member counting everyone's")
	_, err = f.Svc.TrashMatching(f.Ctx, f.Alice, saw, true, service.Matching{Count: 4, Newest: bobs.ID}, shelf.Confirmation{})
	WantCode(t, err, shelf.EFORBIDDEN, "a member deleting everyone's")

	before := f.AuditTotal()
	_, err = f.Svc.TrashMatching(f.Ctx, f.Alice, sawTools, false, service.Matching{Count: 3, Newest: horse.ID}, shelf.Confirmation{Asked: true})
	WantCode(t, err, shelf.EINVALID, "a count that is no longer true")
	if e := shelf.AsError(err); e == nil || e.Fields["ids"] != "This search matches 2 items now, not 3: check them again." {
		t.Errorf("the stale count's message: got %v", err)
	}
	if f.AuditTotal() != before || !f.IsLive(blade.ID) {
		t.Fatal("a refused delete of all matching changed something")
	}

	res, err := f.Svc.TrashMatching(f.Ctx, f.Alice, sawTools, false, counted(f.Alice, sawTools), shelf.Confirmation{Reason: "sold", Asked: true})
	WantCode(t, err, "", "delete Alice's saws among Tools")
	if res.Cohort == "" || !slices.Equal(res.Trashed, []int64{blade.ID}) || len(res.Blocked) != 1 ||
		res.Blocked[0].ItemID != horse.ID || res.Blocked[0].ID != loan.ID {
		t.Fatalf("want the blade trashed and the horse kept by its loan, got %+v", res)
	}
	if !f.IsTrashed(blade.ID) || !f.IsLive(horse.ID) || !f.IsLive(dust.ID) || !f.IsLive(hammer.ID) || !f.IsLive(bobs.ID) {
		t.Fatal("the rows do not match: only the blade should have moved")
	}
	_, err = f.Svc.TrashMatching(f.Ctx, f.Alice, shelf.ItemFilter{Query: "nothing like it"}, false, service.Matching{}, shelf.Confirmation{})
	WantCode(t, err, shelf.EINVALID, "all of a search that matches nothing")

	// Past the friction threshold the count is typed, and what matches
	// moves as one cohort, which one Undo brings back.
	n := shelf.BulkFriction + 1
	for i := range n {
		f.Item(f.Alice, fmt.Sprintf("Box %02d", i))
	}
	box := shelf.ItemFilter{Query: "box"}
	boxes := counted(f.Alice, box)
	_, err = f.Svc.TrashMatching(f.Ctx, f.Alice, box, false, service.Matching{Count: n}, shelf.Confirmation{Asked: true, Typed: shelf.Typed(fmt.Sprint(n))})
	WantCode(t, err, shelf.EMALFORMED, "a confirmation that does not say what it counted")
	_, err = f.Svc.TrashMatching(f.Ctx, f.Alice, box, false, boxes, shelf.Confirmation{Asked: true})
	WantCode(t, err, shelf.EINVALID, "many matching, without the typed count")
	_, err = f.Svc.TrashMatching(f.Ctx, f.Alice, box, false, boxes, shelf.Confirmation{Asked: true, Typed: shelf.Typed("50")})
	WantCode(t, err, shelf.EINVALID, "many matching, with a wrong count")
	// note: a box made after the count is not what the person confirmed;
	// it stays, and so the count still holds for the others.
	late := f.Item(f.Alice, "Box made later")
	res, err = f.Svc.TrashMatching(f.Ctx, f.Alice, box, false, boxes, shelf.Confirmation{Asked: true, Typed: shelf.Typed(fmt.Sprint(n))})
	WantCode(t, err, "", "many matching, with the count")
	if !f.IsLive(late.ID) || slices.Contains(res.Trashed, late.ID) {
		t.Fatal("a box made after the count was deleted with the ones counted")
	}
	if len(res.Trashed) != n || f.Count("SELECT count(DISTINCT deleted_cohort) FROM items WHERE deleted_cohort = %s", Quote(res.Cohort)) != 1 ||
		f.Count("SELECT count(*) FROM items WHERE deleted_cohort = %s", Quote(res.Cohort)) != n {
		t.Fatalf("want %d boxes in one cohort, got %d trashed", n, len(res.Trashed))
	}
	if r, err := f.Svc.RestoreCohort(f.Ctx, f.Alice, res.Cohort); err != nil || len(r.Restored) != n {
		t.Fatalf("undo: want %d back, got %d, %v", n, len(r.Restored), err)
	}

	// Past the job threshold it is a job, like any bulk delete.
	jobs := f.jobService(1)
	res, err = jobs.TrashMatching(f.Ctx, f.Alice, saw, false, counted(f.Alice, saw), shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("all 2 matching saws with a job threshold of 1: want a job, got %+v, %v", res, err)
	}

	// One request takes at most one bulk delete's ids, the newest first.
	if err := f.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
INSERT INTO items (owner_id, name, created_at, updated_at) SELECT %d, 'Crate ' || i, '2026-03-01T09:00:00.000000Z', '2026-03-01T09:00:00.000000Z' FROM n`,
		shelf.MaxBulkIDs+1, f.Bob.UserID); err != nil {
		t.Fatalf("insert crates: %v", err)
	}
	crates := shelf.ItemFilter{Query: "crate"}
	if m, err = f.Svc.CountMatching(f.Ctx, f.Bob, crates, false); err != nil || m.Count != shelf.MaxBulkIDs || !m.More {
		t.Fatalf("Bob's %d crates: want %d and more, got %+v, %v", shelf.MaxBulkIDs+1, shelf.MaxBulkIDs, m, err)
	}
	res, err = f.Svc.TrashMatching(f.Ctx, f.Bob, crates, false, m,
		shelf.Confirmation{Asked: true, Typed: shelf.Typed(fmt.Sprint(shelf.MaxBulkIDs))})
	WantCode(t, err, "", "the newest crates")
	if len(res.Trashed) != shelf.MaxBulkIDs || f.Count("SELECT count(*) FROM items WHERE name = 'Crate 1' AND deleted_at IS NULL") != 1 {
		t.Fatalf("want the newest %d crates trashed and the oldest left, got %d", shelf.MaxBulkIDs, len(res.Trashed))
	}
}
