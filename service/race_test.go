package service_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestRacesAreSerializable lets many goroutines apply random interleavings
// of trash, versioned trash, restore, cohort restore, purge, update, bulk
// delete, Trash emptying and category delete to a small set of items, on
// both engines, and then checks that what happened is consistent with some
// serial order:
//
//   - every call that failed left no audit event, and every call that
//     succeeded left exactly its own (matched by request id);
//   - replayed in the log's order, each item goes live → trashed → live …
//     → purged, never trashed twice without a restore between, never
//     restored or purged unless trashed, nothing after a purge;
//   - the database ends where that replay ends: each item live, trashed
//     with its last cohort, or gone with its notes and loans;
//   - counts add up: each item's version is 1 plus its trashes, restores
//     and successful updates; deleted categories are exactly those with an
//     event, and nothing points at them;
//   - the audit hash chain verifies.
//
// SHELF_RACE_SEED replays a run's random choices (the interleaving itself
// is up to the scheduler).
func TestRacesAreSerializable(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SHELF_RACE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SHELF_RACE_SEED=%q: want a number", v)
		}
		seed = n
	}
	t.Logf("seed %d (SHELF_RACE_SEED=%d replays the choices)", seed, seed)
	t.Run("sqlite", func(t *testing.T) { raceRun(t, storetest.OpenSQLite(t), seed) })
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresURL(t)
		raceRun(t, storetest.OpenPostgres(t), seed)
	})
}

// raceCall is one service call a goroutine made, and what came of it.
type raceCall struct {
	reqID   string
	op      string
	ids     []int64 // the items it named
	cat     int64   // the category it named (delete, update)
	code    string  // its error code, "" on success
	cohort  string  // trash: the cohort made; cohort restore: the cohort asked for
	bulk    shelf.BulkTrashResult
	touched []int64 // restore cohort: what came back
	purged  int     // empty Trash: how many
}

const (
	raceItems      = 6
	raceCategories = 3
	raceWorkers    = 8
	raceOps        = 30
)

