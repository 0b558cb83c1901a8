package store_test

import (
	"os"
	"testing"

	"shelf/store"
	"shelf/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestPostgresConformance runs the conformance suite on PostgreSQL: a fresh
// schema per subtest in a database made for this run. Outside CI it skips
// unless SHELF_TEST_POSTGRES names a server; under CI=true it fails when the
// server is unreachable.
func TestPostgresConformance(t *testing.T) {
	storetest.PostgresURL(t)
	storetest.Run(t, func(t *testing.T) *store.DB { return storetest.OpenPostgres(t) })
}
