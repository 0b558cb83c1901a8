package servicetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"shelf"
	"shelf/store"
)

// events reads every event after cursor that filter selects, as the stream
// and webhooks do, and fails the test on an error.
func (f *Fixture) events(after string, owner *int64) []shelf.Event {
	f.T.Helper()
	evs, err := f.Svc.Events(f.Ctx, shelf.EventFilter{After: after, OwnerID: owner})
	if err != nil {
		f.T.Fatalf("events after %q: %v", after, err)
	}
	return evs
}

// eventsUntil reads events after cursor until it has want of them, or fails
// after a deadline. On PostgreSQL an event is read only once every
// transaction older than it has ended, anywhere on the server (see
// store/events.go), so a test on a shared server may have to wait for
// others' transactions.
func (f *Fixture) eventsUntil(after string, owner *int64, want int) []shelf.Event {
	f.T.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs := f.events(after, owner)
		if len(evs) >= want || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *Fixture) head() string {
	f.T.Helper()
	h, err := f.Svc.EventHead(f.Ctx)
	if err != nil {
		f.T.Fatalf("event head: %v", err)
	}
	return h
}

func eventSummary(evs []shelf.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%s %s#%d", e.Action, e.EntityType, e.EntityID))
	}
	return out
}

// testEventsAreCommittedAuditEvents: every audit event is a change event,
// read back after commit with its owner and cohort; a write that rolls back
// leaves none, and the head is where "from now on" starts.
func testEventsAreCommittedAuditEvents(t *testing.T, f *Fixture) {
	before := f.head()
	old := f.Item(f.Alice, "Old lamp")
	f.Trash(f.Alice, old.ID)
	f.eventsUntil(before, nil, 1) // note: readable, so behind the head below
	head := f.head()
	if evs := f.events(head, nil); len(evs) != 0 {
		t.Fatalf("events after the head: want none, got %v", eventSummary(evs))
	}

	it := f.Item(f.Alice, "Kettle")
	cohort := f.Trash(f.Alice, it.ID)
	// A write that appends its audit event and then fails leaves no event.
	boom := errors.New("boom")
	err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
		if _, err := tx.AppendAudit(f.Ctx, shelf.AuditEvent{At: f.Clock.Now(), Action: shelf.ActionItemTrash,
			EntityType: "item", EntityID: 999, Summary: "rolled back", OwnerID: &f.Alice.UserID}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing write: want its own error, got %v", err)
	}
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, it.ID, ""); err != nil {
		t.Fatalf("restore: %v", err)
	}

	evs := f.eventsUntil(head, nil, 2)
	if got := eventSummary(evs); fmt.Sprint(got) != fmt.Sprint([]string{"item.trash item#" + fmt.Sprint(it.ID), "item.restore item#" + fmt.Sprint(it.ID)}) {
		t.Fatalf("events after the head: want the trash and the restore of item %d only, got %v", it.ID, got)
	}
	e := evs[0]
	if e.OwnerID == nil || *e.OwnerID != f.Alice.UserID {
		t.Fatalf("event owner: want Alice (%d), got %v", f.Alice.UserID, e.OwnerID)
	}
	if e.Cohort == nil || *e.Cohort != cohort {
		t.Fatalf("event cohort: want %q, got %v", cohort, e.Cohort)
	}
	if e.Summary == "" || e.At.IsZero() || e.Cursor == "" || e.Cursor == evs[1].Cursor {
		t.Fatalf("event: want a summary, a time and a cursor of its own, got %+v", e)
	}
	// The audit API carries the owner too.
	if a := f.EventsOf(shelf.ActionItemTrash, it.ID); len(a) != 1 || a[0].OwnerID == nil || *a[0].OwnerID != f.Alice.UserID {
		t.Fatalf("audit event of the trash: want owner %d, got %+v", f.Alice.UserID, a)
	}
	if after := f.events(evs[0].Cursor, nil); len(after) != 1 || after[0].ID != evs[1].ID {
		t.Fatalf("events after the first: want only the restore, got %v", eventSummary(after))
	}
	if last := f.events(evs[1].Cursor, nil); len(last) != 0 {
		t.Fatalf("events after the last: want none, got %v", eventSummary(last))
	}
	if _, err := f.Svc.Events(f.Ctx, shelf.EventFilter{After: "not a cursor"}); shelf.ErrorCode(err) != shelf.EMALFORMED {
		t.Fatalf("events after a bad cursor: want a malformed error, got %v", err)
	}
}

