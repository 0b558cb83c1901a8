package service_test

// Benchmarks of the hot paths, on both engines, each beside a raw-SQL
// baseline in the same `go test -bench` run, so that the ratio between the
// two is what counts on a noisy machine:
//
//	go test -run '^$' -bench . -benchtime 2s ./service/
//	go test -run '^$' -bench 'ListPage/sqlite' -benchtime 2000x ./service/
//	SHELF_BENCH_10M=1 go test -run '^$' -bench 'ListPage/sqlite/10M' -benchtime 2000x -timeout 1h ./service/
//
// SQLite runs on a file in a temporary directory, with the settings
// store.Open gives (WAL, synchronous=FULL, foreign keys, one writer with
// group commit). PostgreSQL runs in a fresh schema of the test server; those
// benchmarks skip unless SHELF_TEST_POSTGRES names a server or CI=true (then
// postgres://postgres@127.0.0.1:5432/postgres). Every fixture is seeded
// outside the timer with single INSERT … SELECT statements (over a
// recursive CTE, or generate_series); each timed delete takes a distinct row
// that nothing else touches. docs/performance.md has the figures.

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"shelf"
	"shelf/internal/procmem"
	"shelf/service"
	"shelf/store"
	"shelf/store/storetest"
)

// benchTime is the created_at/updated_at of seeded rows, in the store's
// fixed-width UTC layout.
const benchTime = "2026-01-02T15:04:05.000000Z"

// purgeNotes is how many notes the item of the purge benchmarks has.
const purgeNotes = 100_000

// seedChunk bounds the rows one seeding statement inserts.
const seedChunk = 250_000

// engines are the engines every benchmark runs on.
var engines = []string{"sqlite", "postgres"}

type benchEnv struct {
	ctx    context.Context
	engine string
	db     *store.DB
	svc    *service.Service
	admin  shelf.Actor
}

// openBench opens a fresh, migrated database of the engine. On PostgreSQL
// it skips the benchmark unless a server is configured (see the file's
// comment). The database is closed when tb's test ends.
func openBench(tb testing.TB, engine string) *store.DB {
	tb.Helper()
	if engine == "postgres" {
		return storetest.OpenPostgres(tb)
	}
	return storetest.OpenSQLite(tb)
}

// newBenchEnv opens a fresh database with one admin user.
func newBenchEnv(tb testing.TB, engine string) *benchEnv {
	tb.Helper()
	db := openBench(tb, engine)
	ctx := context.Background()
	svc := service.New(db)
	u, err := svc.AddUser(ctx, service.NewUser{Email: "admin@example.com", Name: "Admin",
		Password: "benchmark password", Role: shelf.RoleAdmin})
	if err != nil {
		tb.Fatal(err)
	}
	return &benchEnv{ctx: ctx, engine: engine, db: db, svc: svc,
		admin: shelf.Actor{UserID: u.ID, Role: shelf.RoleAdmin, RequestID: "bench", RemoteAddr: "127.0.0.1"}}
}

// q rewrites the ? placeholders of a query for the engine.
func (e *benchEnv) q(query string) string {
	if e.engine != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// seriesSQL is a table of the integers 1 to ? named seq(n).
func (e *benchEnv) seriesSQL() string {
	if e.engine == "postgres" {
		return `seq AS (SELECT n FROM generate_series(1, ?::bigint) AS n)`
	}
	return `RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)`
}

// seedItems inserts n live items owned by the admin, named "<prefix> 1" to
// "<prefix> n", in statements of at most seedChunk rows, and returns their
// ids when wantIDs is set.
func (e *benchEnv) seedItems(tb testing.TB, prefix string, n int, wantIDs bool) []int64 {
	tb.Helper()
	var ids []int64
	if wantIDs {
		ids = make([]int64, 0, n)
	}
	for done := 0; done < n; {
		k := min(seedChunk, n-done)
		rows, err := e.db.SQL().QueryContext(e.ctx, e.q(`
			WITH `+e.seriesSQL()+`
			INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at)
			SELECT ?, ? || ' ' || CAST(? + n AS TEXT), 'seeded for a benchmark', 1, 1, ?, ? FROM seq
			RETURNING id`), k, e.admin.UserID, prefix, done, benchTime, benchTime)
		if err != nil {
			tb.Fatal(err)
		}
		got := 0
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				tb.Fatal(err)
			}
			got++
			if wantIDs {
				ids = append(ids, id)
			}
		}
		if err := rows.Err(); err != nil {
			tb.Fatal(err)
		}
		rows.Close()
		if got != k {
			tb.Fatalf("seeded %d items, want %d", got, k)
		}
		done += k
	}
	return ids
}

