package store_test

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"shelf/store"
	"shelf/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestPostgresPinsReadCommitted: Shelf's transactions run at READ COMMITTED
// even where the server's default is stricter, since its row-lock-then-read
// rules depend on each statement seeing what committed before it began.
func TestPostgresPinsReadCommitted(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	ctx := t.Context()
	db, err := store.Open(ctx, dsn+sep+"options="+strings.ReplaceAll(url.QueryEscape(`-c default_transaction_isolation=repeatable\ read`), "+", "%20"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var def string
	if err := db.SQL().QueryRowContext(ctx, `SHOW default_transaction_isolation`).Scan(&def); err != nil || def != "repeatable read" {
		t.Fatalf("the test's connection default: want repeatable read, got %q, %v", def, err)
	}
	level, err := store.TxIsolation(ctx, db)
	if err != nil || level != "read committed" {
		t.Errorf("a Shelf transaction's isolation: want read committed, got %q, %v", level, err)
	}
}
