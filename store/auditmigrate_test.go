package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

// legacyHash is the hash events had before lanes, written out here as it
// was, so that the test does not lean on the store's own ChainHash: first
// without an owner, then (migration 2) with the owner last when there was one.
func legacyHash(prev string, id int64, at, action, summary string, owner int64) string {
	fields := []any{prev, id, at, nil, action, "item", id, "", summary, "{}", "req", "192.0.2.1"}
	if owner != 0 {
		fields = append(fields, owner)
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestAuditLanesMigration: a database whose audit log is one chain (the
// schemas before lanes: events without an owner, then with one) migrates; its events become lane 0's prefix and keep
// their hashes, so heads kept outside the database still verify; new events
// continue the lanes, and a change to an old event is still named.
func TestAuditLanesMigration(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := t.Context()
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "old.db")
			if engine == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			prev := ""
			var hashes []string
			for id := int64(1); id <= 3; id++ {
				// events 1 and 2 as the first schema wrote them, event 3 as
				// the second did, with an owner
				owner, ownerCol := int64(0), "NULL"
				if id == 1 {
					if err := store.MigrateTo(ctx, db, 1); err != nil {
						t.Fatalf("migrate to the first schema: %v", err)
					}
				}
				if id == 3 {
					if err := store.MigrateTo(ctx, db, 2); err != nil {
						t.Fatalf("migrate to the second schema: %v", err)
					}
					owner, ownerCol = 7, "7"
				}
				at := fmt.Sprintf("2026-01-0%dT10:00:00.000000Z", id)
				summary := fmt.Sprintf("Moved “old %d” to the Trash", id)
				h := legacyHash(prev, id, at, shelf.ActionItemTrash, summary, owner)
				cols, vals := "", ""
				if id == 3 {
					cols, vals = ", owner_id", ", "+ownerCol
				}
				_, err := db.SQL().ExecContext(ctx, fmt.Sprintf(`INSERT INTO audit_events (id, at, action, entity_type, entity_id, summary, snapshot, request_id, remote_addr, prev_hash, hash%s)
					VALUES (%d, %s, %s, 'item', %d, %s, '{}', 'req', '192.0.2.1', %s, %s%s)`, cols,
					id, servicetest.Quote(at), servicetest.Quote(shelf.ActionItemTrash), id, servicetest.Quote(summary), servicetest.Quote(prev), servicetest.Quote(h), vals))
				if err != nil {
					t.Fatalf("insert an event as the old schema did: %v", err)
				}
				prev = h
				hashes = append(hashes, h)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate to lanes: %v", err)
			}

			f := servicetest.NewFixture(t, db)
			oldHead := store.AuditAnchor{ID: 3, Hash: hashes[2]}
			c, err := f.Svc.CheckAudit(ctx, &oldHead)
			if err != nil || c.Break != nil || c.Events != 3 {
				t.Fatalf("verify after the migration, anchored at the old head: want 3 events intact, got %+v (%+v), %v", c, c.Break, err)
			}
			for i, e := range f.Events() {
				if e.ID != int64(i+1) || e.Lane != 0 || e.Seq != e.ID || (e.OwnerID != nil) != (i == 2) || e.HashFormat != 1 || e.Hash != hashes[i] {
					t.Errorf("old event %d: want lane 0, number %d, hash format 1 and its old hash, got %+v", i+1, i+1, e)
				}
			}

			// New events: Alice's in her lane from number 1, and an anchor
			// that continues lane 0 from the old head.
			f.Trash(f.Alice, f.Item(f.Alice, "New").ID)
			f.Clock.Advance(time.Minute)
			head, err := f.Svc.AnchorAudit(ctx, shelf.System("anchor"))
			if err != nil {
				t.Fatalf("anchor: %v", err)
			}
			events := f.Events()
			if len(events) != 5 {
				t.Fatalf("want 3 old and 2 new events, got %d", len(events))
			}
			trash, anchor := events[3], events[4]
			if trash.ID <= 3 || trash.Lane != store.LaneOf(&f.Alice.UserID) || trash.Seq != 1 || trash.PrevHash != "" || trash.HashFormat != 2 {
				t.Errorf("a new event of Alice: want an id after 3, number 1 of her lane, format 2, got %+v", trash)
			}
			if anchor.ID != head.ID || anchor.Lane != 0 || anchor.Seq != 4 || anchor.PrevHash != hashes[2] {
				t.Errorf("the anchor: want number 4 of lane 0, after the old head, got %+v", anchor)
			}
			for _, a := range []*store.AuditAnchor{nil, &oldHead, &head} {
				if c, err := f.Svc.CheckAudit(ctx, a); err != nil || c.Break != nil || c.Events != 5 || c.Head != head {
					t.Errorf("verify old and new events (anchor %v): want 5 intact and head %v, got %+v, %v", a, head, c, err)
				}
			}

			if !servicetest.Tamper(t, db, 2, "nothing happened") {
				if engine == "sqlite" {
					t.Fatal("tamper: SQLite must allow it once the triggers are dropped")
				}
				return
			}
			c, err = f.Svc.CheckAudit(ctx, nil)
			if err != nil || c.Break == nil || c.Break.ID != 2 || !strings.Contains(c.Break.Reason, "altered") {
				t.Errorf("an old event altered after the migration: want a break at event 2, got %+v, %v", c.Break, err)
			}
		})
	}
}
