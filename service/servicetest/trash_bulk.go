package servicetest

import (
	"fmt"
	"slices"
	"testing"

	"shelf"
)

// testRestoreChosen: chosen items come back from the Trash in one
// transaction, each with its event; a name now taken keeps its item in the
// Trash as a conflict; live, missing and others' ids are not found.
func testRestoreChosen(t *testing.T, f *Fixture) {
	a, b, clash := f.Item(f.Alice, "Mallet"), f.Item(f.Alice, "Chisel"), f.Item(f.Alice, "Plane")
	f.Note(f.Alice, a.ID, "rubber head")
	f.Trash(f.Alice, a.ID)
	f.Trash(f.Alice, b.ID)
	f.Trash(f.Alice, clash.ID)
	f.Item(f.Alice, "Plane") // takes the name meanwhile
	live := f.Item(f.Alice, "Still live")
	bobs := f.Item(f.Bob, "Bob's file")
	f.Trash(f.Bob, bobs.ID)

	res, err := f.Svc.RestoreItems(f.Ctx, f.Alice, []int64{a.ID, clash.ID, live.ID, bobs.ID, b.ID, a.ID, 999999})
	WantCode(t, err, "", "restore chosen items")
	var got []int64
	for _, it := range res.Restored {
		got = append(got, it.ID)
	}
	if want := []int64{a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("restored: want %v, got %v", want, got)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].ItemID != clash.ID || res.Conflicts[0].Label != "Plane" {
		t.Errorf("conflicts: want the Plane kept by the live Plane, got %+v", res.Conflicts)
	}
	if want := []int64{live.ID, bobs.ID, 999999}; !slices.Equal(res.NotFound, want) {
		t.Errorf("not found: want %v, got %v", want, res.NotFound)
	}
	if !f.IsLive(a.ID) || !f.IsLive(b.ID) || !f.IsTrashed(clash.ID) || !f.IsTrashed(bobs.ID) {
		t.Error("the rows do not match the result")
	}
	if f.Count("SELECT count(*) FROM notes WHERE item_id = %d", a.ID) != 1 {
		t.Error("the Mallet came back without its note")
	}
	if f.Audits(shelf.ActionItemRestore, a.ID) != 1 || f.Audits(shelf.ActionItemRestore, b.ID) != 1 || f.Audits(shelf.ActionItemRestore, clash.ID) != 0 {
		t.Error("want one item.restore event for each restored item, and none for the conflict")
	}

	_, err = f.Svc.RestoreItems(f.Ctx, f.Alice, nil)
	WantCode(t, err, shelf.EINVALID, "restore nothing")
	// An admin may restore anyone's.
	res, err = f.Svc.RestoreItems(f.Ctx, f.Admin, []int64{bobs.ID})
	WantCode(t, err, "", "admin restores Bob's")
	if len(res.Restored) != 1 || !f.IsLive(bobs.ID) {
		t.Errorf("admin's restore of Bob's item: %+v", res)
	}
}

