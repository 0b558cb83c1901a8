package purge

import (
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"shelf/service/servicetest"
	"shelf/store/storetest"
)

// trashedFixture has n items of Alice's trashed 40 days ago, with the clock
// now; the job's retention is 30 days.
func trashedFixture(t *testing.T, n int) *servicetest.Fixture {
	t.Helper()
	f := servicetest.NewFixture(t, storetest.OpenSQLite(t))
	for i := range n {
		it := f.Item(f.Alice, fmt.Sprintf("Old %d", i))
		f.Trash(f.Alice, it.ID)
	}
	f.Clock.Advance(40 * 24 * time.Hour)
	return f
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// The job purges what is past retention, in batches of yieldBatch when it
// yields, and asks Busy between batches.
func TestJobYieldsWhileBusy(t *testing.T) {
	f := trashedFixture(t, 25)
	var asked atomic.Int64
	busyFor := 3 // Busy says yes for the first three questions
	j := &Job{Service: f.Svc, Retention: 30 * 24 * time.Hour, Logger: quietLog(), MaxWait: time.Second,
		Busy: func() bool { return asked.Add(1) <= int64(busyFor) }}
	if n := j.Once(f.Ctx); n != 25 {
		t.Fatalf("purged %d items, want 25", n)
	}
	// three batches (10, 10, 5), and Busy was asked until it said no after each
	if got := asked.Load(); got < 3+3 {
		t.Fatalf("Busy asked %d times, want at least 6 (three waits, then once after each batch)", got)
	}
	if c := f.Count("SELECT count(*) FROM items"); c != 0 {
		t.Fatalf("%d items left, want none", c)
	}
	if c := f.Count("SELECT count(*) FROM audit_events WHERE action = 'item.purge'"); c != 25 {
		t.Fatalf("%d purge events, want 25", c)
	}
}

// A server that is never idle does not stop the purge: each wait is bounded.
func TestJobFinishesWhenAlwaysBusy(t *testing.T) {
	f := trashedFixture(t, 12)
	j := &Job{Service: f.Svc, Retention: 30 * 24 * time.Hour, Logger: quietLog(), MaxWait: 5 * time.Millisecond,
		Busy: func() bool { return true }}
	start := time.Now()
	if n := j.Once(f.Ctx); n != 12 {
		t.Fatalf("purged %d items, want 12", n)
	}
	if took := time.Since(start); took < 10*time.Millisecond {
		t.Fatalf("took %v: the job did not wait between its two batches", took)
	}
	if c := f.Count("SELECT count(*) FROM items"); c != 0 {
		t.Fatalf("%d items left, want none", c)
	}
}

// Without Busy the job purges in the service's default batches, not waiting.
func TestJobWithoutBusy(t *testing.T) {
	f := trashedFixture(t, 3)
	j := &Job{Service: f.Svc, Retention: 30 * 24 * time.Hour, Logger: quietLog()}
	if n := j.Once(f.Ctx); n != 3 {
		t.Fatalf("purged %d items, want 3", n)
	}
	if c := f.Count("SELECT count(*) FROM items"); c != 0 {
		t.Fatalf("%d items left, want none", c)
	}
}