// seedTrashedItemWithNotes creates one item with notes notes (one INSERT …
// SELECT), moves it to the Trash through the service (as a user would) and,
// on SQLite, checkpoints the WAL, so that every timed purge starts from the
// same state.
func (e *benchEnv) seedTrashedItemWithNotes(tb testing.TB, name string, notes int) int64 {
	tb.Helper()
	id := e.seedItems(tb, name, 1, true)[0]
	res, err := e.db.SQL().ExecContext(e.ctx, e.q(`
		WITH `+e.seriesSQL()+`
		INSERT INTO notes (item_id, author_id, body, created_at)
		SELECT ?, ?, 'Note ' || CAST(n AS TEXT) || ': checked, cleaned and put back on the shelf.', ? FROM seq`),
		notes, id, e.admin.UserID, benchTime)
	if err != nil {
		tb.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(notes) {
		tb.Fatalf("seeded %d notes (%v), want %d", n, err, notes)
	}
	if _, err := e.svc.TrashItem(e.ctx, e.admin, id, 0); err != nil {
		tb.Fatal(err)
	}
	e.checkpoint(tb)
	return id
}

// spreadOwners gives the seeded items to n owners (the admin and n-1 new
// members), item id modulo n, so that their events fall in n audit lanes.
func (e *benchEnv) spreadOwners(tb testing.TB, n int) {
	tb.Helper()
	owners := []int64{e.admin.UserID}
	for i := 1; i < n; i++ {
		var id int64
		err := e.db.SQL().QueryRowContext(e.ctx, e.q(`INSERT INTO users (email, name, password_hash, role, created_at)
			VALUES (?, 'Owner', '-', 'member', ?) RETURNING id`), fmt.Sprintf("owner%d@example.com", i), benchTime).Scan(&id)
		if err != nil {
			tb.Fatal(err)
		}
		owners = append(owners, id)
	}
	for i, o := range owners {
		if _, err := e.db.SQL().ExecContext(e.ctx, e.q(`UPDATE items SET owner_id = ? WHERE id % ? = ?`), o, n, i); err != nil {
			tb.Fatal(err)
		}
	}
	e.checkpoint(tb)
}

// checkpoint empties SQLite's WAL into the database file.
func (e *benchEnv) checkpoint(tb testing.TB) {
	if e.engine != "sqlite" {
		return
	}
	if _, err := e.db.SQL().ExecContext(e.ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
}

// count runs a COUNT query on the write pool, for checks after the timer.
func (e *benchEnv) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(e.ctx, e.q(query), args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// rawDelete is the baseline: one bare autocommit DELETE of one item, as a
// handler with no rules, no audit and no checks would issue it.
func (e *benchEnv) rawDelete(tb testing.TB, id int64) {
	res, err := e.db.SQL().ExecContext(e.ctx, e.q(`DELETE FROM items WHERE id = ?`), id)
	if err != nil {
		tb.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		tb.Fatalf("deleted %d rows (%v), want 1", n, err)
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

// forEngines runs fn as one sub-benchmark per engine.
func forEngines(b *testing.B, fn func(b *testing.B, engine string)) {
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			if engine == "postgres" {
				storetest.PostgresURL(b) // skips unless a server is configured
			}
			fn(b, engine)
		})
	}
}

// BenchmarkTrashItem moves one distinct live item to the Trash per iteration,
// one call at a time: shelf is the whole use case (authorization, loan
// check, soft delete, capped impact counts, audit event with hash chain, one
// transaction and a durable commit); raw_sql is a bare DELETE of one row, its
// own durable commit.
func BenchmarkTrashItem(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		b.Run("shelf", func(b *testing.B) {
			e := newBenchEnv(b, engine)
			ids := e.seedItems(b, "item", b.N, true)
			e.checkpoint(b)
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
			e.wantTrashed(b, b.N)
		})
		b.Run("raw_sql", func(b *testing.B) {
			e := newBenchEnv(b, engine)
			ids := e.seedItems(b, "item", b.N, true)
			e.checkpoint(b)
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
	})
}

// BenchmarkTrashItemSealing is what sealing the audit event's personal data
// (a key read in the transaction, AES-GCM over the summary, the snapshot
// and the address) costs a delete: the TrashItem use case, one call at a
// time, sealed as Shelf runs and unsealed as before, in the same run.
func BenchmarkTrashItemSealing(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		for _, sealed := range []bool{true, false} {
			name := "sealed"
			if !sealed {
				name = "unsealed"
			}
			b.Run(name, func(b *testing.B) {
				e := newBenchEnv(b, engine)
				if !sealed {
					e.svc = service.New(e.db, service.WithUnsealedAudit())
				}
				ids := e.seedItems(b, "item", b.N, true)
				e.checkpoint(b)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := e.svc.TrashItem(e.ctx, e.admin, ids[i], 0); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				e.wantTrashed(b, b.N)
			})
		}
	})
}

