package service_test

import (
	"context"
	"fmt"
	"shelf/service/servicetest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shelf"
	"shelf/service"
)

// busy reports whether an error is SQLite's "try again", which no request
// may ever see.
func busy(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}

// together is servicetest.Together: n goroutines released at once.
var together = servicetest.Together

func TestConcurrentTrashOfOneItem(t *testing.T) {
	f := newFixture(t)
	it := f.Item(f.Alice, "Contested")
	const n = 16
	errs := make([]error, n)
	cohorts := make([]string, n)
	together(n, func(i int) {
		var trashed shelf.Item
		trashed, errs[i] = f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 0)
		cohorts[i] = trashed.Cohort
	})
	ok := 0
	var winner string
	for i, err := range errs {
		switch shelf.ErrorCode(err) {
		case "":
			ok++
			winner = cohorts[i]
		case shelf.ENOTFOUND:
		default:
			t.Errorf("goroutine %d: want success or not found, got %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("successful trashes: want exactly 1, got %d", ok)
	}
	if n := f.Audits(shelf.ActionItemTrash, it.ID); n != 1 {
		t.Errorf("item.trash events: want exactly 1, got %d", n)
	}
	if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_cohort = '%s'", it.ID, winner); n != 1 {
		t.Errorf("item %d: want trashed with the winner's cohort %q", it.ID, winner)
	}
	if v := f.Count("SELECT version FROM items WHERE id = %d", it.ID); v != 2 {
		t.Errorf("item version: want 2 (bumped once), got %d", v)
	}
}

func TestConcurrentRestoreAndPurgeOfOneItem(t *testing.T) {
	f := newFixture(t)
	it := f.Item(f.Alice, "Either way")
	f.Note(f.Alice, it.ID, "n")
	f.Trash(f.Alice, it.ID)
	const n = 16
	errs := make([]error, n)
	together(n, func(i int) {
		if i%2 == 0 {
			_, errs[i] = f.Svc.RestoreItem(f.Ctx, f.Alice, it.ID, "")
		} else {
			_, errs[i] = f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
		}
	})
	restored, purged := 0, 0
	for i, err := range errs {
		switch code := shelf.ErrorCode(err); {
		case code == "" && i%2 == 0:
			restored++
		case code == "":
			purged++
		case code != shelf.ENOTFOUND:
			t.Errorf("goroutine %d: want success or not found, got %v", i, err)
		}
	}
	// note: a restore that wins can be followed by no purge (purge takes
	// trashed items only), and a purge that wins leaves nothing to restore.
	if restored+purged != 1 {
		t.Fatalf("winners: want exactly one restore or purge, got %d restores and %d purges", restored, purged)
	}
	events := f.Count("SELECT count(*) FROM audit_events WHERE entity_id = %d AND action IN ('item.restore', 'item.purge')", it.ID)
	if events != 1 {
		t.Errorf("restore and purge events: want exactly 1, got %d", events)
	}
	if restored == 1 && (!f.IsLive(it.ID) || f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID) != 1) {
		t.Errorf("restore won: want the item live with its note")
	}
	if purged == 1 && (f.Exists("items", it.ID) || f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID) != 0) {
		t.Errorf("purge won: want the item and its note gone")
	}
}

