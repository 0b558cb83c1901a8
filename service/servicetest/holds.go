package servicetest

import (
	"strings"
	"testing"
	"time"

	"shelf"
)

// hold places a hold as the admin and fails the test if it is refused.
func (f *Fixture) hold(in shelf.HoldInput) shelf.Hold {
	f.T.Helper()
	h, err := f.Svc.PlaceHold(f.Ctx, f.Admin, in)
	if err != nil {
		f.T.Fatalf("place hold %+v: %v", in, err)
	}
	return h
}

func idp(id int64) *int64 { return &id }

func testHoldKeepsItemFromPurge(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Ledger")
	f.Note(f.Alice, it.ID, "page 12")
	f.Trash(f.Alice, it.ID)
	h := f.hold(shelf.HoldInput{ItemID: idp(it.ID), Reason: "Case 2026-17"})

	im, err := f.Svc.PurgeImpact(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "purge impact of a held item")
	wantBlocker(t, im.Blockers, shelf.BlockHold, h.ID, "Case 2026-17")

	_, err = f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
	WantCode(t, err, shelf.EHELD, "delete forever a held item")
	wantBlocker(t, shelf.AsError(err).Blockers, shelf.BlockHold, h.ID, "Case 2026-17")
	if !f.IsTrashed(it.ID) || f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID) != 1 {
		t.Fatalf("item %d: want it in the Trash with its note after a refused purge", it.ID)
	}
	if n := f.Audits(shelf.ActionItemPurge, it.ID); n != 0 {
		t.Errorf("item.purge events of a held item: want 0, got %d", n)
	}
	// The schema refuses it too, whatever the code above it does.
	if err := f.Exec("DELETE FROM items WHERE id = %d", it.ID); err == nil || !f.Exists("items", it.ID) {
		t.Errorf("raw delete of a held item: want the schema to refuse it, got %v", err)
	}

	// Trash and restore still work on a held item.
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, it.ID, ""); err != nil {
		t.Fatalf("restore a held item: %v", err)
	}
	f.Trash(f.Alice, it.ID)

	WantCode(t, f.Svc.ReleaseHold(f.Ctx, f.Admin, h.ID), "", "release the hold")
	WantCode(t, f.Svc.ReleaseHold(f.Ctx, f.Admin, h.ID), shelf.ENOTFOUND, "release it again")
	_, err = f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
	WantCode(t, err, "", "delete forever after release")
	if f.Exists("items", it.ID) {
		t.Errorf("item %d: want it purged after the hold's release", it.ID)
	}
}

func testHoldKeepsUsersTrash(t *testing.T, f *Fixture) {
	const day = 24 * time.Hour
	a1, a2 := f.Item(f.Alice, "Box 1"), f.Item(f.Alice, "Box 2")
	b1 := f.Item(f.Bob, "Crate")
	for _, it := range []shelf.Item{a1, a2} {
		f.Trash(f.Alice, it.ID)
	}
	f.Trash(f.Bob, b1.ID)
	h := f.hold(shelf.HoldInput{UserID: idp(f.Alice.UserID), Reason: "Audit of Alice"})

	res, err := f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	WantCode(t, err, "", "empty a held user's Trash")
	if res.Purged != 0 || len(res.Blocked) != 2 {
		t.Fatalf("empty held Trash: want 0 purged and 2 blocked, got %+v", res)
	}
	for i, want := range []int64{a1.ID, a2.ID} {
		if b := res.Blocked[i]; b.ItemID != want || b.Type != shelf.BlockHold || b.ID != h.ID || b.Label != "Audit of Alice" {
			t.Errorf("blocked[%d]: want item %d kept by hold %d, got %+v", i, want, h.ID, b)
		}
	}
	if !f.IsTrashed(a1.ID) || !f.IsTrashed(a2.ID) {
		t.Fatalf("Alice's held items: want them still in the Trash")
	}

	// The retention purge passes over held items and purges the rest.
	f.Clock.Advance(31 * day)
	n, err := f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("retention"), f.Clock.Now().Add(-30*day), 1, nil)
	WantCode(t, err, "", "retention purge with held items")
	if n != 1 || f.Exists("items", b1.ID) || !f.IsTrashed(a1.ID) || !f.IsTrashed(a2.ID) {
		t.Errorf("retention purge: want Bob's item purged (1) and Alice's kept, got %d purged", n)
	}

	// A held user is not deleted, and their items not transferred away.
	_, err = f.Svc.TransferItems(f.Ctx, f.Admin, f.Alice.UserID, f.Bob.UserID)
	WantCode(t, err, shelf.EHELD, "transfer a held user's items")
	bob := f.hold(shelf.HoldInput{UserID: idp(f.Bob.UserID), Reason: "Bob too"})
	_, err = f.Svc.DeleteUser(f.Ctx, f.Admin, f.Bob.UserID)
	WantCode(t, err, shelf.EHELD, "delete a held user who owns nothing")
	wantBlocker(t, shelf.AsError(err).Blockers, shelf.BlockHold, bob.ID, "Bob too")

	// After the release, the purge resumes where it left off.
	WantCode(t, f.Svc.ReleaseHold(f.Ctx, f.Admin, h.ID), "", "release Alice's hold")
	n, err = f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("retention"), f.Clock.Now().Add(-30*day), 0, nil)
	if err != nil || n != 2 || f.Exists("items", a1.ID) || f.Exists("items", a2.ID) {
		t.Errorf("retention purge after release: want Alice's 2 items purged, got %d, %v", n, err)
	}
}

