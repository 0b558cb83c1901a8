package servicetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/store"
)

// Together runs fn(i) for i in [0, n) on n goroutines released at once by a
// closed channel, and waits for all of them.
func Together(n int, fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

func testConcurrentTrashOneWinner(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Contested")
	const n = 8
	errs := make([]error, n)
	Together(n, func(i int) {
		_, errs[i] = f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 0)
	})
	ok := 0
	for i, err := range errs {
		switch shelf.ErrorCode(err) {
		case "":
			ok++
		case shelf.ENOTFOUND:
		default:
			t.Errorf("request %d: want success or not found, got %v", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("successful trashes of one item: want exactly 1, got %d", ok)
	}
	if c := f.Audits(shelf.ActionItemTrash, it.ID); c != 1 {
		t.Errorf("item.trash events: want exactly 1, got %d", c)
	}
}

func testAuditChainUnderConcurrentWriters(t *testing.T, f *Fixture) {
	const workers, per = 6, 5
	ids := make([][]int64, workers)
	for w := range workers {
		for i := range per {
			ids[w] = append(ids[w], f.Item(f.Alice, fmt.Sprintf("w%d-%d", w, i)).ID)
		}
	}
	errs := make([]error, workers)
	Together(workers, func(w int) {
		for _, id := range ids[w] {
			if _, err := f.Svc.TrashItem(f.Ctx, f.Alice, id, 0); err != nil {
				errs[w] = fmt.Errorf("trash %d: %w", id, err)
				return
			}
		}
	})
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != workers*per {
		t.Errorf("audit chain after concurrent writers: want %d events intact, got %d, %+v, %v", workers*per, n, brk, err)
	}
}

// testStoreReportsRowCounts checks that the store's writes decide by the rows
// they changed, not by an earlier read, so a request that lost a race sees
// "nothing changed" rather than changing a row twice.
func testStoreReportsRowCounts(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Raced")
	at := f.Clock.Now().Add(time.Minute)
	write := func(what string, fn func(tx *store.Tx) (bool, error)) bool {
		t.Helper()
		var ok bool
		err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
			var err error
			ok, err = fn(tx)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return ok
	}
	if write("restore a live item", func(tx *store.Tx) (bool, error) { return tx.RestoreItem(f.Ctx, it.ID, it.Name, at) }) {
		t.Errorf("restore a live item: want false, got true")
	}
	if write("purge a live item", func(tx *store.Tx) (bool, error) { return tx.PurgeItem(f.Ctx, it.ID) }) || !f.IsLive(it.ID) {
		t.Errorf("purge a live item: want false and the row kept")
	}
	if !write("trash", func(tx *store.Tx) (bool, error) { return tx.TrashItem(f.Ctx, it.ID, f.Alice.UserID, at, "c1") }) {
		t.Fatalf("trash a live item: want true, got false")
	}
	if write("trash again", func(tx *store.Tx) (bool, error) { return tx.TrashItem(f.Ctx, it.ID, f.Alice.UserID, at, "c2") }) {
		t.Errorf("trash a trashed item: want false, got true")
	}
	if c := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_cohort = 'c1' AND version = 2", it.ID); c != 1 {
		t.Errorf("item %d: want the first trash's cohort and one version bump, got %d matching rows", it.ID, c)
	}
	upd := it
	upd.Name = "Renamed"
	if write("update a trashed item", func(tx *store.Tx) (bool, error) { return tx.UpdateItem(f.Ctx, upd, 2) }) {
		t.Errorf("update a trashed item: want false, got true")
	}
	if !write("restore", func(tx *store.Tx) (bool, error) { return tx.RestoreItem(f.Ctx, it.ID, it.Name, at) }) {
		t.Fatalf("restore a trashed item: want true, got false")
	}
	if write("update at a stale version", func(tx *store.Tx) (bool, error) { return tx.UpdateItem(f.Ctx, upd, 1) }) {
		t.Errorf("update at a stale version: want false, got true")
	}
	if !write("update at the current version", func(tx *store.Tx) (bool, error) { return tx.UpdateItem(f.Ctx, upd, 3) }) {
		t.Errorf("update at the current version: want true, got false")
	}
}

// testLendRacesTrash lends and trashes the same items at the same instant:
// whichever wins, no item may end up in the Trash while out on loan.
func testLendRacesTrash(t *testing.T, f *Fixture) {
	const items = 24
	var ids []int64
	for i := range items {
		ids = append(ids, f.Item(f.Alice, fmt.Sprintf("raced %d", i)).ID)
	}
	errs := make([]error, 2*items)
	Together(2*items, func(i int) {
		id := ids[i/2]
		if i%2 == 0 {
			_, errs[i] = f.Svc.LendItem(f.Ctx, f.Alice, id, "Racer", nil)
		} else {
			_, errs[i] = f.Svc.TrashItem(f.Ctx, f.Alice, id, 0)
		}
	})
	for i, err := range errs {
		// note: a lend that loses finds the item gone (not found); a trash
		// that loses finds it on loan (restricted).
		if c := shelf.ErrorCode(err); c != "" && c != shelf.ENOTFOUND && c != shelf.EONLOAN {
			t.Errorf("request %d: want success, not found or restricted, got %v", i, err)
		}
	}
	if n := f.Count(`SELECT count(*) FROM items i WHERE i.deleted_at IS NOT NULL
		AND EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL)`); n != 0 {
		t.Errorf("items in the Trash while on loan: want 0, got %d", n)
	}
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_at IS NOT NULL"); n != f.AuditTotal() {
		t.Errorf("trashed items and item.trash events: want as many, got %d and %d", n, f.AuditTotal())
	}
}