// testPurgeChosen: chosen items of the Trash go forever in one transaction,
// with their notes and loans and an event each; a hold keeps its item; the
// count is asked past the friction thresholds; live items are not found.
func testPurgeChosen(t *testing.T, f *Fixture) {
	a, b, kept := f.Item(f.Alice, "Broken fan"), f.Item(f.Alice, "Bent rod"), f.Item(f.Alice, "Evidence box")
	f.Note(f.Alice, a.ID, "motor burnt")
	f.Return(f.Alice, f.Lend(f.Alice, a.ID, "Rita").ID)
	for _, it := range []shelf.Item{a, b, kept} {
		f.Trash(f.Alice, it.ID)
	}
	f.hold(shelf.HoldInput{ItemID: idp(kept.ID), Reason: "Case 9"})
	live := f.Item(f.Alice, "Live lamp")
	before := f.AuditTotal()

	res, err := f.Svc.PurgeItems(f.Ctx, f.Alice, []int64{a.ID, live.ID, kept.ID, b.ID}, shelf.Confirmation{Reason: "clear out", Asked: true})
	WantCode(t, err, "", "purge chosen items")
	if len(res.Purged) != 2 || res.Purged[0].ID != a.ID || res.Purged[1].ID != b.ID {
		t.Errorf("purged: want the fan and the rod, got %+v", res.Purged)
	}
	if len(res.Blocked) != 1 || res.Blocked[0].ItemID != kept.ID || res.Blocked[0].Type != shelf.BlockHold {
		t.Errorf("blocked: want the held box, got %+v", res.Blocked)
	}
	if !slices.Equal(res.NotFound, []int64{live.ID}) {
		t.Errorf("not found: want the live lamp, got %v", res.NotFound)
	}
	if f.Exists("items", a.ID) || f.Exists("items", b.ID) || !f.IsTrashed(kept.ID) || !f.IsLive(live.ID) {
		t.Error("the rows do not match the result")
	}
	if n := f.Count("SELECT count(*) FROM notes WHERE item_id = %d", a.ID) + f.Count("SELECT count(*) FROM loans WHERE item_id = %d", a.ID); n != 0 {
		t.Errorf("the fan's notes and loans outlived it: %d rows", n)
	}
	if got := f.AuditTotal() - before; got != 2 {
		t.Errorf("audit events: want 2 (one item.purge each), got %d", got)
	}
	if e := f.EventsOf(shelf.ActionItemPurge, a.ID); len(e) != 1 || snapshot(t, e[0])["reason"] != "clear out" {
		t.Errorf("the fan's purge event keeps no reason: %+v", e)
	}

	// Past the thresholds the count must be typed, and typed right.
	var many []int64
	for i := range shelf.BulkFriction + 1 {
		it := f.Item(f.Alice, fmt.Sprintf("Junk %d", i))
		f.Trash(f.Alice, it.ID)
		many = append(many, it.ID)
	}
	before = f.AuditTotal()
	_, err = f.Svc.PurgeItems(f.Ctx, f.Alice, many, shelf.Confirmation{Asked: true})
	WantCode(t, err, shelf.EINVALID, "purge many without the count")
	_, err = f.Svc.PurgeItems(f.Ctx, f.Alice, many, shelf.Confirmation{Asked: true, Typed: shelf.Typed("50")})
	WantCode(t, err, shelf.EINVALID, "purge many with a wrong count")
	if f.AuditTotal() != before || !f.IsTrashed(many[0]) {
		t.Fatal("a refused purge changed something")
	}
	res, err = f.Svc.PurgeItems(f.Ctx, f.Alice, many, shelf.Confirmation{Asked: true, Typed: shelf.Typed(fmt.Sprint(len(many)))})
	WantCode(t, err, "", "purge many with the count")
	if len(res.Purged) != len(many) {
		t.Errorf("purged %d of %d", len(res.Purged), len(many))
	}

	_, err = f.Svc.PurgeItems(f.Ctx, f.Alice, nil, shelf.Confirmation{})
	WantCode(t, err, shelf.EINVALID, "purge nothing")
	_, err = f.Svc.PurgeItems(f.Ctx, f.Alice, make([]int64, shelf.MaxPageSize+1), shelf.Confirmation{})
	WantCode(t, err, shelf.EINVALID, "purge more than a page")
}

// testTrashCountAndRecord: the navigation's count is the actor's own
// Trash; a trashed item's page reads its notes and loans, and only from
// the Trash.
func testTrashCountAndRecord(t *testing.T, f *Fixture) {
	a := f.Item(f.Alice, "Old kettle")
	f.Note(f.Alice, a.ID, "limescale")
	f.Return(f.Alice, f.Lend(f.Alice, a.ID, "Sid").ID)
	f.Trash(f.Alice, a.ID)
	f.Trash(f.Alice, f.Item(f.Alice, "Old mug").ID)
	f.Trash(f.Bob, f.Item(f.Bob, "Bob's mug").ID)
	for who, want := range map[string]int{"Alice": 2, "Bob": 1, "Admin": 0} {
		a := map[string]shelf.Actor{"Alice": f.Alice, "Bob": f.Bob, "Admin": f.Admin}[who]
		n, err := f.Svc.TrashCount(f.Ctx, a)
		WantCode(t, err, "", "trash count")
		if n != want {
			t.Errorf("%s's Trash count: want %d, got %d", who, want, n)
		}
	}
	rec, err := f.Svc.TrashedItemWithRecord(f.Ctx, f.Alice, a.ID)
	WantCode(t, err, "", "a trashed item's record")
	if rec.Item.Name != "Old kettle" || len(rec.Notes) != 1 || len(rec.Loans) != 1 || rec.Loans[0].Borrower != "Sid" {
		t.Errorf("record: want the kettle with its note and loan, got %+v", rec)
	}
	_, err = f.Svc.TrashedItemWithRecord(f.Ctx, f.Bob, a.ID)
	WantCode(t, err, shelf.ENOTFOUND, "another member's trashed item")
	_, err = f.Svc.TrashedItemWithRecord(f.Ctx, f.Alice, f.Item(f.Alice, "Live one").ID)
	WantCode(t, err, shelf.ENOTFOUND, "a live item as trashed")
}
