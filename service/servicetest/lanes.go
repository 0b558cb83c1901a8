package servicetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/store"
)

// testAuditLanes: each owner's events go to their own lane, numbered from 1
// with each event linked to the one before it in that lane; ids are unique
// across lanes; verify walks every lane and names the first altered event.
func testAuditLanes(t *testing.T, f *Fixture) {
	if store.LaneOf(&f.Alice.UserID) == store.LaneOf(&f.Bob.UserID) {
		t.Fatalf("the fixture's users share a lane (%d); the rule needs two", store.LaneOf(&f.Alice.UserID))
	}
	var alice, bob []int64
	for i := range 3 {
		alice = append(alice, f.Item(f.Alice, fmt.Sprintf("A%d", i)).ID)
		bob = append(bob, f.Item(f.Bob, fmt.Sprintf("B%d", i)).ID)
	}
	for i := range 3 {
		f.Trash(f.Alice, alice[i])
		f.Trash(f.Bob, bob[i])
	}
	// An admin's bulk delete over both users writes to both lanes at once.
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, alice[0], ""); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Bob, bob[0], ""); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if res, err := f.Svc.TrashItems(f.Ctx, f.Admin, []int64{bob[0], alice[0]}, shelf.Confirmation{}); err != nil || len(res.Trashed) != 2 {
		t.Fatalf("an admin's bulk delete over two users: want both trashed, got %+v, %v", res, err)
	}

	events := f.StoredEvents()
	seq := map[int]int64{}
	prev := map[int]string{}
	ids := map[int64]bool{}
	for _, e := range events {
		if e.OwnerID == nil {
			t.Fatalf("event %d (%s): want its owner recorded, got none", e.ID, e.Action)
		}
		if want := store.LaneOf(e.OwnerID); e.Lane != want {
			t.Errorf("event %d of owner %d: want lane %d, got %d", e.ID, *e.OwnerID, want, e.Lane)
		}
		if e.Seq != seq[e.Lane]+1 || e.PrevHash != prev[e.Lane] || e.HashFormat != 2 || e.Hash != store.ChainHash(e) {
			t.Errorf("event %d: want number %d of lane %d, linked to %q, hash format 2 and its own hash; got %+v",
				e.ID, seq[e.Lane]+1, e.Lane, prev[e.Lane], e)
		}
		if ids[e.ID] {
			t.Errorf("event id %d used twice", e.ID)
		}
		ids[e.ID] = true
		seq[e.Lane], prev[e.Lane] = e.Seq, e.Hash
	}
	if len(events) != 6+2+2 || seq[store.LaneOf(&f.Alice.UserID)] != 5 || seq[store.LaneOf(&f.Bob.UserID)] != 5 {
		t.Fatalf("want 5 events in each of two lanes, got %d events in lanes %v", len(events), seq)
	}
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != len(events) {
		t.Fatalf("verify: want %d events intact, got %d, %+v, %v", len(events), n, brk, err)
	}

	// Bob's third event removed: his lane breaks at his fourth, whatever
	// Alice's lane holds in between.
	var bobs []shelf.AuditEvent
	for _, e := range events {
		if *e.OwnerID == f.Bob.UserID {
			bobs = append(bobs, e)
		}
	}
	if !f.unprotected(t, fmt.Sprintf("DELETE FROM audit_events WHERE id = %d", bobs[2].ID)) {
		return
	}
	_, brk, err = f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk == nil || brk.ID != bobs[3].ID || !strings.Contains(brk.Reason, "events are missing") {
		t.Errorf("a lane with an event removed: want a break at event %d saying events are missing, got %+v, %v", bobs[3].ID, brk, err)
	}
	// An event moved to another lane no longer matches its hash.
	if !f.unprotected(t, fmt.Sprintf("UPDATE audit_events SET lane = %d, seq = 1000 WHERE id = %d", store.LaneOf(&f.Alice.UserID), bobs[0].ID)) {
		return
	}
	_, brk, err = f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk == nil || brk.ID > bobs[0].ID {
		t.Errorf("an event moved to another lane: want a break at or before event %d, got %+v, %v", bobs[0].ID, brk, err)
	}
}

