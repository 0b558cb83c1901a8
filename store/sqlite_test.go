package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

// openSQLite and openSQLiteAt are the one helper that opens temporary
// databases, under this file's names.
var (
	openSQLite   = storetest.OpenSQLite
	openSQLiteAt = storetest.OpenSQLiteAt
)

func TestSQLiteMigrateIsIdempotent(t *testing.T) {
	db := openSQLite(t)
	if db.Engine() != "sqlite" {
		t.Fatalf("engine: want sqlite, got %q", db.Engine())
	}
	n, err := db.Migrate(t.Context())
	if err != nil || n != 0 {
		t.Fatalf("second migrate: want 0 applied and no error, got %d, %v", n, err)
	}
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

// TestSQLitePragmas reads back, on several connections of both pools, the
// settings the deletion rules and durability depend on.
func TestSQLitePragmas(t *testing.T) {
	db := openSQLite(t)
	ctx := t.Context()
	pools := map[string]*sql.DB{"write": db.SQL(), "read": store.ReadPool(db)}
	for name, pool := range pools {
		// Hold several connections at once, so each check runs on a
		// different pooled connection, not the same one again.
		want := 1
		if name == "read" {
			want = 3
		}
		var conns []*sql.Conn
		for range want {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatalf("%s pool: get a connection: %v", name, err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			checkPragma(t, c, fmt.Sprintf("%s pool, connection %d", name, i), "foreign_keys", "1")
			checkPragma(t, c, fmt.Sprintf("%s pool, connection %d", name, i), "journal_mode", "wal")
			checkPragma(t, c, fmt.Sprintf("%s pool, connection %d", name, i), "synchronous", "2")
			checkPragma(t, c, fmt.Sprintf("%s pool, connection %d", name, i), "busy_timeout", "5000")
		}
		for _, c := range conns {
			c.Close()
		}
	}

	// The read pool cannot write, even by mistake.
	if _, err := store.ReadPool(db).ExecContext(ctx, "CREATE TABLE nope (x)"); err == nil {
		t.Errorf("write through the read pool: want it refused (query_only), it succeeded")
	}
}

func checkPragma(t *testing.T, c *sql.Conn, where, pragma, want string) {
	t.Helper()
	var got string
	if err := c.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
		t.Fatalf("%s: PRAGMA %s: %v", where, pragma, err)
	}
	if got != want {
		t.Errorf("%s: PRAGMA %s: want %s, got %s", where, pragma, want, got)
	}
}

// TestSQLiteSchema checks what `sqlite3 shelf.db .schema` shows: the foreign
// keys carry the deletion rules, ids are AUTOINCREMENT, names are unique
// among live items only, and the audit log has its guard triggers.
func TestSQLiteSchema(t *testing.T) {
	db := openSQLite(t)
	ctx := t.Context()
	rows, err := db.SQL().QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	schema := map[string]string{}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			t.Fatal(err)
		}
		schema[name] = strings.Join(strings.Fields(text), " ")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	wantText := map[string][]string{
		"categories": {"owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE"},
		"items": {
			"owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT",
			"category_id INTEGER REFERENCES categories (id) ON DELETE SET NULL",
			"deleted_by INTEGER REFERENCES users (id) ON DELETE SET NULL",
		},
		"notes": {
			"item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE",
			"author_id INTEGER REFERENCES users (id) ON DELETE SET NULL",
		},
		"loans":                  {"item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE"},
		"api_tokens":             {"user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE"},
		"sessions":               {"user_id INTEGER REFERENCES users (id) ON DELETE CASCADE"},
		"items_live_name":        {"ON items (owner_id, name COLLATE NOCASE) WHERE deleted_at IS NULL", "UNIQUE"},
		"audit_events_no_update": {"BEFORE UPDATE ON audit_events", "RAISE(ABORT"},
		"audit_events_no_delete": {"BEFORE DELETE ON audit_events", "RAISE(ABORT"},
	}
	for name, wants := range wantText {
		text, ok := schema[name]
		if !ok {
			t.Errorf("schema: want %s, it is missing", name)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("schema of %s: want %q in\n%s", name, w, text)
			}
		}
	}
	for _, table := range []string{"users", "categories", "items", "notes", "loans", "api_tokens", "audit_events"} {
		if !strings.Contains(schema[table], "INTEGER PRIMARY KEY AUTOINCREMENT") {
			t.Errorf("schema of %s: want an AUTOINCREMENT id so ids are never reused, got\n%s", table, schema[table])
		}
	}
	if strings.Contains(schema["audit_events"], "REFERENCES") {
		t.Errorf("schema of audit_events: want no foreign key (the log outlives what it records), got\n%s", schema["audit_events"])
	}

	// The same, as SQLite understands it: every foreign key and its action.
	wantFK := map[string]map[string]string{
		"categories":   {"owner_id": "CASCADE"},
		"items":        {"owner_id": "RESTRICT", "category_id": "SET NULL", "deleted_by": "SET NULL", "job_id": "SET NULL"},
		"notes":        {"item_id": "CASCADE", "author_id": "SET NULL"},
		"loans":        {"item_id": "CASCADE"},
		"api_tokens":   {"user_id": "CASCADE"},
		"sessions":     {"user_id": "CASCADE"},
		"audit_events": {},
	}
	for table, want := range wantFK {
		got := foreignKeys(t, db, table)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("foreign keys of %s (column: on delete): want %v, got %v", table, want, got)
		}
	}
	var violations int
	if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_check").Scan(&violations); err != nil {
		t.Fatal(err)
	}
	if violations != 0 {
		t.Errorf("foreign key check: want no violations, got %d", violations)
	}
}