func raceRun(t *testing.T, db *store.DB, seed uint64) {
	f := servicetest.NewFixture(t, db)
	var items []int64
	var cats []int64
	for i := range raceCategories {
		cats = append(cats, f.Category(f.Alice, fmt.Sprintf("cat %d", i)).ID)
	}
	for i := range raceItems {
		it := f.ItemIn(f.Alice, fmt.Sprintf("item %d", i), cats[i%raceCategories])
		f.Note(f.Alice, it.ID, "one")
		f.Note(f.Alice, it.ID, "two")
		f.Return(f.Alice, f.Lend(f.Alice, it.ID, "Neighbour").ID)
		items = append(items, it.ID)
	}

	var mu sync.Mutex
	var calls []raceCall
	var cohorts []string
	record := func(c raceCall) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, c)
		if c.code == "" && c.cohort != "" {
			cohorts = append(cohorts, c.cohort)
		}
		if c.code == "" && c.bulk.Cohort != "" {
			cohorts = append(cohorts, c.bulk.Cohort)
		}
	}
	someCohort := func(rng *rand.Rand) string {
		mu.Lock()
		defer mu.Unlock()
		if len(cohorts) == 0 {
			return "none-yet"
		}
		return cohorts[rng.IntN(len(cohorts))]
	}

	together(raceWorkers, func(w int) {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		for i := range raceOps {
			who := f.Alice
			if rng.IntN(4) == 0 {
				who = f.Admin
			}
			who.RequestID = fmt.Sprintf("w%d-%d", w, i)
			id := items[rng.IntN(len(items))]
			c := raceCall{reqID: who.RequestID, ids: []int64{id}}
			var err error
			switch r := rng.IntN(100); {
			case r < 18:
				c.op = "trash"
				var trashed shelf.Item
				trashed, err = f.Svc.TrashItem(f.Ctx, who, id, 0)
				c.cohort = trashed.Cohort
			case r < 26:
				c.op = "trash at version"
				var it shelf.Item
				if it, err = f.Svc.Item(f.Ctx, who, id); err == nil {
					it, err = f.Svc.TrashItem(f.Ctx, who, id, it.Version)
					c.cohort = it.Cohort
				}
			case r < 46:
				c.op = "restore"
				_, err = f.Svc.RestoreItem(f.Ctx, who, id, "")
			case r < 56:
				c.op = "restore cohort"
				c.cohort = someCohort(rng)
				var res shelf.RestoreResult
				res, err = f.Svc.RestoreCohort(f.Ctx, who, c.cohort)
				for _, it := range res.Restored {
					c.touched = append(c.touched, it.ID)
				}
				if len(res.Conflicts) > 0 {
					t.Errorf("%s: restore cohort: conflicts %+v, want none (names are unique)", c.reqID, res.Conflicts)
				}
			case r < 59:
				c.op = "purge"
				_, err = f.Svc.PurgeItem(f.Ctx, who, id, shelf.Confirmation{})
			case r < 76:
				c.op = "update"
				var it shelf.Item
				if it, err = f.Svc.Item(f.Ctx, who, id); err == nil {
					in := shelf.ItemInput{Name: it.Name, Quantity: it.Quantity + 1}
					if rng.IntN(2) == 0 {
						c.cat = cats[rng.IntN(len(cats))]
						in.CategoryID = &c.cat
					}
					_, err = f.Svc.UpdateItem(f.Ctx, who, id, in, it.Version)
				}
			case r < 93:
				c.op = "bulk delete"
				c.ids = nil
				for _, j := range rng.Perm(len(items))[:1+rng.IntN(4)] {
					c.ids = append(c.ids, items[j])
				}
				c.bulk, err = f.Svc.TrashItems(f.Ctx, who, c.ids, shelf.Confirmation{})
			case r < 95:
				c.op = "empty Trash"
				c.ids = nil
				c.purged, err = servicetest.Purged(f.Svc.EmptyTrash(f.Ctx, who, f.Alice.UserID, shelf.Confirmation{}))
			default:
				c.op = "delete category"
				c.ids = nil
				c.cat = cats[rng.IntN(len(cats))]
				_, err = f.Svc.DeleteCategory(f.Ctx, who, c.cat)
			}
			c.code = shelf.ErrorCode(err)
			allowed := map[string][]string{
				"trash": {shelf.ENOTFOUND}, "trash at version": {shelf.ENOTFOUND, shelf.EPRECONDITION},
				"restore": {shelf.ENOTFOUND}, "restore cohort": {shelf.ENOTFOUND}, "purge": {shelf.ENOTFOUND},
				"update": {shelf.ENOTFOUND, shelf.EPRECONDITION, shelf.EINVALID}, "delete category": {shelf.ENOTFOUND},
			}
			if c.code != "" && !slices.Contains(allowed[c.op], c.code) {
				t.Errorf("%s: %s of %v: want success or %v, got %v", c.reqID, c.op, c.ids, allowed[c.op], err)
			}
			record(c)
		}
	})
	if t.Failed() {
		return
	}
	checkSerializable(t, f, items, cats, calls)
}