// trashConcurrency is how many callers the concurrent benchmarks run: the
// load tool's 16 connections.
const trashConcurrency = 16

// BenchmarkTrashItemConcurrent is BenchmarkTrashItem with 16 callers at once,
// as a server under load has them: on SQLite, group commit shares one
// durable commit among the calls that meet at the writer; raw_sql is 16
// callers of bare autocommit DELETEs, each its own commit (on SQLite, the
// per-commit floor the group commit goes beyond). On SQLite it also reports
// writes/commit, the mean batch size.
func BenchmarkTrashItemConcurrent(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		run := func(b *testing.B, setup func(e *benchEnv), op func(e *benchEnv, id int64)) *benchEnv {
			e := newBenchEnv(b, engine)
			ids := e.seedItems(b, "item", b.N, true)
			if setup != nil {
				setup(e)
			}
			e.checkpoint(b)
			var next atomic.Int64
			batches0, writes0 := e.db.WriteStats()
			b.ReportAllocs()
			b.SetParallelism((trashConcurrency + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					op(e, ids[next.Add(1)-1])
				}
			})
			b.StopTimer()
			if batches, writes := e.db.WriteStats(); batches > batches0 {
				b.ReportMetric(float64(writes-writes0)/float64(batches-batches0), "writes/commit")
			}
			return e
		}
		b.Run("shelf", func(b *testing.B) {
			e := run(b, nil, func(e *benchEnv, id int64) {
				if _, err := e.svc.TrashItem(e.ctx, e.admin, id, 0); err != nil {
					b.Error(err)
				}
			})
			e.wantTrashed(b, b.N)
		})
		// note: the same deletes of items of 16 owners, so in 16 audit
		// lanes; "shelf" above is one owner, one lane.
		b.Run("shelf_16owners", func(b *testing.B) {
			e := run(b, func(e *benchEnv) { e.spreadOwners(b, trashConcurrency) }, func(e *benchEnv, id int64) {
				if _, err := e.svc.TrashItem(e.ctx, e.admin, id, 0); err != nil {
					b.Error(err)
				}
			})
			e.wantTrashed(b, b.N)
		})
		b.Run("raw_sql", func(b *testing.B) {
			e := run(b, nil, func(e *benchEnv, id int64) { e.rawDelete(b, id) })
			if n := e.count(b, `SELECT count(*) FROM items`); n != 0 {
				b.Fatalf("%d items left, want 0", n)
			}
		})
	})
}

// wantTrashed checks, after the timer, that n items are in the Trash, each
// with its audit event, and that the chain verifies.
func (e *benchEnv) wantTrashed(b *testing.B, n int) {
	b.Helper()
	if got := e.count(b, `SELECT count(*) FROM items WHERE deleted_at IS NOT NULL`); got != n {
		b.Fatalf("%d items in the Trash, want %d", got, n)
	}
	if got := e.count(b, `SELECT count(*) FROM audit_events WHERE action = ?`, shelf.ActionItemTrash); got != n {
		b.Fatalf("%d trash audit events, want %d", got, n)
	}
	if got, brk, err := e.svc.VerifyAudit(e.ctx); err != nil || brk != nil || got != n {
		b.Fatalf("audit chain: want %d events and no break, got %d, %+v, %v", n, got, brk, err)
	}
}

// BenchmarkPurge100kNotes deletes for good, per iteration, one trashed item
// with 100,000 notes, seeded fresh outside the timer: shelf is PurgeItem (a
// before-image of at most 100 notes and loans, capped counts, the cascading
// DELETE and an audit event, in one transaction); raw_sql is the bare
// cascading DELETE. Besides B/op it reports heapB/op (Go heap allocated during
// the timed call) and, on Linux, peakRSS-B: the most this process's resident
// memory rose above where it was before the call, over all iterations. On
// SQLite that includes the database's own allocations, which live outside
// the Go heap; on PostgreSQL the cascade's memory is the server's.
func BenchmarkPurge100kNotes(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		b.Run("shelf", func(b *testing.B) {
			benchPurge(b, engine, func(e *benchEnv, id int64) {
				if _, err := e.svc.PurgeItem(e.ctx, e.admin, id, shelf.Confirmation{Reason: "benchmark"}); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("raw_sql", func(b *testing.B) {
			benchPurge(b, engine, func(e *benchEnv, id int64) { e.rawDelete(b, id) })
		})
	})
}

func benchPurge(b *testing.B, engine string, purge func(*benchEnv, int64)) {
	e := newBenchEnv(b, engine)
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
			if hwm, ok := procmem.Status(procmem.Self, "VmHWM:"); ok {
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
	if !procmem.ResetPeak(procmem.Self) {
		return 0, false
	}
	return procmem.Status(procmem.Self, "VmRSS:")
}
