package service_test

import (
	"testing"

	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

// TestSQLiteConformance runs the conformance suite on SQLite: a fresh,
// migrated file per subtest.
func TestSQLiteConformance(t *testing.T) {
	servicetest.Run(t, func(t *testing.T) *store.DB { return storetest.OpenSQLite(t) })
}

// TestPostgresConformance runs the conformance suite on PostgreSQL: a fresh
// schema per subtest in a database made for this run. Outside CI it skips
// unless SHELF_TEST_POSTGRES names a server; under CI=true it fails when the
// server is unreachable.
func TestPostgresConformance(t *testing.T) {
	storetest.PostgresURL(t)
	servicetest.Run(t, func(t *testing.T) *store.DB { return storetest.OpenPostgres(t) })
}