func TestConcurrentBulkTrashOfDisjointSets(t *testing.T) {
	f := newFixture(t)
	const workers, per = 8, 25
	sets := make([][]int64, workers)
	for w := range workers {
		for i := range per {
			sets[w] = append(sets[w], f.Item(f.Alice, fmt.Sprintf("w%d-%02d", w, i)).ID)
		}
	}
	results := make([]shelf.BulkTrashResult, workers)
	errs := make([]error, workers)
	var readErrs atomic.Int64
	var firstReadErr atomic.Value
	ctx, stop := context.WithCancel(f.Ctx)
	defer stop()
	// Readers list pages all along; they must neither fail nor block writers.
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for ctx.Err() == nil {
				if _, err := f.Svc.Items(ctx, f.Alice, shelf.ItemFilter{Limit: 100}, false); err != nil && ctx.Err() == nil {
					readErrs.Add(1)
					firstReadErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	together(workers, func(w int) {
		results[w], errs[w] = f.Svc.TrashItems(f.Ctx, f.Alice, sets[w], shelf.Confirmation{})
	})
	stop()
	readers.Wait()

	cohorts := map[string]bool{}
	for w, err := range errs {
		if busy(err) {
			t.Errorf("worker %d: got SQLITE_BUSY: %v", w, err)
		} else if err != nil {
			t.Errorf("worker %d: want success, got %v", w, err)
			continue
		}
		if len(results[w].Trashed) != per || len(results[w].NotFound) != 0 || len(results[w].Blocked) != 0 {
			t.Errorf("worker %d: want its %d items trashed, got %+v", w, per, results[w])
		}
		cohorts[results[w].Cohort] = true
		if n := f.Count("SELECT count(*) FROM items WHERE deleted_cohort = '%s'", results[w].Cohort); n != per {
			t.Errorf("worker %d: items with its cohort: want %d, got %d", w, per, n)
		}
	}
	if len(cohorts) != workers {
		t.Errorf("cohorts: want %d distinct, got %d", workers, len(cohorts))
	}
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_at IS NULL"); n != 0 {
		t.Errorf("live items left: want 0, got %d", n)
	}
	if n := readErrs.Load(); n > 0 {
		t.Errorf("concurrent reads: want no error, got %d (first: %v)", n, firstReadErr.Load())
	}
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != workers*per {
		t.Errorf("audit chain after concurrent writers: want %d events intact, got %d, %+v, %v", workers*per, n, brk, err)
	}
}

// TestConcurrentUsersAndPurges mixes every kind of writer at once: members
// trashing and restoring, an admin emptying Trashes and the retention purge.
// Whatever the interleaving, no request sees SQLITE_BUSY and the audit chain
// stays intact.
func TestConcurrentUsersAndPurges(t *testing.T) {
	f := newFixture(t)
	const per = 20
	var alices, bobs []int64
	for i := range per {
		alices = append(alices, f.Item(f.Alice, fmt.Sprintf("a%02d", i)).ID)
		bobs = append(bobs, f.Item(f.Bob, fmt.Sprintf("b%02d", i)).ID)
	}
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	together(4, func(w int) {
		switch w {
		case 0, 1:
			who, ids := f.Alice, alices
			if w == 1 {
				who, ids = f.Bob, bobs
			}
			for _, id := range ids {
				if _, err := f.Svc.TrashItem(f.Ctx, who, id, 0); err != nil {
					fail("trash %d: %v", id, err)
				}
			}
		case 2:
			for range per {
				if _, err := f.Svc.EmptyTrash(f.Ctx, f.Admin, f.Alice.UserID, shelf.Confirmation{}); err != nil {
					fail("empty Alice's Trash: %v", err)
				}
			}
		case 3:
			for range per {
				if _, err := f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("t"), f.Clock.Now().Add(time.Microsecond), service.DefaultPurgeBatch, nil); err != nil {
					fail("retention purge: %v", err)
				}
			}
		}
	})
	for _, s := range failures {
		t.Error(s)
	}
	// Whatever is left in the Trash goes now; then nothing is left at all.
	if _, err := f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("t"), f.Clock.Now().Add(time.Microsecond), 0, nil); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("SELECT count(*) FROM items"); n != 0 {
		t.Errorf("items left: want 0, got %d", n)
	}
	trashes := f.Count("SELECT count(*) FROM audit_events WHERE action = 'item.trash'")
	purges := f.Count("SELECT count(*) FROM audit_events WHERE action = 'item.purge'")
	if trashes != 2*per || purges != 2*per {
		t.Errorf("events: want %d trashes and %d purges, got %d and %d", 2*per, 2*per, trashes, purges)
	}
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != 4*per {
		t.Errorf("audit chain: want %d events intact, got %d, %+v, %v", 4*per, n, brk, err)
	}
}