func testHoldsPlacedByAdminsAndAudited(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Drill")
	for _, tc := range []struct {
		what  string
		a     shelf.Actor
		in    shelf.HoldInput
		code  string
		field string
	}{
		{"member", f.Alice, shelf.HoldInput{ItemID: idp(it.ID), Reason: "mine"}, shelf.EFORBIDDEN, ""},
		{"neither target", f.Admin, shelf.HoldInput{Reason: "why"}, shelf.EINVALID, "user_id"},
		{"both targets", f.Admin, shelf.HoldInput{UserID: idp(f.Alice.UserID), ItemID: idp(it.ID), Reason: "why"}, shelf.EINVALID, "user_id"},
		{"no reason", f.Admin, shelf.HoldInput{ItemID: idp(it.ID), Reason: "  "}, shelf.EINVALID, "reason"},
		{"long reason", f.Admin, shelf.HoldInput{ItemID: idp(it.ID), Reason: strings.Repeat("é", shelf.MaxHoldReason+1)}, shelf.EINVALID, "reason"},
		{"missing user", f.Admin, shelf.HoldInput{UserID: idp(424242), Reason: "why"}, shelf.EINVALID, "user_id"},
		{"missing item", f.Admin, shelf.HoldInput{ItemID: idp(424242), Reason: "why"}, shelf.EINVALID, "item_id"},
	} {
		_, err := f.Svc.PlaceHold(f.Ctx, tc.a, tc.in)
		WantCode(t, err, tc.code, "place a hold: "+tc.what)
		if tc.field != "" && shelf.AsError(err).Fields[tc.field] == "" {
			t.Errorf("place a hold: %s: want an error on %s, got %v", tc.what, tc.field, shelf.AsError(err).Fields)
		}
	}
	if n := f.Count("SELECT count(*) FROM holds"); n != 0 || f.AuditTotal() != 0 {
		t.Fatalf("refused holds: want no rows and no events, got %d holds, %d events", n, f.AuditTotal())
	}

	h := f.hold(shelf.HoldInput{ItemID: idp(it.ID), Reason: "  Case 9  "})
	if h.Reason != "Case 9" || h.PlacedBy == nil || *h.PlacedBy != f.Admin.UserID {
		t.Errorf("placed hold: want the trimmed reason and the admin as placer, got %+v", h)
	}
	got, err := f.Svc.Hold(f.Ctx, f.Admin, h.ID)
	if err != nil || got.ID != h.ID || got.ItemID == nil || *got.ItemID != it.ID {
		t.Errorf("hold %d: want it back, got %+v, %v", h.ID, got, err)
	}
	_, err = f.Svc.Hold(f.Ctx, f.Alice, h.ID)
	WantCode(t, err, shelf.EFORBIDDEN, "a member reads a hold")
	list, err := f.Svc.Holds(f.Ctx, f.Admin)
	if err != nil || len(list) != 1 {
		t.Errorf("holds: want 1, got %d, %v", len(list), err)
	}
	WantCode(t, f.Svc.ReleaseHold(f.Ctx, f.Alice, h.ID), shelf.EFORBIDDEN, "a member releases a hold")
	WantCode(t, f.Svc.ReleaseHold(f.Ctx, f.Admin, h.ID), "", "release")

	for _, action := range []string{shelf.ActionHoldPlace, shelf.ActionHoldRelease} {
		events := f.EventsOf(action, h.ID)
		if len(events) != 1 {
			t.Fatalf("%s events: want 1, got %d", action, len(events))
		}
		e := events[0]
		if e.EntityType != "hold" || e.ActorID == nil || *e.ActorID != f.Admin.UserID || e.OwnerID != nil ||
			!strings.Contains(string(e.Snapshot), "Case 9") {
			t.Errorf("%s event: want the admin's, about the hold, without an owner, keeping the reason; got %+v", action, e)
		}
	}
	if n := f.Count("SELECT count(*) FROM holds"); n != 0 {
		t.Errorf("holds after release: want 0 rows, got %d", n)
	}
}
