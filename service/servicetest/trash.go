package servicetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"shelf"
)

func testTrashMovesToTrash(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Cordless drill")
	other := f.Item(f.Alice, "Ladder")
	f.Note(f.Alice, it.ID, "bought in 2024")
	f.Note(f.Alice, it.ID, "battery is weak")
	loan := f.Lend(f.Alice, it.ID, "Carol")
	f.Return(f.Alice, loan.ID)

	f.Clock.Advance(time.Hour)
	at := f.Clock.Now()
	cohort := f.Trash(f.Alice, it.ID)

	if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_at IS NOT NULL AND deleted_by = %d AND deleted_cohort = %s",
		it.ID, f.Alice.UserID, Quote(cohort)); n != 1 {
		t.Fatalf("item %d: want deleted_at, deleted_by=%d and cohort %q set in its row, got %d matching rows", it.ID, f.Alice.UserID, cohort, n)
	}
	if n := f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID); n != 2 {
		t.Errorf("notes of the trashed item: want 2 kept, got %d", n)
	}
	if n := f.Count("SELECT count(*) FROM loans WHERE item_id = %d", it.ID); n != 1 {
		t.Errorf("loans of the trashed item: want 1 kept, got %d", n)
	}
	if !f.IsLive(other.ID) {
		t.Errorf("item %d: want the other item still live", other.ID)
	}

	// The item is hidden from live reads and shown in the Trash.
	_, err := f.Svc.Item(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, shelf.ENOTFOUND, "get a trashed item")
	_, err = f.Svc.Notes(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, shelf.ENOTFOUND, "list notes of a trashed item")
	got, err := f.Svc.TrashedItem(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "get the item from the Trash")
	if got.DeletedAt == nil || !got.DeletedAt.Equal(at) {
		t.Errorf("deleted_at: want %v, got %v", at, got.DeletedAt)
	}
	if got.DeletedBy == nil || *got.DeletedBy != f.Alice.UserID {
		t.Errorf("deleted_by: want %d, got %v", f.Alice.UserID, got.DeletedBy)
	}
	if got.Cohort != cohort {
		t.Errorf("cohort: want %q, got %q", cohort, got.Cohort)
	}
	if got.Version != it.Version+1 {
		t.Errorf("version: want %d (bumped by the trash), got %d", it.Version+1, got.Version)
	}
	live, err := f.Svc.Items(f.Ctx, f.Alice, shelf.ItemFilter{}, false)
	WantCode(t, err, "", "list live items")
	if ids := itemIDs(live.Items); !slices.Equal(ids, []int64{other.ID}) {
		t.Errorf("live items: want only [%d], got %v", other.ID, ids)
	}
	trash, err := f.Svc.Trash(f.Ctx, f.Alice, shelf.ItemFilter{}, false)
	WantCode(t, err, "", "list the Trash")
	if ids := itemIDs(trash.Items); !slices.Equal(ids, []int64{it.ID}) {
		t.Errorf("Trash: want [%d], got %v", it.ID, ids)
	}

	// One audit event, with a before-image and the actor.
	events := f.EventsOf(shelf.ActionItemTrash, it.ID)
	if len(events) != 1 {
		t.Fatalf("item.trash events for item %d: want 1, got %d", it.ID, len(events))
	}
	e := events[0]
	if e.ActorID == nil || *e.ActorID != f.Alice.UserID || e.Cohort != cohort || e.EntityType != "item" ||
		e.RequestID != f.Alice.RequestID || e.RemoteAddr != f.Alice.RemoteAddr || !e.At.Equal(at) {
		t.Errorf("audit event: want actor %d, cohort %q, entity item, request %q, address %q at %v; got %+v",
			f.Alice.UserID, cohort, f.Alice.RequestID, f.Alice.RemoteAddr, at, e)
	}
	snap := snapshot(t, e)
	if snap["notes"] != float64(2) || snap["loans"] != float64(1) {
		t.Errorf("audit snapshot: want notes 2 and loans 1, got %v", snap)
	}
	if item, _ := snap["item"].(map[string]any); item == nil || item["name"] != it.Name {
		t.Errorf("audit snapshot: want the item's before-image named %q, got %v", it.Name, snap["item"])
	}
	if n := f.AuditTotal(); n != 1 {
		t.Errorf("audit events: want 1 in all, got %d", n)
	}

	// Restoring brings it back with its notes and loans.
	restored, err := f.Svc.RestoreItem(f.Ctx, f.Alice, it.ID, "")
	WantCode(t, err, "", "restore")
	if restored.Trashed() || restored.Name != it.Name {
		t.Errorf("restored item: want live and named %q, got %+v", it.Name, restored)
	}
	if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_at IS NULL AND deleted_by IS NULL AND deleted_cohort IS NULL", it.ID); n != 1 {
		t.Errorf("restored item %d: want deleted_at, deleted_by and cohort cleared, got %d matching rows", it.ID, n)
	}
	notes, err := f.Svc.Notes(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "notes after restore")
	if len(notes) != 2 {
		t.Errorf("notes after restore: want 2, got %d", len(notes))
	}
	if n := f.Audits(shelf.ActionItemRestore, it.ID); n != 1 {
		t.Errorf("item.restore events: want 1, got %d", n)
	}
}

