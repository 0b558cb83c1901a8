package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

// The group commit of SQLite's writes: concurrent Write calls share one
// transaction and one durable commit, each fn in a savepoint of its own.
// These tests queue writes behind a held writer connection, so that they
// meet in one batch, and check that each caller still gets what a
// transaction of its own would give it.

// holdWriter takes the write pool's only connection and hands the writer a
// write of its own (which fails, so it counts in no statistics): the writer
// waits for the connection to begin it until release is called, and the
// writes that come meanwhile queue up behind it and meet in one batch.
func holdWriter(t *testing.T, db *store.DB) (release func()) {
	t.Helper()
	store.SetBatchWork(db, time.Minute)
	conn, err := db.SQL().Conn(t.Context())
	if err != nil {
		t.Fatalf("hold the writer connection: %v", err)
	}
	blocker := make(chan error, 1)
	go func() { blocker <- db.Write(context.Background(), func(*store.Tx) error { return errBlocker }) }()
	queued()
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.Close()
			if err := <-blocker; !errors.Is(err, errBlocker) {
				t.Errorf("the blocking write: want its own error, got %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

var errBlocker = errors.New("the write that holds the queue")

// queued gives goroutines that have just called Write the time to reach
// the writer's queue.
func queued() { time.Sleep(150 * time.Millisecond) }

// addCategory is a write that inserts a category of the fixture's Alice.
func addCategory(f *servicetest.Fixture, name string) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		_, err := tx.InsertCategory(f.Ctx, shelf.Category{OwnerID: f.Alice.UserID, Name: name})
		return err
	}
}

func categoryNames(t *testing.T, f *servicetest.Fixture) []string {
	t.Helper()
	var names []string
	err := f.DB.Read(f.Ctx, func(tx *store.Tx) error {
		owner := f.Alice.UserID
		cs, err := tx.Categories(f.Ctx, &owner)
		for _, c := range cs {
			names = append(names, c.Name)
		}
		return err
	})
	if err != nil {
		t.Fatalf("list categories: %v", err)
	}
	slices.Sort(names)
	return names
}

// statsDelta reports the group-commit counters' growth since it was made.
type statsDelta struct {
	db                *store.DB
	batches0, writes0 int64
}

func newStatsDelta(db *store.DB) *statsDelta {
	b, w := db.WriteStats()
	return &statsDelta{db: db, batches0: b, writes0: w}
}

func (s *statsDelta) get() (batches, writes int64) {
	b, w := s.db.WriteStats()
	return b - s.batches0, w - s.writes0
}

func TestGroupCommitBatchesConcurrentWrites(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	const n = 24
	release := holdWriter(t, f.DB)
	stats := newStatsDelta(f.DB)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f.DB.Write(f.Ctx, addCategory(f, fmt.Sprintf("c%02d", i))) })
	}
	queued()
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: want success, got %v", i, err)
		}
	}
	batches, writes := stats.get()
	if writes != n {
		t.Errorf("writes committed through batches: want %d, got %d", n, writes)
	}
	if batches >= n || batches < 1 {
		t.Errorf("batches: want fewer than %d commits for %d queued writes (group commit), got %d", n, n, batches)
	}
	t.Logf("%d writes in %d commits", writes, batches)
	if got := categoryNames(t, f); len(got) != n {
		t.Errorf("categories: want %d, got %d: %v", n, len(got), got)
	}
}

func TestGroupCommitIsolatesFailingWrites(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	release := holdWriter(t, f.DB)
	stats := newStatsDelta(f.DB)
	errFailed := errors.New("the use case refuses")
	writes := []struct {
		name string
		fn   func(*store.Tx) error
		want string // "" for success, else the error wanted
	}{
		{"a", addCategory(f, "a"), ""},
		{"b fails after writing", func(tx *store.Tx) error {
			if err := addCategory(f, "b")(tx); err != nil {
				return err
			}
			return errFailed
		}, "refuses"},
		{"c", addCategory(f, "c"), ""},
		{"a again: a constraint fails", addCategory(f, "A"), shelf.ECONFLICT},
		{"d panics after writing", func(tx *store.Tx) error {
			if err := addCategory(f, "d")(tx); err != nil {
				return err
			}
			panic("boom")
		}, "panic"},
		{"e", addCategory(f, "e"), ""},
	}
	errs := make([]error, len(writes))
	panics := make([]any, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			errs[i] = f.DB.Write(f.Ctx, w.fn)
		})
		time.Sleep(40 * time.Millisecond) // note: "A" must come after "a"
	}
	queued()
	release()
	wg.Wait()
	for i, w := range writes {
		switch w.want {
		case "":
			if errs[i] != nil || panics[i] != nil {
				t.Errorf("write %s: want success, got %v (panic %v)", w.name, errs[i], panics[i])
			}
		case "panic":
			if panics[i] != "boom" {
				t.Errorf("write %s: want its panic raised again in the caller, got %v (error %v)", w.name, panics[i], errs[i])
			}
		case shelf.ECONFLICT:
			servicetest.WantCode(t, errs[i], shelf.ECONFLICT, "write "+w.name)
		default:
			if !errors.Is(errs[i], errFailed) {
				t.Errorf("write %s: want its own error back, got %v", w.name, errs[i])
			}
		}
	}
	if got, want := categoryNames(t, f), []string{"a", "c", "e"}; !slices.Equal(got, want) {
		t.Errorf("categories: want %v (nothing of the failed writes), got %v", want, got)
	}
	if batches, n := stats.get(); n != 3 || batches != 1 {
		t.Errorf("want the 3 successful writes in 1 commit beside the failures, got %d writes in %d commits", n, batches)
	}
	// The writer survived the panic and the failures.
	if err := f.DB.Write(f.Ctx, addCategory(f, "after")); err != nil {
		t.Fatalf("write after the batch: %v", err)
	}
}