func testRestoreRacesPurge(t *testing.T, f *Fixture) {
	for round := range 5 {
		it := f.Item(f.Alice, fmt.Sprintf("Raced %d", round))
		f.Note(f.Alice, it.ID, "kept or gone with it")
		f.Trash(f.Alice, it.ID)
		var restoreErr, purgeErr error
		Together(2, func(i int) {
			if i == 0 {
				_, restoreErr = f.Svc.RestoreItem(f.Ctx, f.Alice, it.ID, "")
			} else {
				_, purgeErr = f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
			}
		})
		restored, purged := restoreErr == nil, purgeErr == nil
		if restored == purged {
			t.Fatalf("round %d: restore %v, purge %v: want exactly one to win", round, restoreErr, purgeErr)
		}
		loser := purgeErr
		if purged {
			loser = restoreErr
		}
		WantCode(t, loser, shelf.ENOTFOUND, "the losing request")
		notes := f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID)
		switch {
		case restored && (!f.IsLive(it.ID) || notes != 1):
			t.Errorf("round %d: restore won but the item is not live with its note (notes %d)", round, notes)
		case purged && (f.Exists("items", it.ID) || notes != 0):
			t.Errorf("round %d: purge won but the item or its note remains (notes %d)", round, notes)
		}
		if r, p := f.Audits(shelf.ActionItemRestore, it.ID), f.Audits(shelf.ActionItemPurge, it.ID); r+p != 1 {
			t.Errorf("round %d: %d restore and %d purge events, want one in all", round, r, p)
		}
	}
}

func testConcurrentPurgersNeverCollide(t *testing.T, f *Fixture) {
	const items, purgers, batch = 60, 4, 7
	for i := range items {
		it := f.Item(f.Alice, fmt.Sprintf("Old %d", i))
		f.Trash(f.Alice, it.ID)
	}
	f.Clock.Advance(48 * time.Hour)
	counts := make([]int, purgers)
	errs := make([]error, purgers)
	Together(purgers, func(i int) {
		counts[i], errs[i] = f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("purger"), f.Clock.Now().Add(-time.Hour), batch, nil)
	})
	total := 0
	for i := range purgers {
		if errs[i] != nil {
			t.Errorf("purger %d: %v", i, errs[i])
		}
		total += counts[i]
	}
	if total != items {
		t.Errorf("purgers report %v = %d items purged, want %d (each exactly once)", counts, total, items)
	}
	if left := f.Count("SELECT count(*) FROM items"); left != 0 {
		t.Errorf("%d items left after the purge", left)
	}
	if n := f.Count("SELECT count(*) FROM audit_events WHERE action = %s", Quote(shelf.ActionItemPurge)); n != items {
		t.Errorf("item.purge events %d, want %d", n, items)
	}
	if _, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil {
		t.Errorf("audit chain after concurrent purges: %v %+v", err, brk)
	}
}

// testRetentionPurgeOneInstance: the retention purge runs on one instance at
// a time. On PostgreSQL a second RetentionPurge, started while the first
// holds the lock, does nothing and says so; SQLite, whose instances cannot
// share a database file across machines, runs it regardless.
func testRetentionPurgeOneInstance(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Old kettle")
	f.Trash(f.Alice, it.ID)
	f.Clock.Advance(31 * 24 * time.Hour)
	before := f.Clock.Now().Add(-30 * 24 * time.Hour)
	var inner struct {
		n   int
		ran bool
		err error
	}
	called := false
	n, ran, err := f.Svc.RetentionPurge(f.Ctx, shelf.System("outer"), before, 0, func(done, total int) {
		if called {
			return
		}
		called = true
		inner.n, inner.ran, inner.err = f.Svc.RetentionPurge(f.Ctx, shelf.System("inner"), before, 0, nil)
	})
	if err != nil || !ran || inner.err != nil {
		t.Fatalf("retention purges: outer ran %v, %v; inner %v", ran, err, inner.err)
	}
	switch f.Svc.Engine() {
	case "postgres":
		if inner.ran || inner.n != 0 || n != 1 {
			t.Fatalf("postgres: want the inner purge refused by the lock and the outer to purge 1, got inner ran %v purged %d, outer purged %d", inner.ran, inner.n, n)
		}
	default:
		if !inner.ran || inner.n+n != 1 {
			t.Fatalf("%s: want both to run and 1 purged in all, got inner ran %v purged %d, outer purged %d", f.Svc.Engine(), inner.ran, inner.n, n)
		}
	}
	if f.Exists("items", it.ID) {
		t.Fatalf("item %d is still there after the retention purge", it.ID)
	}
}
