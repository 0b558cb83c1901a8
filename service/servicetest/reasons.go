package servicetest

import (
	"encoding/json"
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

	_, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, b.ID}, long)
	WantCode(t, err, shelf.EINVALID, "bulk delete with a reason over 1000 characters")
	if !f.IsLive(a.ID) || !f.IsLive(b.ID) || f.AuditTotal() != 0 {
		t.Fatalf("a refused bulk delete changed something: live %v %v, %d events", f.IsLive(a.ID), f.IsLive(b.ID), f.AuditTotal())
	}
	// The limit counts characters, not bytes: 1000 two-byte letters pass.
	if _, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{c.ID}, strings.Repeat("é", 1000)); err != nil {
		t.Fatalf("bulk delete with a reason of 1000 characters (2000 bytes): %v", err)
	}
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, b.ID}, "  moving out \n"); err != nil {
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

	_, err = f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, long)
	WantCode(t, err, shelf.EINVALID, "empty the Trash with a reason over 1000 characters")
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_at IS NOT NULL"); n != 3 {
		t.Fatalf("a refused empty Trash purged something: %d items left, want 3", n)
	}
	if n, err := f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, "spring cleaning"); err != nil || n != 3 {
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