func TestGroupCommitRunsWritesInArrivalOrder(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	release := holdWriter(t, f.DB)
	const n = 6
	var mu sync.Mutex
	var order []int
	seen := make([]int, n) // how many categories each write saw before its own
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
				owner := f.Alice.UserID
				cs, err := tx.Categories(f.Ctx, &owner)
				if err != nil {
					return err
				}
				seen[i] = len(cs)
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				return addCategory(f, fmt.Sprintf("c%d", i))(tx)
			})
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
		})
		// note: one at a time, so that the queue's order is known.
		time.Sleep(40 * time.Millisecond)
	}
	release()
	wg.Wait()
	if want := []int{0, 1, 2, 3, 4, 5}; !slices.Equal(order, want) {
		t.Errorf("order the writes ran in: want %v (arrival), got %v", want, order)
	}
	for i, s := range seen {
		if s != i {
			t.Errorf("write %d saw %d categories: want %d, the writes before it in the batch", i, s, i)
		}
	}
}

func TestGroupCommitKeepsTheAuditChain(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	var ids []int64
	for i := range 40 {
		ids = append(ids, f.Item(f.Alice, fmt.Sprintf("item %d", i)).ID)
	}
	stats := newStatsDelta(f.DB)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			if _, err := f.Svc.TrashItem(f.Ctx, f.Alice, id, 0); err != nil {
				t.Errorf("trash %d: %v", id, err)
			}
		})
	}
	wg.Wait()
	batches, writes := stats.get()
	t.Logf("%d trashes in %d commits", writes, batches)
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != len(ids) {
		t.Fatalf("audit chain: want %d events and no break, got %d, %+v, %v", len(ids), n, brk, err)
	}
}

// TestGroupCommitFailedCommitFailsTheBatch makes the commit itself fail (a
// deferred foreign key, checked only at COMMIT) and checks that every write
// of the batch is told so and none is visible, and that the writer goes on.
func TestGroupCommitFailedCommitFailsTheBatch(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	for _, q := range []string{
		`CREATE TABLE gc_parent (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE gc_child (parent INTEGER REFERENCES gc_parent (id) DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE TRIGGER gc_poison AFTER INSERT ON categories WHEN NEW.name = 'poison'
		 BEGIN INSERT INTO gc_child VALUES (999); END`,
	} {
		if err := f.Exec("%s", q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	release := holdWriter(t, f.DB)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = f.DB.Write(f.Ctx, addCategory(f, "fine")) })
	time.Sleep(40 * time.Millisecond)
	wg.Go(func() { errs[1] = f.DB.Write(f.Ctx, addCategory(f, "poison")) })
	queued()
	release()
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("write %d: want the failed commit's error, got success", i)
		}
	}
	if got := categoryNames(t, f); len(got) != 0 {
		t.Errorf("categories: want none (the commit failed), got %v", got)
	}
	if err := f.DB.Write(f.Ctx, addCategory(f, "next")); err != nil {
		t.Fatalf("write after a failed commit: want success, got %v", err)
	}
	if got := categoryNames(t, f); !slices.Equal(got, []string{"next"}) {
		t.Errorf("categories: want [next], got %v", got)
	}
}

func TestGroupCommitAnswersPendingWritesOnClose(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := servicetest.NewFixture(t, db)
	if err := db.Write(f.Ctx, addCategory(f, "first")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- db.Write(context.Background(), addCategory(f, "late")) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("write after Close: want an error, got success")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("write after Close: still waiting; want an error at once")
	}
}
