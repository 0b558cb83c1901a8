package main

// The check after each kill of TestCrashKeepsEveryAcknowledgedChange: the
// database file is read back and held to what the clients were told.

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// dbItem is an item as the database file has it after a kill.
type dbItem struct {
	owner   int64
	name    string
	trashed bool
	cohort  string
	notes   int
	loans   int
}

type dbEvent struct {
	id     int64
	action string
	entity int64
	cohort string
	reqID  string
	snap   string
}

// check opens the killed server's database and holds it to the model.
func (w *crashWorld) check(bin string, stats *crashStats) {
	t := w.t
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+w.dbPath)
	if err != nil {
		t.Fatalf("open the database after a kill: %v", err)
	}
	defer db.Close()

	items := map[int64]*dbItem{}
	rows, err := db.SQL().QueryContext(ctx, `SELECT i.id, i.owner_id, i.name, i.deleted_at IS NOT NULL, coalesce(i.deleted_cohort, ''),
		(SELECT count(*) FROM notes WHERE item_id = i.id), (SELECT count(*) FROM loans WHERE item_id = i.id) FROM items i`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		d := &dbItem{}
		if err := rows.Scan(&id, &d.owner, &d.name, &d.trashed, &d.cohort, &d.notes, &d.loans); err != nil {
			t.Fatal(err)
		}
		items[id] = d
	}
	rows.Close()

	byReq := map[string][]dbEvent{}
	// note: snapshots are sealed in the database; the service opens them.
	watermark := w.watermark
	err = service.New(db).ExportAudit(ctx, time.Time{}, func(ev shelf.AuditEvent) error {
		if ev.ID <= watermark {
			return nil
		}
		e := dbEvent{id: ev.ID, action: ev.Action, entity: ev.EntityID, cohort: ev.Cohort, reqID: ev.RequestID, snap: string(ev.Snapshot)}
		w.watermark = max(w.watermark, e.id)
		if e.action == shelf.ActionAuditAnchor {
			return nil // written by Shelf itself (verify, the timer), not by a request
		}
		byReq[e.reqID] = append(byReq[e.reqID], e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Every acknowledged request is there with exactly its events.
	for _, c := range w.clients {
		for _, op := range c.acked {
			got := byReq[op.reqID]
			delete(byReq, op.reqID)
			if op.reqID == "" || !sameEvents(t, got, op.events) {
				t.Errorf("client %d: acknowledged %s (request %q): want events %+v, got %+v", c.k, op.what, op.reqID, op.events, got)
			}
		}
	}
	// What is left was written by requests in flight at the kill: each must
	// be a whole request of one client, or nothing.
	for _, c := range w.clients {
		if c.pending == nil {
			continue
		}
		stats.inFlight++
		if c.resolve(t, items, byReq) {
			stats.committed++
		} else {
			stats.rolledBack++
		}
	}
	for req, evs := range byReq {
		t.Errorf("audit events of request %q that no request in flight explains: %+v", req, evs)
	}

	// Every item is what the model says, with all its notes and loans.
	seen := 0
	for _, c := range w.clients {
		for _, m := range c.items {
			d, ok := items[m.id]
			switch {
			case m.state == purged:
				if ok {
					t.Errorf("item %d (%s): want purged, still there (trashed=%v, %d notes)", m.id, m.name, d.trashed, d.notes)
				}
				continue
			case !ok:
				t.Errorf("item %d (%s): want %v with %d notes, gone from the database", m.id, m.name, m.state, m.notes)
				continue
			}
			seen++
			if d.owner != c.userID || d.name != m.name || d.trashed != (m.state == trashed) || (m.state == trashed && d.cohort != m.cohort) {
				t.Errorf("item %d: want %s trashed=%v cohort %q, got %s trashed=%v cohort %q", m.id, m.name, m.state == trashed, m.cohort, d.name, d.trashed, d.cohort)
			}
			if d.notes != m.notes || d.loans != m.loans {
				t.Errorf("item %d (%s): want %d notes and %d loans, got %d and %d", m.id, m.name, m.notes, m.loans, d.notes, d.loans)
			}
		}
	}
	if seen != len(items) {
		t.Errorf("items in the database: want %d, got %d", seen, len(items))
	}

	total := dbHealth(t, db)
	n, brk, err := service.New(db).VerifyAudit(ctx)
	if err != nil || brk != nil || n != total {
		t.Errorf("audit chain: want %d events intact, got %d, %+v, %v", total, n, brk, err)
	}
	db.Close()
	verifyWithBinary(t, bin, w.dbPath)
}

// sameEvents reports whether the written events are exactly the expected
// ones, purge before-images included.
func sameEvents(t *testing.T, got []dbEvent, want []expEvent) bool {
	if len(got) != len(want) {
		return false
	}
	used := make([]bool, len(got))
	for _, x := range want {
		found := false
		for i, e := range got {
			if used[i] || e.action != x.action || e.entity != x.entity || e.cohort != x.cohort {
				continue
			}
			if x.action == shelf.ActionItemPurge {
				var snap struct {
					Notes int `json:"notes_total"`
					Loans int `json:"loans_total"`
				}
				if err := json.Unmarshal([]byte(e.snap), &snap); err != nil || snap.Notes != x.notes || snap.Loans != x.loans {
					t.Logf("purge of %d: before-image counts %d notes, %d loans; want %d and %d", x.entity, snap.Notes, snap.Loans, x.notes, x.loans)
					continue
				}
			}
			used[i], found = true, true
			break
		}
		if !found {
			return false
		}
	}
	return true
}

// resolve decides from the database whether the client's in-flight request
// committed, checks that it did so whole (state and audit events together)
// or not at all, updates the model, and reports whether it committed.
func (c *crashClient) resolve(t *testing.T, items map[int64]*dbItem, byReq map[string][]dbEvent) bool {
	p := c.pending
	c.pending = nil
	// claim finds the one request whose events are exactly want.
	claim := func(want []expEvent) bool {
		for req, evs := range byReq {
			if sameEvents(t, evs, want) {
				delete(byReq, req)
				return true
			}
		}
		t.Errorf("client %d: in-flight %s of %v committed, but its audit events %+v are not in the log", c.k, p.kind, p.ids, want)
		return false
	}
	// changed counts the targets the database shows changed.
	changed := func(is func(*mItem, *dbItem, bool) bool) int {
		n := 0
		for _, id := range p.ids {
			d, ok := items[id]
			if is(c.items[id], d, ok) {
				n++
			}
		}
		return n
	}
	whole := func(n int) bool {
		if n != 0 && n != len(p.ids) {
			t.Errorf("client %d: in-flight %s of %v is half done: %d of %d changed", c.k, p.kind, p.ids, n, len(p.ids))
		}
		return n > 0
	}
	switch p.kind {
	case "trash", "bulk":
		if !whole(changed(func(_ *mItem, d *dbItem, ok bool) bool { return ok && d.trashed })) {
			return false
		}
		cohort := items[p.ids[0]].cohort
		var want []expEvent
		for _, id := range p.ids {
			if items[id].cohort != cohort {
				t.Errorf("client %d: in-flight %s of %v: items carry different cohorts", c.k, p.kind, p.ids)
			}
			want = append(want, expEvent{action: shelf.ActionItemTrash, entity: id, cohort: cohort})
		}
		claim(want)
		for _, id := range p.ids {
			c.items[id].state, c.items[id].cohort = trashed, cohort
		}
		c.cohorts = append(c.cohorts, cohort)
	case "restore", "cohort":
		if !whole(changed(func(_ *mItem, d *dbItem, ok bool) bool { return ok && !d.trashed })) {
			return false
		}
		var want []expEvent
		for _, id := range p.ids {
			want = append(want, expEvent{action: shelf.ActionItemRestore, entity: id, cohort: c.items[id].cohort})
			c.items[id].state, c.items[id].cohort = live, ""
		}
		claim(want)
	case "purge", "empty":
		n := changed(func(_ *mItem, _ *dbItem, ok bool) bool { return !ok })
		if p.kind == "purge" || len(p.ids) <= service.DefaultPurgeBatch {
			whole(n) // note: emptying a Trash is one transaction per batch
		}
		if n == 0 {
			return false
		}
		var want []expEvent
		for _, id := range p.ids {
			if _, ok := items[id]; ok {
				continue
			}
			m := c.items[id]
			want = append(want, expEvent{action: shelf.ActionItemPurge, entity: id, cohort: m.cohort, notes: m.notes, loans: m.loans})
			m.state = purged
		}
		claim(want)
	case "create":
		for id, d := range items {
			if d.owner == c.userID && d.name == p.name {
				c.items[id] = &mItem{id: id, name: p.name}
				return true
			}
		}
		return false
	case "note":
		m, d := c.items[p.ids[0]], items[p.ids[0]]
		if d == nil || d.notes == m.notes {
			return false
		}
		m.notes++
		return true
	}
	return true
}
