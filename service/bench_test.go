package service_test

// Benchmarks of the deletion hot paths, each beside a raw-SQL baseline run on
// the same kind of database (a file in a temporary directory, WAL,
// synchronous=FULL, foreign keys on: the pool store.Open gives) in the same
// `go test -bench` run, so that the ratio between the two is what counts on a
// noisy machine. Run them with:
//
//	go test -run '^$' -bench 'TrashItem|Purge100k' -benchtime 2s -count 5 ./service/
//
// Every fixture is seeded outside the timer with single INSERT … SELECT
// statements over recursive CTEs; each timed iteration deletes a distinct row
// that nothing else touches. docs/performance.md has the figures.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// benchTime is the created_at/updated_at of seeded rows, in the store's
// fixed-width UTC layout.
const benchTime = "2026-01-02T15:04:05.000000Z"

// purgeNotes is how many notes the item of the purge benchmarks has.
const purgeNotes = 100_000

type benchEnv struct {
	ctx   context.Context
	db    *store.DB
	svc   *service.Service
	admin shelf.Actor
}

// newBenchEnv opens a fresh migrated database file with one admin user.
func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	svc := service.New(db)
	u, err := svc.AddUser(ctx, service.NewUser{Email: "admin@example.com", Name: "Admin",
		Password: "benchmark password", Role: shelf.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{ctx: ctx, db: db, svc: svc,
		admin: shelf.Actor{UserID: u.ID, Role: shelf.RoleAdmin, RequestID: "bench", RemoteAddr: "127.0.0.1"}}
}

// seedItems inserts n live items owned by the admin, named "<prefix> 1" to
// "<prefix> n", in one statement, and returns their ids.
func (e *benchEnv) seedItems(b *testing.B, prefix string, n int) []int64 {
	b.Helper()
	rows, err := e.db.SQL().QueryContext(e.ctx, `
		WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
		INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at)
		SELECT ?, printf('%s %d', ?, n), 'seeded for a benchmark', 1, 1, ?, ? FROM seq
		RETURNING id`, n, e.admin.UserID, prefix, benchTime, benchTime)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if len(ids) != n {
		b.Fatalf("seeded %d items, want %d", len(ids), n)
	}
	return ids
}

// seedTrashedItemWithNotes creates one item with notes notes (one INSERT …
// SELECT), moves it to the Trash through the service (as a user would), and
// checkpoints the WAL, so that every timed purge starts from the same state.
func (e *benchEnv) seedTrashedItemWithNotes(b *testing.B, name string, notes int) int64 {
	b.Helper()
	id := e.seedItems(b, name, 1)[0]
	res, err := e.db.SQL().ExecContext(e.ctx, `
		WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
		INSERT INTO notes (item_id, author_id, body, created_at)
		SELECT ?, ?, printf('Note %d: checked, cleaned and put back on the shelf.', n), ? FROM seq`,
		notes, id, e.admin.UserID, benchTime)
	if err != nil {
		b.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(notes) {
		b.Fatalf("seeded %d notes (%v), want %d", n, err, notes)
	}
	if _, err := e.svc.TrashItem(e.ctx, e.admin, id, 0); err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.SQL().ExecContext(e.ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		b.Fatal(err)
	}
	return id
}

// count runs a COUNT query on the write pool, for checks after the timer.
func (e *benchEnv) count(b *testing.B, query string, args ...any) int {
	b.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// rawDelete is the baseline: one bare autocommit DELETE of one item, as a
// handler with no rules, no audit and no checks would issue it.
func (e *benchEnv) rawDelete(b *testing.B, id int64) {
	res, err := e.db.SQL().ExecContext(e.ctx, `DELETE FROM items WHERE id = ?`, id)
	if err != nil {
		b.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		b.Fatalf("deleted %d rows (%v), want 1", n, err)
	}
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// reportHeap reports the Go heap bytes allocated per op during the timed
// calls.
func reportHeap(b *testing.B, allocated uint64) {
	b.ReportMetric(float64(allocated)/float64(b.N), "heapB/op")
}

// BenchmarkTrashItem moves one distinct live item to the Trash per iteration:
// shelf is the whole use case (authorization, loan check, soft delete, capped
// impact counts, audit event with hash chain, one IMMEDIATE transaction and a
// durable commit); raw_sql is a bare DELETE of one row, its own durable
// commit.
func BenchmarkTrashItem(b *testing.B) {
	b.Run("shelf", func(b *testing.B) {
		e := newBenchEnv(b)
		ids := e.seedItems(b, "item", b.N)
		b.ReportAllocs()
		before := totalAlloc()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.svc.TrashItem(e.ctx, e.admin, ids[i], 0); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		reportHeap(b, totalAlloc()-before)
		if n := e.count(b, `SELECT count(*) FROM items WHERE deleted_at IS NOT NULL`); n != b.N {
			b.Fatalf("%d items in the Trash, want %d", n, b.N)
		}
		if n := e.count(b, `SELECT count(*) FROM audit_events WHERE action = ?`, shelf.ActionItemTrash); n != b.N {
			b.Fatalf("%d trash audit events, want %d", n, b.N)
		}
	})
	b.Run("raw_sql", func(b *testing.B) {
		e := newBenchEnv(b)
		ids := e.seedItems(b, "item", b.N)
		b.ReportAllocs()
		before := totalAlloc()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.rawDelete(b, ids[i])
		}
		b.StopTimer()
		reportHeap(b, totalAlloc()-before)
		if n := e.count(b, `SELECT count(*) FROM items`); n != 0 {
			b.Fatalf("%d items left, want 0", n)
		}
	})
}

// BenchmarkPurge100kNotes deletes for good, per iteration, one trashed item
// with 100,000 notes, seeded fresh outside the timer: shelf is PurgeItem (a
// before-image of at most 100 notes and loans, capped counts, the cascading
// DELETE and an audit event, in one transaction); raw_sql is the bare
// cascading DELETE. Besides B/op it reports heapB/op (Go heap allocated during
// the timed call) and, on Linux, peakRSS-B: the most the process's resident
// memory rose above where it was before the call, over all iterations. That
// one includes SQLite's own allocations, which live outside the Go heap.
func BenchmarkPurge100kNotes(b *testing.B) {
	b.Run("shelf", func(b *testing.B) {
		benchPurge(b, func(e *benchEnv, id int64) {
			if err := e.svc.PurgeItem(e.ctx, e.admin, id, "benchmark"); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("raw_sql", func(b *testing.B) {
		benchPurge(b, func(e *benchEnv, id int64) { e.rawDelete(b, id) })
	})
}

func benchPurge(b *testing.B, purge func(*benchEnv, int64)) {
	e := newBenchEnv(b)
	b.ReportAllocs()
	var heap uint64
	var peakRSS int64
	rssOK := true
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		id := e.seedTrashedItemWithNotes(b, fmt.Sprintf("purge %d", i), purgeNotes)
		runtime.GC()
		rss0, ok := resetPeakRSS()
		rssOK = rssOK && ok
		before := totalAlloc()
		b.StartTimer()

		purge(e, id)

		b.StopTimer()
		heap += totalAlloc() - before
		if rssOK {
			if hwm, ok := procStatusBytes("VmHWM:"); ok {
				peakRSS = max(peakRSS, hwm-rss0)
			} else {
				rssOK = false
			}
		}
		if n := e.count(b, `SELECT count(*) FROM notes WHERE item_id = ?`, id); n != 0 {
			b.Fatalf("%d notes of the purged item left, want 0", n)
		}
		if n := e.count(b, `SELECT count(*) FROM items WHERE id = ?`, id); n != 0 {
			b.Fatal("the purged item is still there")
		}
		b.StartTimer()
	}
	b.StopTimer()
	reportHeap(b, heap)
	if rssOK {
		b.ReportMetric(float64(peakRSS), "peakRSS-B")
	}
}

// resetPeakRSS resets the kernel's peak-RSS mark of this process (Linux) and
// returns the current RSS; ok is false where that is not possible.
func resetPeakRSS() (rss int64, ok bool) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, false
	}
	return procStatusBytes("VmRSS:")
}

// procStatusBytes reads one "kB" field of /proc/self/status, in bytes.
func procStatusBytes(field string) (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == field && string(f[2]) == "kB" {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
