package service_test

import (
	"os"
	"testing"

	"shelf"
)

// listSizes are the numbers of live items the list-page benchmarks run at.
// 10M runs on SQLite only, and only with SHELF_BENCH_10M=1: seeding it takes
// minutes and about 2 GB of disk.
var listSizes = []struct {
	name string
	n    int
}{{"1k", 1_000}, {"1M", 1_000_000}, {"10M", 10_000_000}}

// BenchmarkListPage reads the first page (50 items, newest first) of a user
// who has 1,000, 1,000,000 or 10,000,000 live items: shelf is Items through
// the service (a read transaction, the keyset query over the partial index of
// live items, scanning into shelf.Item); raw_sql is the same SELECT on the
// same pool with its rows scanned into local variables. The page must cost
// the same at every size.
func BenchmarkListPage(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		parent := b
		for _, size := range listSizes {
			// note: seeded once, on first use, for every run of the
			// sub-benchmarks below (b.N grows between runs), and closed
			// when the engine's benchmark ends.
			var e *benchEnv
			setup := func(b *testing.B) *benchEnv {
				if size.n >= 10_000_000 && (engine != "sqlite" || os.Getenv("SHELF_BENCH_10M") != "1") {
					b.Skip("10M items: SQLite only, with SHELF_BENCH_10M=1 (seeding takes minutes)")
				}
				if e == nil {
					e = newBenchEnv(parent, engine)
					e.seedItems(b, "item", size.n, false)
					e.checkpoint(b)
					if engine == "postgres" {
						if _, err := e.db.SQL().ExecContext(e.ctx, `ANALYZE items`); err != nil {
							b.Fatal(err)
						}
					}
				}
				return e
			}
			b.Run(size.name, func(b *testing.B) {
				b.Run("shelf", func(b *testing.B) {
					e := setup(b)
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						page, err := e.svc.Items(e.ctx, e.admin, shelf.ItemFilter{}, false)
						if err != nil {
							b.Fatal(err)
						}
						if len(page.Items) != shelf.DefaultPageSize || page.Next == "" {
							b.Fatalf("got %d items (next %q), want a full page of %d and a next page",
								len(page.Items), page.Next, shelf.DefaultPageSize)
						}
					}
				})
				b.Run("raw_sql", func(b *testing.B) {
					e := setup(b)
					query := e.q(`SELECT id, owner_id, category_id, name, description, quantity, version,
						created_at, updated_at
						FROM items WHERE owner_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`)
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if n := e.rawPage(b, query, e.admin.UserID, shelf.DefaultPageSize+1); n != shelf.DefaultPageSize+1 {
							b.Fatalf("got %d rows, want %d", n, shelf.DefaultPageSize+1)
						}
					}
				})
			})
		}
	})
}

// rawPage runs the list query and scans its rows, and returns how many.
func (e *benchEnv) rawPage(b *testing.B, query string, args ...any) int {
	rows, err := e.db.SQL().QueryContext(e.ctx, query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	var (
		id, owner, qty, version  int64
		cat                      *int64
		name, desc, created, upd string
	)
	for rows.Next() {
		if err := rows.Scan(&id, &owner, &cat, &name, &desc, &qty, &version, &created, &upd); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}
