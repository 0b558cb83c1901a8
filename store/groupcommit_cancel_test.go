package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

// Cancellation in the group commit: a caller that gives up before its write
// starts is answered at once and its write never runs; one that gives up
// while its write runs is rolled back alone.

func TestGroupCommitCancelledCallerNeverRuns(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	release := holdWriter(t, f.DB)
	other := make(chan error, 1)
	neverRan := cancelQueued(t, f, func() {
		go func() { other <- f.DB.Write(f.Ctx, addCategory(f, "other")) }()
	})
	release()
	if err := <-other; err != nil {
		t.Fatalf("the other write: %v", err)
	}
	neverRan()
	if got := categoryNames(t, f); !slices.Equal(got, []string{"other"}) {
		t.Errorf("categories: want [other], got %v", got)
	}
}

func TestGroupCommitCancelledDuringItsWriteRollsBack(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	release := holdWriter(t, f.DB)
	ctx, cancel := context.WithCancel(f.Ctx)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = f.DB.Write(f.Ctx, addCategory(f, "before")) })
	time.Sleep(40 * time.Millisecond)
	wg.Go(func() {
		errs[1] = f.DB.Write(ctx, func(tx *store.Tx) error {
			if err := addCategory(f, "cancelled")(tx); err != nil {
				return err
			}
			cancel() // the caller gives up while its write runs
			return addCategory(f, "cancelled too")(tx)
		})
	})
	time.Sleep(40 * time.Millisecond)
	wg.Go(func() { errs[2] = f.DB.Write(f.Ctx, addCategory(f, "after")) })
	queued()
	release()
	wg.Wait()
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("the other writes of the batch: want success, got %v and %v", errs[0], errs[2])
	}
	if !errors.Is(errs[1], context.Canceled) {
		t.Errorf("write cancelled while running: want context.Canceled, got %v", errs[1])
	}
	if got, want := categoryNames(t, f), []string{"after", "before"}; !slices.Equal(got, want) {
		t.Errorf("categories: want %v (nothing of the cancelled write), got %v", want, got)
	}
}

// TestGroupCommitCancelledWhileTheWriterBegins cancels a write the writer has
// already taken but cannot begin yet (another user of the connection holds
// it): the caller is answered at once, and its fn never runs.
func TestGroupCommitCancelledWhileTheWriterBegins(t *testing.T) {
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	conn, err := f.DB.SQL().Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	neverRan := cancelQueued(t, f, func() {})
	conn.Close()
	if err := f.DB.Write(f.Ctx, addCategory(f, "next")); err != nil {
		t.Fatalf("next write: %v", err)
	}
	neverRan()
	if got := categoryNames(t, f); !slices.Equal(got, []string{"next"}) {
		t.Errorf("categories: want [next], got %v", got)
	}
}

// cancelQueued starts a write (of the category "cancelled") whose caller
// gives up once it is queued, after then has queued more, and checks that the
// caller is answered at once with context.Canceled. It returns a check, for
// when the writer is free again, that the write's fn never ran.
func cancelQueued(t *testing.T, f *servicetest.Fixture, then func()) (neverRan func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(f.Ctx)
	ran := make(chan struct{}, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- f.DB.Write(ctx, func(tx *store.Tx) error {
			ran <- struct{}{}
			return addCategory(f, "cancelled")(tx)
		})
	}()
	then()
	queued()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled write: want context.Canceled, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled write: still waiting for the writer; want it answered at once")
	}
	return func() {
		t.Helper()
		select {
		case <-ran:
			t.Error("the cancelled write's fn ran; want it never started")
		default:
		}
	}
}
