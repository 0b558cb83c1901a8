package servicetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"shelf"
)

// testReasonsKeptInAudit: the reason given for a bulk delete, emptying the
// Trash or a purge is kept, trimmed, in every audit event the request writes;
// one that is too long is refused (EINVALID) and nothing changes.
func testReasonsKeptInAudit(t *testing.T, f *Fixture) {
	reasonOf := func(e shelf.AuditEvent) string {
		t.Helper()
		var snap struct {
			Reason *string `json:"reason"`
		}
		if err := json.Unmarshal(e.Snapshot, &snap); err != nil {
			t.Fatalf("event %d: snapshot %s: %v", e.ID, e.Snapshot, err)
		}
		if snap.Reason == nil {
			return "(none)"
		}
		return *snap.Reason
	}
	a, b, c := f.Item(f.Alice, "Lamp"), f.Item(f.Alice, "Rug"), f.Item(f.Alice, "Vase")
	f.Note(f.Alice, a.ID, "one")
	long := strings.Repeat("x", 1001)

	_, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, b.ID}, shelf.Confirmation{Reason: long})
	WantCode(t, err, shelf.EINVALID, "bulk delete with a reason over 1000 characters")
	if !f.IsLive(a.ID) || !f.IsLive(b.ID) || f.AuditTotal() != 0 {
		t.Fatalf("a refused bulk delete changed something: live %v %v, %d events", f.IsLive(a.ID), f.IsLive(b.ID), f.AuditTotal())
	}
	// The limit counts characters, not bytes: 1000 two-byte letters pass.
	if _, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{c.ID}, shelf.Confirmation{Reason: strings.Repeat("é", 1000)}); err != nil {
		t.Fatalf("bulk delete with a reason of 1000 characters (2000 bytes): %v", err)
	}
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, b.ID}, shelf.Confirmation{Reason: "  moving out \n"}); err != nil {
		t.Fatalf("bulk delete: %v", err)
	}
	for _, id := range []int64{a.ID, b.ID} {
		for _, e := range f.EventsOf(shelf.ActionItemTrash, id) {
			if got := reasonOf(e); got != "moving out" {
				t.Errorf("item.trash event of %d: reason %q, want %q", id, got, "moving out")
			}
		}
	}
	// A single delete asks for no reason, and its event has none.
	f.Trash(f.Alice, c.ID)
	if events := f.EventsOf(shelf.ActionItemTrash, c.ID); len(events) != 2 {
		t.Errorf("item.trash events of %d: want 2 (bulk, then plain), got %d", c.ID, len(events))
	} else if got := reasonOf(events[0]); got != "(none)" { // newest first
		t.Errorf("item.trash event of a plain delete: reason %q, want none", got)
	}

	items, notes, loans, err := f.Svc.EmptyTrashImpact(f.Ctx, f.Alice, 0, shelf.ImpactCap)
	if err != nil || items != 3 || notes != 1 || loans != 0 {
		t.Errorf("empty-Trash impact: want 3 items, 1 note, 0 loans, got %d, %d, %d, %v", items, notes, loans, err)
	}
	_, _, _, err = f.Svc.EmptyTrashImpact(f.Ctx, f.Bob, f.Alice.UserID, shelf.ImpactCap)
	WantCode(t, err, shelf.ENOTFOUND, "a member counting another's Trash")

	_, err = f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{Reason: long})
	WantCode(t, err, shelf.EINVALID, "empty the Trash with a reason over 1000 characters")
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_at IS NOT NULL"); n != 3 {
		t.Fatalf("a refused empty Trash purged something: %d items left, want 3", n)
	}
	if n, err := Purged(f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{Reason: "spring cleaning"})); err != nil || n != 3 {
		t.Fatalf("empty the Trash: want 3 purged, got %d, %v", n, err)
	}
	for _, id := range []int64{a.ID, b.ID, c.ID} {
		events := f.EventsOf(shelf.ActionItemPurge, id)
		if len(events) != 1 {
			t.Fatalf("item.purge events of %d: want 1, got %d", id, len(events))
		}
		if got := reasonOf(events[0]); got != "spring cleaning" {
			t.Errorf("item.purge event of %d: reason %q, want %q", id, got, "spring cleaning")
		}
	}
}

// testTypedConfirmations: past the friction thresholds, a request from a
// form (Asked) must carry what the person typed, and what anyone types must
// match: the item's name for a purge, the count for a bulk delete and for
// emptying a Trash. A refusal changes nothing.
func testTypedConfirmations(t *testing.T, f *Fixture) {
	big := f.Item(f.Alice, "Diary")
	for i := 0; i <= shelf.PurgeFriction; i++ {
		f.Note(f.Alice, big.ID, fmt.Sprintf("page %d", i))
	}
	f.Trash(f.Alice, big.ID)
	asked := shelf.Confirmation{Asked: true}
	_, err := f.Svc.PurgeItem(f.Ctx, f.Alice, big.ID, asked)
	WantCode(t, err, shelf.EINVALID, "purge of a big cascade from a form, nothing typed")
	_, err = f.Svc.PurgeItem(f.Ctx, f.Alice, big.ID, shelf.Confirmation{Typed: shelf.Typed("diary")})
	WantCode(t, err, shelf.EINVALID, "purge with the wrong name typed")
	if !f.IsTrashed(big.ID) || f.Audits(shelf.ActionItemPurge, big.ID) != 0 {
		t.Fatal("a refused purge changed something")
	}
	if _, err := f.Svc.PurgeItem(f.Ctx, f.Alice, big.ID, shelf.Confirmation{Typed: shelf.Typed(" Diary "), Asked: true}); err != nil {
		t.Fatalf("purge with the name typed: %v", err)
	}

	ids := make([]int64, 0, shelf.BulkFriction+1)
	for i := 0; i <= shelf.BulkFriction; i++ {
		ids = append(ids, f.Item(f.Alice, fmt.Sprintf("Box %d", i)).ID)
	}
	_, err = f.Svc.TrashItems(f.Ctx, f.Alice, ids, asked)
	WantCode(t, err, shelf.EINVALID, "bulk delete past the threshold from a form, nothing typed")
	_, err = f.Svc.TrashItems(f.Ctx, f.Alice, ids[:2], shelf.Confirmation{Typed: shelf.Typed("3")})
	WantCode(t, err, shelf.EINVALID, "bulk delete with the wrong count typed")
	if f.Count("SELECT count(*) FROM items WHERE deleted_at IS NOT NULL") != 0 {
		t.Fatal("a refused bulk delete trashed something")
	}
	if _, err := f.Svc.TrashItems(f.Ctx, f.Alice, ids[:2], asked); err != nil {
		t.Fatalf("small bulk delete from a form needs nothing typed: %v", err)
	}
	if _, err := f.Svc.TrashItems(f.Ctx, f.Alice, ids[2:], shelf.Confirmation{Typed: shelf.Typed(fmt.Sprint(len(ids) - 2)), Asked: true}); err != nil {
		t.Fatalf("bulk delete with the count typed: %v", err)
	}

	_, err = f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, asked)
	WantCode(t, err, shelf.EINVALID, "emptying a big Trash from a form, nothing typed")
	if f.Count("SELECT count(*) FROM items WHERE deleted_at IS NOT NULL") != len(ids) {
		t.Fatal("a refused empty Trash purged something")
	}
	n, err := Purged(f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{Typed: shelf.Typed(fmt.Sprint(len(ids))), Asked: true}))
	if err != nil || n != len(ids) {
		t.Fatalf("empty the Trash with the count typed: purged %d, %v; want %d", n, err, len(ids))
	}
}
