package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"shelf"
)

// sqlitePragmas go in the DSN, so every pooled connection gets them (a pragma
// set with Exec would hold on one connection only). synchronous=FULL makes a
// committed delete survive a power cut; secure_delete overwrites deleted
// content with zeros, so that no free page or cell keeps what a purge or an
// erasure removed (see Scrub).
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)&_pragma=secure_delete(1)"

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	// One writer connection whose transactions begin IMMEDIATE: writers queue
	// in Go instead of failing with SQLITE_BUSY after a read.
	write, err := sql.Open("sqlite", u+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// Readers run beside the writer, thanks to WAL, and cannot write by mistake.
	read, err := sql.Open("sqlite", u+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)
	// note: a reader connection that was open across one very large write
	// transaction (an UPDATE of 500,000 rows, as setting a big category's
	// items to null can be) reads its pages from the file on every query
	// afterwards, several times slower, until the connection is replaced,
	// whatever the checkpoint mode (BenchmarkReadersAfterLargeWrite; the
	// figures are in docs/performance.md, section 6). Fresh connections, and
	// writes in smaller transactions, do not show it. Replacing readers every
	// minute bounds the effect for the price of one connection open per
	// reader per minute.
	read.SetConnMaxLifetime(readerLifetime)

	db := &DB{dialect: sqliteDialect{}, write: write, read: read,
		writeStmts: newStmtCache(write), readStmts: newStmtCache(read)}
	if err := checkSQLitePragmas(ctx, write); err != nil {
		db.Close()
		return nil, err
	}
	if err := checkSQLitePragmas(ctx, read); err != nil {
		db.Close()
		return nil, err
	}
	db.group = newGroupCommit(db)
	return db, nil
}

// readerLifetime is how long a reader connection serves before it is
// replaced (see openSQLite).
const readerLifetime = time.Minute

// checkSQLitePragmas reads the settings back and refuses a connection that
// would not enforce foreign keys: without them no cascade or restrict runs.
func checkSQLitePragmas(ctx context.Context, pool *sql.DB) error {
	var fk, sync int
	var journal string
	if err := pool.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("sqlite: read foreign_keys: %w", err)
	}
	if fk != 1 {
		return errors.New("sqlite: foreign keys are not enforced; refusing to run")
	}
	if err := pool.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
		return fmt.Errorf("sqlite: read journal_mode: %w", err)
	}
	if journal != "wal" {
		return fmt.Errorf("sqlite: journal_mode is %q, want wal", journal)
	}
	if err := pool.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("sqlite: read synchronous: %w", err)
	}
	if sync != 2 {
		return fmt.Errorf("sqlite: synchronous is %d, want 2 (FULL)", sync)
	}
	return nil
}

type sqliteDialect struct{}

// txOptions: SQLite's transactions are serializable already (one writer,
// BEGIN IMMEDIATE for writes, set in the DSN).
func (sqliteDialect) txOptions() *sql.TxOptions { return nil }

func (sqliteDialect) name() string             { return "sqlite" }
func (sqliteDialect) rebind(q string) string   { return q }
func (sqliteDialect) forUpdate() string        { return "" }
func (sqliteDialect) skipLocked() string       { return "" }
func (sqliteDialect) retryable(err error) bool { return false }
func (d sqliteDialect) mapErr(err error) error { return mapErr(d, err) }

// note: the live-name index is on name COLLATE NOCASE; lower(name) =
// lower(?) cannot use it and scans every live item of the owner.
func (sqliteDialect) sameName(col string) string { return col + " = ? COLLATE NOCASE" }

// note: SQLite has one writer at a time, so a lane needs no lock, and the
// next id is the largest one plus one (AUTOINCREMENT keeps ids unused).
func (sqliteDialect) auditHead() string {
	return `SELECT seq, hash, (SELECT coalesce(max(id), 0) + 1 FROM audit_events) FROM audit_lanes WHERE lane = ?`
}

func (sqliteDialect) lockAuditLane() string { return "" }

func (sqliteDialect) classify(err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return shelf.ECONFLICT
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return shelf.ERESTRICTED
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return shelf.EUNAVAILABLE
	}
	return ""
}