// checkSerializable holds the calls, the audit log and the database to one
// serial story.
func checkSerializable(t *testing.T, f *servicetest.Fixture, items, cats []int64, calls []raceCall) {
	events := f.Events()
	byReq := map[string][]shelf.AuditEvent{}
	for _, e := range events {
		byReq[e.RequestID] = append(byReq[e.RequestID], e)
	}
	// Each call left exactly its own events, or none when it failed.
	updates := map[int64]int{}
	deletedCats := map[int64]bool{}
	type ev struct {
		action string
		id     int64
		cohort string
	}
	for _, c := range calls {
		got := byReq[c.reqID]
		delete(byReq, c.reqID)
		var want []ev
		cohortOf := func(e shelf.AuditEvent) string { return e.Cohort }
		if c.code == "" {
			switch c.op {
			case "trash", "trash at version":
				want = []ev{{shelf.ActionItemTrash, c.ids[0], c.cohort}}
			case "restore":
				want = []ev{{shelf.ActionItemRestore, c.ids[0], ""}}
				cohortOf = func(shelf.AuditEvent) string { return "" }
			case "restore cohort":
				for _, id := range c.touched {
					want = append(want, ev{shelf.ActionItemRestore, id, c.cohort})
				}
			case "purge":
				want = []ev{{shelf.ActionItemPurge, c.ids[0], ""}}
				cohortOf = func(shelf.AuditEvent) string { return "" }
			case "bulk delete":
				for _, id := range c.bulk.Trashed {
					want = append(want, ev{shelf.ActionItemTrash, id, c.bulk.Cohort})
				}
				if !sameSet(append(slices.Clone(c.bulk.Trashed), c.bulk.NotFound...), c.ids) || len(c.bulk.Blocked) > 0 {
					t.Errorf("%s: bulk delete of %v: trashed %v + not found %v + blocked %v do not add up", c.reqID, c.ids,
						c.bulk.Trashed, c.bulk.NotFound, c.bulk.Blocked)
				}
			case "empty Trash":
				cohortOf = func(shelf.AuditEvent) string { return "" }
				for _, e := range got {
					want = append(want, ev{shelf.ActionItemPurge, e.EntityID, ""})
				}
				if len(got) != c.purged {
					t.Errorf("%s: empty Trash said %d purged, wrote %d events", c.reqID, c.purged, len(got))
				}
			case "update":
				updates[c.ids[0]]++
			case "delete category":
				want = []ev{{shelf.ActionCategoryDelete, c.cat, ""}}
				deletedCats[c.cat] = true
			}
		}
		var have []ev
		for _, e := range got {
			have = append(have, ev{e.Action, e.EntityID, cohortOf(e)})
		}
		slices.SortFunc(want, func(a, b ev) int { return int(a.id - b.id) })
		slices.SortFunc(have, func(a, b ev) int { return int(a.id - b.id) })
		if !slices.Equal(want, have) {
			t.Errorf("%s: %s of %v (error %q): want events %v, got %v", c.reqID, c.op, c.ids, c.code, want, have)
		}
	}
	for req, evs := range byReq {
		t.Errorf("audit events of %q, which no call made: %+v", req, evs)
	}

	// Replay the log in its order: one legal life per item.
	type life struct {
		state    itemLife
		cohort   string
		trashes  int
		restores int
	}
	lives := map[int64]*life{}
	for _, id := range items {
		lives[id] = &life{}
	}
	for _, e := range events {
		if e.EntityType != "item" {
			continue
		}
		l := lives[e.EntityID]
		bad := func() {
			t.Errorf("event %d: %s of item %d while it is %v: no serial order allows it", e.ID, e.Action, e.EntityID, l.state)
		}
		switch e.Action {
		case shelf.ActionItemTrash:
			if l.state != itemLive {
				bad()
			}
			l.state, l.cohort = itemTrashed, e.Cohort
			l.trashes++
		case shelf.ActionItemRestore:
			if l.state != itemTrashed || e.Cohort != l.cohort {
				bad()
			}
			l.state, l.cohort = itemLive, ""
			l.restores++
		case shelf.ActionItemPurge:
			if l.state != itemTrashed || e.Cohort != l.cohort {
				bad()
			}
			l.state = itemGone
		}
	}

	// The database ends where the replay ends.
	for _, id := range items {
		l := lives[id]
		switch l.state {
		case itemGone:
			if f.Exists("items", id) || f.Count("SELECT count(*) FROM notes WHERE item_id = %d", id) != 0 ||
				f.Count("SELECT count(*) FROM loans WHERE item_id = %d", id) != 0 {
				t.Errorf("item %d: purged in the log, but it or its notes or loans are still there", id)
			}
			continue
		case itemTrashed:
			if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_cohort = %s", id, servicetest.Quote(l.cohort)); n != 1 {
				t.Errorf("item %d: want in the Trash with cohort %s, as the log says", id, l.cohort)
			}
		case itemLive:
			if !f.IsLive(id) {
				t.Errorf("item %d: want live, as the log says", id)
			}
		}
		if f.Count("SELECT count(*) FROM notes WHERE item_id = %d", id) != 2 || f.Count("SELECT count(*) FROM loans WHERE item_id = %d", id) != 1 {
			t.Errorf("item %d: want its 2 notes and 1 loan", id)
		}
		want := 1 + l.trashes + l.restores + updates[id]
		if v := f.Count("SELECT version FROM items WHERE id = %d", id); v != want {
			t.Errorf("item %d: version %d, want %d (1 + %d trashes + %d restores + %d updates)", id, v, want, l.trashes, l.restores, updates[id])
		}
	}
	for _, c := range cats {
		if f.Exists("categories", c) == deletedCats[c] {
			t.Errorf("category %d: deleted=%v in the calls, but exists=%v", c, deletedCats[c], f.Exists("categories", c))
		}
	}
	if n := f.Count("SELECT count(*) FROM items WHERE category_id IS NOT NULL AND category_id NOT IN (SELECT id FROM categories)"); n != 0 {
		t.Errorf("%d items point at a deleted category", n)
	}
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != len(events) {
		t.Errorf("audit chain: want %d events intact, got %d, %+v, %v", len(events), n, brk, err)
	}
	ok := 0
	for _, c := range calls {
		if c.code == "" {
			ok++
		}
	}
	t.Logf("%d calls (%d succeeded), %d audit events", len(calls), ok, len(events))
}