func testTrashBlockedByActiveLoan(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Tent")
	returned := f.Lend(f.Alice, it.ID, "Dan")
	f.Return(f.Alice, returned.ID)
	loan := f.Lend(f.Alice, it.ID, "Erin Borrower")
	before := f.Count("SELECT version FROM items WHERE id = %d", it.ID)

	_, err := f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 0)
	WantCode(t, err, shelf.EONLOAN, "trash an item on loan")
	e := shelf.AsError(err)
	wantBlocker(t, e.Blockers, "loan", loan.ID, "Erin Borrower")
	if len(e.Blockers) != 1 {
		t.Errorf("blockers: want only the active loan, got %+v", e.Blockers)
	}
	if !f.IsLive(it.ID) {
		t.Errorf("item %d: want it still live after a refused delete", it.ID)
	}
	if after := f.Count("SELECT version FROM items WHERE id = %d", it.ID); after != before {
		t.Errorf("item %d version: want %d (unchanged), got %d", it.ID, before, after)
	}
	if n := f.AuditTotal(); n != 0 {
		t.Errorf("audit events after a refused delete: want 0, got %d", n)
	}

	// An admin is refused too: the loan blocks, not the permission.
	_, err = f.Svc.TrashItem(f.Ctx, f.Admin, it.ID, 0)
	WantCode(t, err, shelf.EONLOAN, "admin trashes an item on loan")

	// Returned, it can go.
	f.Return(f.Alice, loan.ID)
	f.Trash(f.Alice, it.ID)
	if !f.IsTrashed(it.ID) {
		t.Errorf("item %d: want it trashed once the loan is returned", it.ID)
	}
}

func testTrashTwiceNotFound(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Kettle")
	first := f.Clock.Now()
	f.Trash(f.Alice, it.ID)
	f.Clock.Advance(time.Minute)

	_, err := f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 0)
	WantCode(t, err, shelf.ENOTFOUND, "trash an item already in the Trash")
	got, err := f.Svc.TrashedItem(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "get trashed item")
	if got.DeletedAt == nil || !got.DeletedAt.Equal(first) {
		t.Errorf("deleted_at: want %v (the first delete), got %v", first, got.DeletedAt)
	}
	if n := f.Audits(shelf.ActionItemTrash, it.ID); n != 1 {
		t.Errorf("item.trash events: want 1, got %d", n)
	}

	_, err = f.Svc.TrashItem(f.Ctx, f.Alice, 987654, 0)
	WantCode(t, err, shelf.ENOTFOUND, "trash a missing item")
	_, err = f.Svc.TrashItem(f.Ctx, f.Alice, 0, 0)
	WantCode(t, err, shelf.ENOTFOUND, "trash item 0")
	_, err = f.Svc.TrashItem(f.Ctx, f.Alice, -1, 0)
	WantCode(t, err, shelf.ENOTFOUND, "trash item -1")
}

