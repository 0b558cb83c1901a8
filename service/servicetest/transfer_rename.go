package servicetest

import (
	"testing"

	"shelf"
)

// testTransferRenamesClashes: a transfer asked to rename gives each live
// item whose name the recipient uses a name that neither user has, in the
// same transaction, and the audit events keep both names; a transfer that
// is refused renames nothing.
func testTransferRenamesClashes(t *testing.T, f *Fixture) {
	bob, err := f.Svc.User(f.Ctx, f.Admin, f.Bob.UserID)
	if err != nil {
		t.Fatal(err)
	}
	drill := f.Item(f.Bob, "Drill")
	saw := f.Item(f.Bob, "Saw")
	level := f.Item(f.Bob, "Level")
	f.Item(f.Bob, "Saw (from "+bob.Name+")") // taken on the giver's side
	glue := f.Item(f.Bob, "Glue")
	f.Trash(f.Bob, glue.ID)
	f.Item(f.Alice, "drill")
	f.Item(f.Alice, "Drill (from "+bob.Name+")") // taken on the receiver's side
	f.Item(f.Alice, "SAW")

	// Refused for a hold: nothing is renamed.
	uid := f.Bob.UserID
	h := f.hold(shelf.HoldInput{UserID: &uid, Reason: "audit"})
	_, err = f.Svc.TransferItemsRenaming(f.Ctx, f.Admin, f.Bob.UserID, f.Alice.UserID)
	WantCode(t, err, shelf.EHELD, "renaming transfer of held things")
	if c := f.Count("SELECT count(*) FROM items WHERE owner_id = %d AND name IN ('Drill', 'Saw')", f.Bob.UserID); c != 2 {
		t.Fatalf("a refused transfer renamed items: %d of Drill and Saw left", c)
	}
	if err := f.Svc.ReleaseHold(f.Ctx, f.Admin, h.ID); err != nil {
		t.Fatal(err)
	}

	// Without renaming, the clash names what blocks and how to resolve it.
	_, err = f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, f.Alice.UserID)
	WantCode(t, err, shelf.ENAMETAKEN, "transfer with clashes")
	if e := shelf.AsError(err); len(e.Blockers) != 2 {
		t.Errorf("clash blockers: want Drill and Saw, got %+v", e.Blockers)
	}

	res, err := f.Svc.TransferItemsRenaming(f.Ctx, f.Admin, f.Bob.UserID, f.Alice.UserID)
	WantCode(t, err, "", "renaming transfer")
	if res.Transferred != 5 {
		t.Errorf("transferred: want 5, got %d", res.Transferred)
	}
	want := map[int64]string{drill.ID: "Drill (from " + bob.Name + ") 2", saw.ID: "Saw (from " + bob.Name + ") 2"}
	if len(res.Renamed) != 2 {
		t.Fatalf("renamed: want Drill and Saw, got %+v", res.Renamed)
	}
	for _, r := range res.Renamed {
		if want[r.ID] != r.To || (r.From != "Drill" && r.From != "Saw") {
			t.Errorf("renamed %+v: want %q", r, want[r.ID])
		}
	}
	for id, name := range want {
		it, err := f.Svc.Item(f.Ctx, f.Alice, id)
		if err != nil || it.Name != name || it.OwnerID != f.Alice.UserID {
			t.Errorf("item %d: want Alice's %q, got %+v (%v)", id, name, it, err)
		}
	}
	if it, _ := f.Svc.Item(f.Ctx, f.Alice, level.ID); it.Name != "Level" {
		t.Errorf("an item that did not clash was renamed to %q", it.Name)
	}
	events := f.EventsOf(shelf.ActionItemsTransfer, f.Bob.UserID)
	if len(events) != 2 {
		t.Fatalf("items.transfer events: want 2, got %d", len(events))
	}
	for _, e := range events {
		rs, _ := snapshot(t, e)["renamed"].([]any)
		if len(rs) != 2 {
			t.Errorf("event %d: want both renames kept, got %s", e.ID, e.Snapshot)
			continue
		}
		if r := rs[0].(map[string]any); r["from"] == nil || r["to"] == nil {
			t.Errorf("event %d: a rename without both names: %v", e.ID, r)
		}
	}
}
