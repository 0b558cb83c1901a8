package store

import "database/sql"

// ReadPool exposes the read pool to the package's external tests, which
// check that its connections carry the same settings as the write pool's.
func ReadPool(db *DB) *sql.DB { return db.read }