func testBulkTrashPerIDResults(t *testing.T, f *Fixture) {
	a := f.Item(f.Alice, "Hammer")
	b := f.Item(f.Alice, "Saw")
	onLoan := f.Item(f.Alice, "Sander")
	loan := f.Lend(f.Alice, onLoan.ID, "Frank")
	already := f.Item(f.Alice, "Old rake")
	f.Trash(f.Alice, already.ID)
	bobs := f.Item(f.Bob, "Bob's wrench")
	const missing = 999999
	auditBefore := f.AuditTotal()

	res, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, already.ID, bobs.ID, onLoan.ID, missing, b.ID, a.ID, 0}, shelf.Confirmation{})
	WantCode(t, err, "", "bulk trash")
	if got, want := sortedIDs(res.Trashed), sortedIDs([]int64{a.ID, b.ID}); !slices.Equal(got, want) {
		t.Errorf("trashed: want %v, got %v", want, got)
	}
	if got, want := sortedIDs(res.NotFound), sortedIDs([]int64{already.ID, bobs.ID, missing, 0}); !slices.Equal(got, want) {
		t.Errorf("not_found: want %v (already trashed, another member's, missing, invalid), got %v", want, got)
	}
	want := shelf.BulkBlocker{Blocker: shelf.Blocker{Type: shelf.BlockLoan, ID: loan.ID, Label: "Frank"}, ItemID: onLoan.ID}
	if len(res.Blocked) != 1 || res.Blocked[0] != want {
		t.Errorf("blocked: want %+v (the loan that keeps item %d), got %+v", want, onLoan.ID, res.Blocked)
	}
	if res.Cohort == "" {
		t.Fatalf("cohort: want one, got none")
	}
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_cohort = %s AND deleted_by = %d AND id IN (%d, %d)",
		Quote(res.Cohort), f.Alice.UserID, a.ID, b.ID); n != 2 {
		t.Errorf("rows trashed with the cohort: want 2, got %d", n)
	}
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_cohort = %s", Quote(res.Cohort)); n != 2 {
		t.Errorf("rows with the bulk cohort: want exactly 2, got %d", n)
	}
	if !f.IsLive(onLoan.ID) || !f.IsLive(bobs.ID) {
		t.Errorf("want the item on loan (%d) and Bob's item (%d) still live", onLoan.ID, bobs.ID)
	}
	if n := f.Count("SELECT count(*) FROM loans WHERE id = %d AND returned_at IS NULL", loan.ID); n != 1 {
		t.Errorf("loan %d: want still active, got %d matching rows", loan.ID, n)
	}
	if n := f.AuditTotal() - auditBefore; n != 2 {
		t.Errorf("audit events of the bulk delete: want 2 (one per trashed item), got %d", n)
	}
	for _, id := range []int64{a.ID, b.ID} {
		ev := f.EventsOf(shelf.ActionItemTrash, id)
		if len(ev) != 1 || ev[0].Cohort != res.Cohort {
			t.Errorf("item.trash events of %d: want one with cohort %q, got %+v", id, res.Cohort, ev)
		}
	}

	// Nothing to trash: no cohort, and nothing written.
	before := f.AuditTotal()
	res, err = f.Svc.TrashItems(f.Ctx, f.Alice, []int64{bobs.ID, already.ID}, shelf.Confirmation{})
	WantCode(t, err, "", "bulk trash of nothing trashable")
	if res.Cohort != "" || len(res.Trashed) != 0 || len(res.NotFound) != 2 {
		t.Errorf("result: want no cohort, nothing trashed, 2 not found; got %+v", res)
	}
	if n := f.AuditTotal(); n != before {
		t.Errorf("audit events: want %d, got %d", before, n)
	}
}

