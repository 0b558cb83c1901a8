package store_test

import (
	"context"
	"database/sql"
	"testing"

	"shelf/store"
)

// BenchmarkReadersAfterLargeWrite reads the first page of 50 live items
// (of 1,000,000) through the read pool after one transaction updated half of
// the items: old_readers on connections that were open across that write,
// fresh_readers on connections opened after it, small_writes after the same
// update done in 100 transactions of 10,000 rows. It is why openSQLite
// replaces its readers every minute: old readers kept reading every page
// from the file (3.5x the cost of fresh ones, measured in docs/performance.md).
func BenchmarkReadersAfterLargeWrite(b *testing.B) {
	const q = `SELECT id, owner_id, category_id, name, description, quantity, version, created_at, updated_at
		FROM items WHERE deleted_at IS NULL AND owner_id = ? ORDER BY id DESC LIMIT ?`
	setup := func(b *testing.B, chunk int) (*sql.DB, context.Context) {
		ctx := context.Background()
		db, err := store.Open(ctx, "sqlite:"+b.TempDir()+"/readers.db")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		rp := store.ReadPool(db)
		for _, s := range []string{
			`INSERT INTO users (email, name, password_hash, role, created_at) VALUES ('a@example.com', 'A', 'x', 'admin', '2026-01-01T00:00:00.000000Z')`,
			`INSERT INTO categories (owner_id, name) VALUES (1, 'half')`,
			`WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM seq WHERE n < 1000000)
			 INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at)
			 SELECT 1, 'item ' || n, 'd', 1, 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM seq`,
		} {
			if _, err := db.SQL().ExecContext(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		page(b, ctx, rp, q) // the readers are open before the update
		for lo := 0; lo < 1_000_000; lo += chunk {
			if _, err := db.SQL().ExecContext(ctx, `UPDATE items SET category_id = 1 WHERE id % 2 = 1 AND id > ? AND id <= ?`, lo, lo+chunk); err != nil {
				b.Fatal(err)
			}
		}
		return rp, ctx
	}
	run := func(b *testing.B, rp *sql.DB, ctx context.Context) {
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			page(b, ctx, rp, q)
		}
	}
	b.Run("old_readers", func(b *testing.B) {
		rp, ctx := setup(b, 1_000_000)
		run(b, rp, ctx)
	})
	b.Run("fresh_readers", func(b *testing.B) {
		rp, ctx := setup(b, 1_000_000)
		rp.SetMaxIdleConns(0) // close the readers that saw the update
		rp.SetMaxIdleConns(4)
		run(b, rp, ctx)
	})
	b.Run("small_writes", func(b *testing.B) {
		rp, ctx := setup(b, 10_000)
		run(b, rp, ctx)
	})
}

// page reads one page of q and checks it is full.
func page(b *testing.B, ctx context.Context, rp *sql.DB, q string) {
	rows, err := rp.QueryContext(ctx, q, 1, 51)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil || n != 51 {
		b.Fatalf("page: %d rows, %v", n, err)
	}
}
