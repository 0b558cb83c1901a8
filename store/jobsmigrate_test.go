package store_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"shelf/store"
	"shelf/store/storetest"
)

// TestEraseJobsMigration: a database with a job running migrates to the
// schema that has erasure jobs, and keeps the job, the items it holds and
// its id sequence (an id is never reused); an erasure's job can then be
// stored, and let go of its owner.
func TestEraseJobsMigration(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := t.Context()
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "old.db")
			if engine == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := store.MigrateTo(ctx, db, 14); err != nil {
				t.Fatalf("migrate to 14: %v", err)
			}
			sqlDB := db.SQL()
			q := func(s string) string {
				if engine != "postgres" {
					return s
				}
				for n := 1; strings.Contains(s, "?"); n++ {
					s = strings.Replace(s, "?", fmt.Sprintf("$%d", n), 1)
				}
				return s
			}
			exec := func(s string, args ...any) {
				t.Helper()
				if _, err := sqlDB.ExecContext(ctx, q(s), args...); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			exec(`INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES (1, 'a@example.com', 'A', 'x', 'member', '2026-01-01T00:00:00Z')`)
			for range 2 {
				exec(`INSERT INTO jobs (kind, state, owner_id, actor_role, next_attempt_at, created_at) VALUES ('bulk_delete', 'running', 1, 'member', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`)
			}
			exec(`DELETE FROM jobs WHERE id = 2`)
			exec(`INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at, job_id) VALUES (1, 'Box', '', 1, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)`)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			var marked, jobs int
			if err := sqlDB.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM items WHERE job_id = 1), (SELECT count(*) FROM jobs)`).Scan(&marked, &jobs); err != nil {
				t.Fatal(err)
			}
			if marked != 1 || jobs != 1 {
				t.Fatalf("after the migration: want the job and the item it holds, got %d jobs and %d items held", jobs, marked)
			}
			var id int64
			if err := sqlDB.QueryRowContext(ctx, `INSERT INTO jobs (kind, state, owner_id, actor_role, next_attempt_at, created_at)
				VALUES ('erase_user', 'queued', 1, 'admin', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id`).Scan(&id); err != nil {
				t.Fatalf("an erasure's job: %v", err)
			}
			if id != 3 {
				t.Errorf("the next job's id: want 3 (2 is never reused), got %d", id)
			}
			exec(`UPDATE jobs SET owner_id = NULL WHERE id = ?`, id)
			exec(`DELETE FROM items`)
			exec(`DELETE FROM users WHERE id = 1`)
			if err := sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM jobs`).Scan(&jobs); err != nil || jobs != 1 {
				t.Fatalf("after the owner is deleted: want only the let-go job left, got %d (%v)", jobs, err)
			}
		})
	}
}