func testBulkTrashLimits(t *testing.T, f *Fixture) {
	_, err := f.Svc.TrashItems(f.Ctx, f.Alice, nil, shelf.Confirmation{})
	WantCode(t, err, shelf.EINVALID, "bulk trash with no ids")
	ids := make([]int64, shelf.MaxBulkIDs+1)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	_, err = f.Svc.TrashItems(f.Ctx, f.Alice, ids, shelf.Confirmation{})
	WantCode(t, err, shelf.EINVALID, "bulk trash with too many ids")
	res, err := f.Svc.TrashItems(f.Ctx, f.Alice, ids[:shelf.MaxBulkIDs], shelf.Confirmation{})
	WantCode(t, err, "", "bulk trash with the most ids")
	if len(res.NotFound) != shelf.MaxBulkIDs {
		t.Errorf("not_found: want %d, got %d", shelf.MaxBulkIDs, len(res.NotFound))
	}
}

func testUpdateVersionPrecondition(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Bike")
	if it.Version != 1 {
		t.Fatalf("new item version: want 1, got %d", it.Version)
	}
	up, err := f.Svc.UpdateItem(f.Ctx, f.Alice, it.ID, shelf.ItemInput{Name: "Bike (red)", Quantity: 2}, 1)
	WantCode(t, err, "", "update at the current version")
	if up.Version != 2 {
		t.Errorf("version after update: want 2, got %d", up.Version)
	}
	_, err = f.Svc.UpdateItem(f.Ctx, f.Alice, it.ID, shelf.ItemInput{Name: "Bike (blue)", Quantity: 3}, 1)
	WantCode(t, err, shelf.EPRECONDITION, "update at a stale version")
	if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND name = %s AND quantity = 2 AND version = 2", it.ID, Quote("Bike (red)")); n != 1 {
		t.Errorf("item %d row: want the first update kept (name, quantity 2, version 2), got %d matching rows", it.ID, n)
	}
	_, err = f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 1)
	WantCode(t, err, shelf.EPRECONDITION, "trash at a stale version")
	if !f.IsLive(it.ID) || f.AuditTotal() != 0 {
		t.Errorf("want item %d live and no audit event after a stale trash", it.ID)
	}
	// Version 0 means "no precondition".
	up, err = f.Svc.UpdateItem(f.Ctx, f.Alice, it.ID, shelf.ItemInput{Name: "Bike", Quantity: 1}, 0)
	WantCode(t, err, "", "update without a version")
	if up.Version != 3 {
		t.Errorf("version: want 3, got %d", up.Version)
	}
	// Invalid fields are EINVALID and change nothing.
	_, err = f.Svc.UpdateItem(f.Ctx, f.Alice, it.ID, shelf.ItemInput{Name: "Bike", Quantity: -1}, 0)
	WantCode(t, err, shelf.EINVALID, "update with a negative quantity")
	if _, err := f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 3); err != nil {
		t.Fatalf("trash at the current version: %v", err)
	}
	// A trashed item cannot be edited.
	_, err = f.Svc.UpdateItem(f.Ctx, f.Alice, it.ID, shelf.ItemInput{Name: "Bike", Quantity: 1}, 0)
	WantCode(t, err, shelf.ENOTFOUND, "update a trashed item")
}

