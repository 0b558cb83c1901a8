package servicetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shelf"
)

func testRestoreNameConflict(t *testing.T, f *Fixture) {
	old := f.Item(f.Alice, "Lamp")
	f.Note(f.Alice, old.ID, "the brass one")
	f.Trash(f.Alice, old.ID)
	live := f.Item(f.Alice, "LAMP")

	_, err := f.Svc.RestoreItem(f.Ctx, f.Alice, old.ID, "")
	WantCode(t, err, shelf.ENAMETAKEN, "restore under a name a live item uses")
	wantBlocker(t, shelf.AsError(err).Blockers, "item", live.ID, "LAMP")
	if !f.IsTrashed(old.ID) {
		t.Fatalf("item %d: want it still in the Trash after a refused restore", old.ID)
	}
	if n := f.Audits(shelf.ActionItemRestore, old.ID); n != 0 {
		t.Errorf("item.restore events after a refused restore: want 0, got %d", n)
	}

	// A new name that clashes too is refused; an invalid one is invalid.
	_, err = f.Svc.RestoreItem(f.Ctx, f.Alice, old.ID, "lamp")
	WantCode(t, err, shelf.ENAMETAKEN, "restore under another clashing name")
	_, err = f.Svc.RestoreItem(f.Ctx, f.Alice, old.ID, "bad\nname")
	WantCode(t, err, shelf.EINVALID, "restore under an invalid name")

	got, err := f.Svc.RestoreItem(f.Ctx, f.Alice, old.ID, "Lamp (brass)")
	WantCode(t, err, "", "restore under a new name")
	if got.Name != "Lamp (brass)" || got.Trashed() {
		t.Errorf("restored item: want live and named %q, got %+v", "Lamp (brass)", got)
	}
	if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_at IS NULL AND name = %s", old.ID, Quote("Lamp (brass)")); n != 1 {
		t.Errorf("item %d row: want live under the new name, got %d matching rows", old.ID, n)
	}
	if n := f.Count("SELECT count(*) FROM notes WHERE item_id = %d", old.ID); n != 1 {
		t.Errorf("notes of the restored item: want 1, got %d", n)
	}
	events := f.EventsOf(shelf.ActionItemRestore, old.ID)
	if len(events) != 1 || !strings.Contains(events[0].Summary, "Lamp (brass)") {
		t.Errorf("item.restore events: want one naming the new name, got %+v", events)
	}
}

func testRestoreLiveItemNotFound(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Chair")
	_, err := f.Svc.RestoreItem(f.Ctx, f.Alice, it.ID, "")
	WantCode(t, err, shelf.ENOTFOUND, "restore a live item")
	_, err = f.Svc.RestoreItem(f.Ctx, f.Alice, 424242, "")
	WantCode(t, err, shelf.ENOTFOUND, "restore a missing item")
	_, err = f.Svc.RestoreCohort(f.Ctx, f.Alice, "no-such-cohort")
	WantCode(t, err, shelf.ENOTFOUND, "restore an unknown cohort")
	_, err = f.Svc.RestoreCohort(f.Ctx, f.Alice, "")
	WantCode(t, err, shelf.EINVALID, "restore an empty cohort")
	if n := f.AuditTotal(); n != 0 {
		t.Errorf("audit events: want 0, got %d", n)
	}
}

func testRestoreCohortExactlyOneRequest(t *testing.T, f *Fixture) {
	var items []shelf.Item
	for i := range 6 {
		items = append(items, f.Item(f.Alice, fmt.Sprintf("Box %d", i)))
	}
	a, b, c, d, e, kept := items[0], items[1], items[2], items[3], items[4], items[5]

	earlier := f.Trash(f.Alice, a.ID)
	f.Clock.Advance(time.Second)
	bulk, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{b.ID, c.ID, d.ID}, shelf.Confirmation{})
	WantCode(t, err, "", "bulk trash")
	if bulk.Cohort == "" || bulk.Cohort == earlier {
		t.Fatalf("bulk cohort: want a new cohort id, got %q (earlier delete: %q)", bulk.Cohort, earlier)
	}
	f.Clock.Advance(time.Second)
	later := f.Trash(f.Alice, e.ID)
	if later == bulk.Cohort || later == earlier {
		t.Fatalf("cohorts: want three distinct ids, got %q, %q, %q", earlier, bulk.Cohort, later)
	}
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_cohort = %s", Quote(bulk.Cohort)); n != 3 {
		t.Fatalf("items stamped with the bulk cohort: want 3, got %d", n)
	}

	res, err := f.Svc.RestoreCohort(f.Ctx, f.Alice, bulk.Cohort)
	WantCode(t, err, "", "restore the bulk cohort")
	if got, want := sortedIDs(itemIDs(res.Restored)), sortedIDs([]int64{b.ID, c.ID, d.ID}); !slices.Equal(got, want) {
		t.Errorf("restored: want %v, got %v", want, got)
	}
	if len(res.Conflicts) != 0 {
		t.Errorf("conflicts: want none, got %+v", res.Conflicts)
	}
	for _, it := range []shelf.Item{b, c, d, kept} {
		if !f.IsLive(it.ID) {
			t.Errorf("item %d (%s): want live", it.ID, it.Name)
		}
	}
	for _, it := range []shelf.Item{a, e} {
		if !f.IsTrashed(it.ID) {
			t.Errorf("item %d (%s): want still in the Trash (another request trashed it)", it.ID, it.Name)
		}
	}
	if n := f.Count("SELECT count(*) FROM audit_events WHERE action = %s AND cohort = %s", Quote(shelf.ActionItemRestore), Quote(bulk.Cohort)); n != 3 {
		t.Errorf("item.restore events with the bulk cohort: want 3, got %d", n)
	}

	// Undoing the same request again finds nothing left.
	_, err = f.Svc.RestoreCohort(f.Ctx, f.Alice, bulk.Cohort)
	WantCode(t, err, shelf.ENOTFOUND, "restore the bulk cohort twice")

	// A cohort whose item's name is taken restores the rest and reports it.
	f.Clock.Advance(time.Second)
	again, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{b.ID, c.ID}, shelf.Confirmation{})
	WantCode(t, err, "", "bulk trash again")
	clash := f.Item(f.Alice, b.Name)
	res, err = f.Svc.RestoreCohort(f.Ctx, f.Alice, again.Cohort)
	WantCode(t, err, "", "restore a cohort with a name conflict")
	if got := itemIDs(res.Restored); !slices.Equal(got, []int64{c.ID}) {
		t.Errorf("restored: want [%d], got %v", c.ID, got)
	}
	want := shelf.BulkBlocker{Blocker: shelf.Blocker{Type: shelf.BlockItem, ID: clash.ID, Label: clash.Name}, ItemID: b.ID}
	if len(res.Conflicts) != 1 || res.Conflicts[0] != want {
		t.Errorf("conflicts: want %+v (the live item that holds the name of item %d), got %+v", want, b.ID, res.Conflicts)
	}
	if !f.IsTrashed(b.ID) || !f.IsLive(clash.ID) {
		t.Errorf("want item %d still trashed and item %d live", b.ID, clash.ID)
	}
}