// testAuditAnchorBindsLanes: an anchor event records every lane's head, is
// written only when a lane moved, and makes verify detect a lane whose
// newest events were removed, which the lane's own chain cannot show.
func testAuditAnchorBindsLanes(t *testing.T, f *Fixture) {
	sys := shelf.System("anchor")
	if head, err := f.Svc.AnchorAudit(f.Ctx, sys); err != nil || head != (store.AuditAnchor{}) || f.AuditTotal() != 0 {
		t.Fatalf("anchor an empty log: want nothing written and no head, got %v, %v, %d events", head, err, f.AuditTotal())
	}
	if _, err := f.Svc.AnchorAudit(f.Ctx, f.Admin); shelf.ErrorCode(err) != shelf.EFORBIDDEN {
		t.Errorf("an admin asking to anchor: want %s (only Shelf anchors), got %v", shelf.EFORBIDDEN, err)
	}
	var bobs []int64
	for i := range 3 {
		f.Trash(f.Alice, f.Item(f.Alice, fmt.Sprintf("A%d", i)).ID)
		bobs = append(bobs, f.Item(f.Bob, fmt.Sprintf("B%d", i)).ID)
		f.Trash(f.Bob, bobs[i])
	}
	head, err := f.Svc.AnchorAudit(f.Ctx, sys)
	if err != nil || head.ID == 0 {
		t.Fatalf("anchor: %v, %v", head, err)
	}
	events := f.StoredEvents()
	anchor := events[len(events)-1]
	if anchor.ID != head.ID || anchor.Action != shelf.ActionAuditAnchor || anchor.Lane != 0 || anchor.OwnerID != nil {
		t.Fatalf("anchor: want the newest event, an owner-less %s in lane 0, got %+v", shelf.ActionAuditAnchor, anchor)
	}
	var snap store.AnchorSnapshot
	if err := json.Unmarshal(anchor.Snapshot, &snap); err != nil {
		t.Fatalf("anchor snapshot %s: %v", anchor.Snapshot, err)
	}
	want := map[int]store.LaneHead{}
	for _, e := range events[:len(events)-1] {
		want[e.Lane] = store.LaneHead{Lane: e.Lane, Seq: e.Seq, Hash: e.Hash}
	}
	if len(snap.Lanes) != len(want) {
		t.Errorf("anchor: want the heads of %d lanes, got %+v", len(want), snap.Lanes)
	}
	for _, h := range snap.Lanes {
		if want[h.Lane] != h {
			t.Errorf("anchor: lane %d's head: want %+v, got %+v", h.Lane, want[h.Lane], h)
		}
	}
	if again, err := f.Svc.AnchorAudit(f.Ctx, sys); err != nil || again != head || f.AuditTotal() != len(events) {
		t.Errorf("anchor again with no lane moved: want the same head %v and nothing written, got %v, %v, %d events", head, again, err, f.AuditTotal())
	}
	if c, err := f.Svc.CheckAudit(f.Ctx, nil); err != nil || c.Break != nil || c.Head != head {
		t.Fatalf("check: want no break and the anchor as head, got %+v, %v", c, err)
	}

	// Bob's newest event removed: his lane alone still holds, but it ends
	// below the head the anchor recorded.
	if !f.unprotected(t, fmt.Sprintf("DELETE FROM audit_events WHERE action = %s AND entity_id = %d",
		Quote(shelf.ActionItemTrash), bobs[2])) {
		return
	}
	c, err := f.Svc.CheckAudit(f.Ctx, nil)
	if err != nil || c.Break == nil || c.Break.ID != head.ID || !strings.Contains(c.Break.Reason, "newest events were removed") {
		t.Errorf("a lane cut short below the anchor: want a break at anchor %d saying its newest events were removed, got %+v, %v", head.ID, c.Break, err)
	}
}

// testAuditLanesUnderConcurrentWriters: users in different lanes write at
// once, with admins' bulk deletes and purges spanning their lanes; every
// lane verifies afterwards and ids grow with each lane's numbers.
func testAuditLanesUnderConcurrentWriters(t *testing.T, f *Fixture) {
	users := []shelf.Actor{f.Alice, f.Bob, f.AddUser("carol@example.com", "Carol", shelf.RoleMember)}
	const per = 6
	items := make([][]int64, len(users))
	for u, a := range users {
		for i := range per {
			items[u] = append(items[u], f.Item(a, fmt.Sprintf("u%d-%d", u, i)).ID)
		}
	}
	errs := make([]error, len(users)+1)
	Together(len(users)+1, func(w int) {
		if w == len(users) {
			// an admin deletes one item of each user at once, several times
			for i := 0; i < per; i += 2 {
				var ids []int64
				for u := range users {
					ids = append(ids, items[len(users)-1-u][i])
				}
				if _, err := f.Svc.TrashItems(f.Ctx, f.Admin, ids, shelf.Confirmation{}); err != nil {
					errs[w] = err
					return
				}
			}
			return
		}
		for i := 1; i < per; i += 2 {
			if _, err := f.Svc.TrashItem(f.Ctx, users[w], items[w][i], 0); err != nil {
				errs[w] = err
				return
			}
		}
	})
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	f.Clock.Advance(time.Hour)
	if _, err := f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("purge"), f.Clock.Now(), 4, nil); err != nil {
		t.Fatalf("purge across lanes: %v", err)
	}
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != 2*len(users)*per {
		t.Errorf("lanes after concurrent writers: want %d events intact, got %d, %+v, %v", 2*len(users)*per, n, brk, err)
	}
}