type itemLife int

const (
	itemLive itemLife = iota
	itemTrashed
	itemGone
)

func (l itemLife) String() string { return [...]string{"live", "trashed", "gone"}[l] }

func sameSet(a, b []int64) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// TestOpposingLockOrders races requests that name the same rows in opposite
// orders: bulk deletes of one set of items, forwards and backwards, beside
// single deletes; and edits that put items into a category beside the
// category's deletion. No request may fail: on PostgreSQL a deadlock would
// surface as an error after the bounded retries.
func TestOpposingLockOrders(t *testing.T) {
	run := func(t *testing.T, db *store.DB) {
		f := servicetest.NewFixture(t, db)
		for round := range 5 {
			var ids []int64
			for i := range 6 {
				ids = append(ids, f.Item(f.Alice, fmt.Sprintf("r%d-%d", round, i)).ID)
			}
			backwards := slices.Clone(ids)
			slices.Reverse(backwards)
			cat := f.Category(f.Alice, fmt.Sprintf("cat %d", round))
			errs := make([]error, 6)
			together(6, func(w int) {
				switch w {
				case 0:
					_, errs[w] = f.Svc.TrashItems(f.Ctx, f.Alice, ids, shelf.Confirmation{})
				case 1:
					_, errs[w] = f.Svc.TrashItems(f.Ctx, f.Alice, backwards, shelf.Confirmation{})
				case 2:
					_, errs[w] = f.Svc.TrashItem(f.Ctx, f.Alice, ids[len(ids)-1], 0)
				case 3:
					_, errs[w] = f.Svc.DeleteCategory(f.Ctx, f.Alice, cat.ID)
				default:
					for _, id := range ids[w-4:] {
						in := shelf.ItemInput{Name: fmt.Sprintf("r%d-%d", round, slices.Index(ids, id)), Quantity: 2, CategoryID: &cat.ID}
						if _, err := f.Svc.UpdateItem(f.Ctx, f.Alice, id, in, 0); err != nil &&
							!slices.Contains([]string{shelf.ENOTFOUND, shelf.EINVALID}, shelf.ErrorCode(err)) {
							errs[w] = err
						}
					}
				}
			})
			for w, err := range errs {
				if code := shelf.ErrorCode(err); code != "" && code != shelf.ENOTFOUND {
					t.Errorf("round %d, request %d: %v", round, w, err)
				}
			}
			if n := f.Count("SELECT count(*) FROM items WHERE deleted_at IS NULL AND name LIKE 'r%d-%%'", round); n != 0 {
				t.Errorf("round %d: %d items left live", round, n)
			}
		}
		if n, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil {
			t.Errorf("audit chain: %d events, %+v, %v", n, brk, err)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresURL(t)
		run(t, storetest.OpenPostgres(t))
	})
}
