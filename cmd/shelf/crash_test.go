package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// TestCrashKeepsEveryAcknowledgedChange runs `shelf serve` on a temporary
// SQLite file, drives deletes, bulk deletes, restores, cohort restores,
// purges, Trash emptying, creates and notes against it from several clients
// at once, and kills it with SIGKILL at random moments. After every kill it
// opens the file and checks that:
//
//   - every acknowledged request is in the database, with exactly its audit
//     events (found by the request id the response carried);
//   - the one request per client that was in flight at the kill is either
//     wholly there, with its audit events, or not at all;
//   - no item is half-purged: each item has exactly the notes and loans it
//     had, and no note or loan is left without its item;
//   - PRAGMA integrity_check and foreign_key_check are clean, and
//     `shelf audit verify` passes.
//
// SHELF_CRASH_KILLS sets the number of kills (default 20; the full run is
// 200), SHELF_CRASH_SEED the random seed (logged, to replay a run's choices).
func TestCrashKeepsEveryAcknowledgedChange(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	kills := 20
	if v := os.Getenv("SHELF_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("SHELF_CRASH_KILLS=%q: want a positive number", v)
		}
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SHELF_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SHELF_CRASH_SEED=%q: want a number", v)
		}
		seed = n
	}
	t.Logf("crash test: %d kills, seed %d (replay the choices with SHELF_CRASH_SEED=%d)", kills, seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x5e1f))

	bin := buildShelf(t)
	dbPath := filepath.Join(t.TempDir(), "shelf.db")
	w := newCrashWorld(t, dbPath, rng)

	start := time.Now()
	var stats crashStats
	for round := 1; round <= kills; round++ {
		w.round(bin, rng, &stats)
		if t.Failed() {
			t.Fatalf("round %d of %d failed (seed %d)", round, kills, seed)
		}
	}
	t.Logf("crash test: %d kills in %s; %d requests acknowledged; at the kills %d requests were in flight: %d had committed whole, %d not at all",
		kills, time.Since(start).Round(time.Millisecond), stats.acked, stats.inFlight, stats.committed, stats.rolledBack)
}

// crashClients is how many clients (each a user of its own, with items of
// its own) drive the server at once.
const crashClients = 4

type itemState int

const (
	live itemState = iota
	trashed
	purged
)

// mItem is what the test knows an item must be.
type mItem struct {
	id     int64
	name   string
	state  itemState
	cohort string
	notes  int
	loans  int
}

// expEvent is one audit event a request must have written.
type expEvent struct {
	action string
	entity int64
	cohort string
	// for purges: the before-image's counts
	notes, loans int
}

// ackedOp is an acknowledged request and the events it must have written.
type ackedOp struct {
	what   string
	reqID  string
	events []expEvent
}

// pendingOp is the request a client had in flight when the server died.
type pendingOp struct {
	kind   string // trash, bulk, restore, cohort, purge, empty, create, note
	ids    []int64
	cohort string
	name   string
}

type crashStats struct{ acked, inFlight, committed, rolledBack int }

// crashClient is one user driving the server with its own token and items;
// items of different clients never overlap, so each client knows exactly
// what its items must be.
type crashClient struct {
	k       int
	userID  int64
	token   string
	items   map[int64]*mItem
	cohorts []string
	seq     int
	rng     *rand.Rand
	acked   []ackedOp
	pending *pendingOp
	failure string
}

type crashWorld struct {
	t         *testing.T
	dbPath    string
	clients   []*crashClient
	watermark int64 // audit events up to this id are checked
}

// newCrashWorld creates the database, before any server runs: a user and a
// token per client, and items with many notes (some with hundreds) and
// returned loans.
func newCrashWorld(t *testing.T, dbPath string, rng *rand.Rand) *crashWorld {
	t.Helper()
	ctx := context.Background()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	svc := service.New(db)
	w := &crashWorld{t: t, dbPath: dbPath}
	now := svc.Now().Format(time.RFC3339Nano)
	for k := range crashClients {
		u, err := svc.AddUser(ctx, service.NewUser{Email: fmt.Sprintf("c%d@example.com", k), Name: fmt.Sprintf("Client %d", k),
			Password: "crash-test-password"})
		if err != nil {
			t.Fatal(err)
		}
		a := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "setup"}
		_, secret, err := svc.CreateToken(ctx, a, "crash")
		if err != nil {
			t.Fatal(err)
		}
		c := &crashClient{k: k, userID: u.ID, token: secret, items: map[int64]*mItem{},
			rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(k)))}
		for i := range 30 {
			it, err := svc.CreateItem(ctx, a, shelf.ItemInput{Name: fmt.Sprintf("c%d-seed%d", k, i), Quantity: 1})
			if err != nil {
				t.Fatal(err)
			}
			m := &mItem{id: it.ID, name: it.Name, notes: 5 + rng.IntN(40), loans: rng.IntN(3)}
			if rng.IntN(10) == 0 {
				m.notes = 300 + rng.IntN(1500)
			}
			c.items[it.ID] = m
		}
		w.clients = append(w.clients, c)
	}
	// note: notes and loans go in with plain SQL, in one transaction: the
	// service would take a durable commit for each of thousands of rows.
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range w.clients {
		for _, m := range c.items {
			for n := range m.notes {
				if _, err := tx.Exec(`INSERT INTO notes (item_id, author_id, body, created_at) VALUES (?, ?, ?, ?)`,
					m.id, c.userID, fmt.Sprintf("note %d of %s", n, m.name), now); err != nil {
					t.Fatal(err)
				}
			}
			for range m.loans {
				if _, err := tx.Exec(`INSERT INTO loans (item_id, borrower, lent_at, returned_at) VALUES (?, 'Neighbour', ?, ?)`,
					m.id, now, now); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return w
}

// round starts the server, lets the clients loose, kills the server at a
// random moment and checks the database file.
func (w *crashWorld) round(bin string, rng *rand.Rand, stats *crashStats) {
	t := w.t
	p := startServer(t, bin, w.dbPath)
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashClients}}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, c := range w.clients {
		c.acked, c.pending, c.failure = nil, nil, ""
		wg.Go(func() { c.drive(ctx, hc, p.base) })
	}
	// note: most kills come while requests are in full flow; a few come
	// almost at once, while the server is still warming up.
	delay := time.Duration(20+rng.IntN(400)) * time.Millisecond
	if rng.IntN(8) == 0 {
		delay = time.Duration(rng.IntN(20)) * time.Millisecond
	}
	time.Sleep(delay)
	p.kill()
	cancel()
	wg.Wait()
	for _, c := range w.clients {
		if c.failure != "" {
			t.Errorf("client %d: %s\nserver log:\n%s", c.k, c.failure, p.tail(3000))
		}
		stats.acked += len(c.acked)
	}
	if t.Failed() {
		return
	}
	w.check(bin, stats)
}

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

func (s itemState) String() string {
	return [...]string{"live", "trashed", "purged"}[s]
}
