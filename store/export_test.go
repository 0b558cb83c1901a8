package store

import (
	"context"
	"database/sql"
)

// ReadPool exposes the read pool to the package's external tests, which
// check that its connections carry the same settings as the write pool's.
func ReadPool(db *DB) *sql.DB { return db.read }

// TxIsolation reports the isolation level a read transaction of db runs at
// (PostgreSQL's SHOW transaction_isolation).
func TxIsolation(ctx context.Context, db *DB) (string, error) {
	var level string
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, []any{&level}, `SHOW transaction_isolation`)
	})
	return level, err
}

// MigrateTo applies the migrations up to version only, as an older Shelf
// did, so that tests can build a database of that age and then migrate it.
func MigrateTo(ctx context.Context, db *DB, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