// testEventsScopedByOwner: an owner filter gives that owner's things only,
// and Until bounds a catch-up.
func testEventsScopedByOwner(t *testing.T, f *Fixture) {
	head := f.head()
	a := f.Item(f.Alice, "Alice's saw")
	b := f.Item(f.Bob, "Bob's drill")
	f.Trash(f.Alice, a.ID)
	f.Trash(f.Bob, b.ID)
	c := f.Category(f.Bob, "Tools")
	if _, err := f.Svc.DeleteCategory(f.Ctx, f.Admin, c.ID); err != nil {
		t.Fatalf("delete category: %v", err)
	}
	bob := f.eventsUntil(head, &f.Bob.UserID, 2)
	if got := eventSummary(bob); fmt.Sprint(got) != fmt.Sprint([]string{fmt.Sprintf("item.trash item#%d", b.ID), fmt.Sprintf("category.delete category#%d", c.ID)}) {
		t.Fatalf("Bob's events: want his trash and his category, got %v", got)
	}
	all := f.eventsUntil(head, nil, 3)
	if len(all) != 3 {
		t.Fatalf("everyone's events: want 3, got %v", eventSummary(all))
	}
	until, err := f.Svc.Events(f.Ctx, shelf.EventFilter{After: head, Until: all[1].Cursor})
	if err != nil || len(until) != 2 || until[1].ID != all[1].ID {
		t.Fatalf("events up to the second: want the first two, got %v (%v)", eventSummary(until), err)
	}
	if scope, err := f.Svc.EventScope(f.Alice, true); shelf.ErrorCode(err) != shelf.EFORBIDDEN || scope != nil {
		t.Fatalf("a member asking for everyone's events: want forbidden, got %v %v", scope, err)
	}
	if scope, err := f.Svc.EventScope(f.Admin, false); err != nil || scope == nil || *scope != f.Admin.UserID {
		t.Fatalf("an admin without all: want their own things, got %v %v", scope, err)
	}
	if scope, err := f.Svc.EventScope(f.Admin, true); err != nil || scope != nil {
		t.Fatalf("an admin with all: want everyone's, got %v %v", scope, err)
	}
	if _, err := f.Svc.EventScope(shelf.Actor{Role: shelf.RoleMember}, false); shelf.ErrorCode(err) != shelf.EUNAUTHORIZED {
		t.Fatalf("anonymous: want unauthorized, got %v", err)
	}
}

// testEventsLateCommit: on PostgreSQL, ids do not commit in id order. Two
// transactions insert events, and the one with the higher id commits first;
// a reader that follows the cursor must get both, once each, whichever of
// the two transactions took its transaction id first. (SQLite has one
// writer: there the late commit cannot happen.)
func testEventsLateCommit(t *testing.T, f *Fixture) {
	if f.DB.Engine() != "postgres" {
		t.Skip("one writer: ids commit in id order on " + f.DB.Engine())
	}
	for _, lowFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("lowerIDTakesXIDFirst=%v", lowFirst), func(t *testing.T) {
			cursor := f.head()
			base := int64(f.Count("SELECT coalesce(max(id), 0) FROM audit_events")) + 1000
			low, high := base+1, base+2
			ctx := context.Background()
			txLow, err := f.DB.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer txLow.Rollback()
			txHigh, err := f.DB.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer txHigh.Rollback()
			first, second := txLow, txHigh
			if !lowFirst {
				first, second = txHigh, txLow
			}
			// note: a transaction takes its xid at its first write.
			for _, tx := range []*sql.Tx{first, second} {
				if _, err := tx.ExecContext(ctx, `SELECT pg_current_xact_id()`); err != nil {
					t.Fatal(err)
				}
			}
			// note: each event extends the head of its owner's audit lane, and
			// the two owners' lanes differ, so neither insert waits for the
			// other's lane.
			insert := func(tx *sql.Tx, id, owner int64) {
				t.Helper()
				_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (id, at, action, entity_type, entity_id, summary, snapshot, prev_hash, hash, owner_id, lane, seq)
					SELECT $1, '2026-03-01T09:00:00.000000Z', 'item.trash', 'item', $1, 'late', '{}', l.hash, '', $2, l.lane, l.seq + 1
					FROM audit_lanes l WHERE l.lane = $3`, id, owner, store.LaneOf(&owner))
				if err != nil {
					t.Fatalf("insert event %d: %v", id, err)
				}
			}
			if store.LaneOf(&f.Alice.UserID) == store.LaneOf(&f.Bob.UserID) {
				t.Fatal("Alice and Bob share an audit lane; the test needs two")
			}
			insert(txLow, low, f.Alice.UserID)
			insert(txHigh, high, f.Bob.UserID)
			if err := txHigh.Commit(); err != nil {
				t.Fatal(err)
			}
			var got []int64
			read := func(want int) {
				t.Helper()
				for _, e := range f.eventsUntil(cursor, nil, want) {
					got = append(got, e.ID)
					cursor = e.Cursor
				}
			}
			read(0) // the higher id has committed, the lower not yet
			if lowFirst && len(got) > 0 {
				t.Fatalf("the higher id committed while the lower one's transaction, which began first, runs: want nothing read yet, got %v", got)
			}
			if err := txLow.Commit(); err != nil {
				t.Fatal(err)
			}
			read(2 - len(got))
			if len(got) != 2 || !(got[0] == low && got[1] == high || got[0] == high && got[1] == low) {
				t.Fatalf("events read across the late commit: want %d and %d once each, got %v", low, high, got)
			}
			if lowFirst && got[0] != low {
				t.Fatalf("the transaction that began first sorts first: want %d then %d, got %v", low, high, got)
			}
		})
	}
}