func foreignKeys(t *testing.T, db *store.DB, table string) map[string]string {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT "from", on_delete FROM pragma_foreign_key_list('`+table+`')`)
	if err != nil {
		t.Fatalf("foreign keys of %s: %v", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var from, onDelete string
		if err := rows.Scan(&from, &onDelete); err != nil {
			t.Fatal(err)
		}
		out[from] = onDelete
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenRefusesUnknownDatabase(t *testing.T) {
	for _, dsn := range []string{"mysql://u:secret@host/db", "shelf.db", "sqlite:"} {
		db, err := store.Open(context.Background(), dsn)
		if err == nil {
			db.Close()
			t.Errorf("open %q: want an error, got a database", dsn)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("open %q: the error must not show the password, got %q", dsn, err)
		}
	}
}

// TestSQLiteTwoInstancesNeverBusy runs two independent handles on one file,
// as two processes would, writing at once: the busy timeout and IMMEDIATE
// write transactions mean neither ever sees SQLITE_BUSY.
func TestSQLiteTwoInstancesNeverBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shelf.db")
	db1 := openSQLiteAt(t, path)
	db2 := openSQLiteAt(t, path)
	f := servicetest.NewFixture(t, db1)
	svc2 := service.New(db2, service.WithClock(f.Clock.Now))

	const perWorker = 40
	var ids [2][]int64
	for w := range 2 {
		for i := range perWorker {
			ids[w] = append(ids[w], f.Item(f.Alice, fmt.Sprintf("item %d-%d", w, i)).ID)
		}
	}
	svcs := []*service.Service{f.Svc, svc2}
	start := make(chan struct{})
	errs := make(chan error, 2*perWorker)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, id := range ids[w] {
				// note: a read then a write in each use case, from two
				// handles, is what makes deferred transactions fail.
				if _, err := svcs[w].TrashItem(t.Context(), f.Alice, id, 0); err != nil {
					errs <- fmt.Errorf("trash %d on handle %d: %w", id, w+1, err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%v (code %s)", err, shelf.ErrorCode(err))
	}
	if n := f.Count("SELECT count(*) FROM items WHERE deleted_at IS NOT NULL"); n != 2*perWorker {
		t.Errorf("trashed items: want %d, got %d", 2*perWorker, n)
	}
	if n, brk, err := f.Svc.VerifyAudit(t.Context()); err != nil || brk != nil || n != 2*perWorker {
		t.Errorf("verify: want %d events and an intact chain, got %d, %+v, %v", 2*perWorker, n, brk, err)
	}
}