func testImpactCounts(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Canoe")
	for i := range 3 {
		f.Note(f.Alice, it.ID, fmt.Sprintf("note %d", i))
	}
	for _, who := range []string{"Gus", "Hana"} {
		l := f.Lend(f.Alice, it.ID, who)
		f.Return(f.Alice, l.ID)
	}
	active := f.Lend(f.Alice, it.ID, "Ivan")

	im, err := f.Svc.ItemImpact(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "impact")
	if im.Action != "trash" || im.Notes != 3 || im.Loans != 3 || im.ActiveLoans != 1 {
		t.Errorf("impact: want trash, 3 notes, 3 loans, 1 active; got %+v", im)
	}
	wantBlocker(t, im.Blockers, "loan", active.ID, "Ivan")
	if !f.IsLive(it.ID) || f.AuditTotal() != 0 {
		t.Errorf("impact must change nothing: item live %v, audit events %d", f.IsLive(it.ID), f.AuditTotal())
	}

	f.Return(f.Alice, active.ID)
	im, err = f.Svc.ItemImpact(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "impact after return")
	if im.ActiveLoans != 0 || im.Blockers == nil || len(im.Blockers) != 0 {
		t.Errorf("impact after return: want no active loans and an empty (not nil) blocker list, got %+v", im)
	}
	_, err = f.Svc.PurgeImpact(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, shelf.ENOTFOUND, "purge impact of a live item")

	f.Trash(f.Alice, it.ID)
	_, err = f.Svc.ItemImpact(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, shelf.ENOTFOUND, "trash impact of a trashed item")
	im, err = f.Svc.PurgeImpact(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "purge impact")
	if im.Action != "purge" || im.Notes != 3 || im.Loans != 3 || im.ActiveLoans != 0 {
		t.Errorf("purge impact: want purge, 3 notes, 3 loans; got %+v", im)
	}

	empty := f.Item(f.Alice, "Empty")
	im, err = f.Svc.ItemImpact(f.Ctx, f.Alice, empty.ID)
	WantCode(t, err, "", "impact of a bare item")
	if im.Notes != 0 || im.Loans != 0 || im.ActiveLoans != 0 {
		t.Errorf("impact of a bare item: want zeros, got %+v", im)
	}
}

func testUniqueNameAmongLiveOnly(t *testing.T, f *Fixture) {
	drill := f.Item(f.Alice, "Drill")
	_, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "dRILL"})
	WantCode(t, err, shelf.ENAMETAKEN, "create a case-insensitive duplicate")
	wantBlocker(t, shelf.AsError(err).Blockers, "item", drill.ID, "Drill")
	_, err = f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "  Drill  "})
	WantCode(t, err, shelf.ENAMETAKEN, "create a duplicate with spaces around")
	if n := f.Count("SELECT count(*) FROM items WHERE owner_id = %d", f.Alice.UserID); n != 1 {
		t.Fatalf("Alice's items: want 1 after refused duplicates, got %d", n)
	}

	// Names are per owner.
	f.Item(f.Bob, "Drill")

	// Renaming onto a live name is refused too.
	saw := f.Item(f.Alice, "Saw")
	_, err = f.Svc.UpdateItem(f.Ctx, f.Alice, saw.ID, shelf.ItemInput{Name: "DRILL"}, 0)
	WantCode(t, err, shelf.ENAMETAKEN, "rename onto a live name")
	// Renaming an item to its own name in another case is fine.
	_, err = f.Svc.UpdateItem(f.Ctx, f.Alice, saw.ID, shelf.ItemInput{Name: "SAW"}, 0)
	WantCode(t, err, "", "rename to the same name in another case")

	// A trashed name can be reused.
	f.Trash(f.Alice, drill.ID)
	again, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "drill"})
	WantCode(t, err, "", "create with the name of a trashed item")
	if again.ID == drill.ID {
		t.Fatalf("new item: want a new id, got the trashed one's")
	}
	f.Trash(f.Alice, again.ID)
	// Two trashed items may share a name.
	if n := f.Count("SELECT count(*) FROM items WHERE owner_id = %d AND lower(name) = 'drill' AND deleted_at IS NOT NULL", f.Alice.UserID); n != 2 {
		t.Errorf("trashed items named drill: want 2, got %d", n)
	}

	// Categories: unique per owner, case-insensitively.
	tools := f.Category(f.Alice, "Tools")
	_, err = f.Svc.CreateCategory(f.Ctx, f.Alice, "TOOLS")
	WantCode(t, err, shelf.ENAMETAKEN, "create a duplicate category")
	wantBlocker(t, shelf.AsError(err).Blockers, shelf.BlockCategory, tools.ID, "Tools")
	f.Category(f.Bob, "tools")
}
