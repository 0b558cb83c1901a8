// Package storetest opens the temporary databases that Shelf's tests run on:
// a migrated SQLite file in the test's directory, or a schema of its own in a
// PostgreSQL database made for the test run (dropped by Main at the end).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating test databases

	"shelf/store"
)

// OpenSQLite returns a fresh, migrated SQLite database in a temporary file.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	return OpenSQLiteAt(t, filepath.Join(t.TempDir(), "shelf.db"))
}

// OpenSQLiteAt opens and migrates the SQLite file at path (a second instance
// on one file opens it twice), and closes it when the test ends.
func OpenSQLiteAt(t testing.TB, path string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatalf("open sqlite %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close sqlite %s: %v", path, err)
		}
	})
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// PostgresURL is the server the PostgreSQL tests use: SHELF_TEST_POSTGRES,
// or in CI (CI=true) the local server. Outside CI, without the variable, the
// tests skip and say so; in CI they fail when the server is unreachable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("SHELF_TEST_POSTGRES"); u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	t.Skip("PostgreSQL tests skipped: set SHELF_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run them")
	return ""
}

var (
	pgOnce   sync.Once
	pgBase   string // URL of this process's test database
	pgName   string
	pgServer string
	pgErr    error
)

// testDatabase creates, once per test process, a fresh database named
// shelf_test_<random>; Main drops it when the tests are done.
func testDatabase(server string) (string, error) {
	pgOnce.Do(func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			pgErr = err
			return
		}
		defer admin.Close()
		pgName, pgServer = "shelf_test_"+randomHex(6), server
		if _, err := admin.Exec("CREATE DATABASE " + pgName); err != nil {
			pgErr = fmt.Errorf("create test database (is PostgreSQL running?): %w", err)
			return
		}
		u, err := url.Parse(server)
		if err != nil {
			pgErr = err
			return
		}
		u.Path = "/" + pgName
		pgBase = u.String()
	})
	return pgBase, pgErr
}

// PostgresDSN returns the URL of a fresh, empty schema of its own in this
// process's test database, dropped when the test ends; other processes (a
// shelf serve under test) can open it too.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	server := PostgresURL(t)
	base, err := testDatabase(server)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	schema := "t_" + randomHex(6)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("PostgreSQL: create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// OpenPostgres returns a fresh, migrated PostgreSQL database: its own schema
// in this process's test database, dropped when the test ends.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := PostgresDSN(t)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	// note: registered after PostgresDSN's cleanup, so it runs first.
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}

// Main runs a package's tests and then drops the PostgreSQL test database,
// if one was made. Use it from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if pgName != "" {
		if admin, err := sql.Open("pgx", pgServer); err == nil {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + pgName + " WITH (FORCE)")
			admin.Close()
		}
	}
	return code
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
