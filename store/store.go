// Package store keeps Shelf's data in SQL, over database/sql, for SQLite and
// PostgreSQL. It knows tables and queries, not rules: the service package
// decides who may do what and calls the store inside one transaction per use
// case. Driver errors end here, turned into shelf error codes.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// DB is an open Shelf database: a pool for writes and one for reads.
type DB struct {
	dialect    dialect
	write      *sql.DB
	read       *sql.DB
	writeStmts *stmtCache // nil where the driver caches statements itself
	readStmts  *stmtCache
	group      *groupCommit // SQLite's one writer; nil on PostgreSQL
	listeners  eventListeners
	notifier   *notifier // PostgreSQL's wake-up for other instances; nil on SQLite
	dsn        string    // PostgreSQL's, for the connection that listens
	txs        txCounts
}

// txCounts counts the calls of Write, Read and ReadOne, so that tests and
// benchmarks can show what a request costs in transactions.
type txCounts struct{ writes, reads, readOnes atomic.Int64 }

// TxCounts is how many times a database has run each kind of transaction.
type TxCounts struct {
	Writes, Reads, ReadOnes int64
}

// TxCounts reports how many write transactions, read transactions and
// one-statement reads the database has run since it was opened.
func (db *DB) TxCounts() TxCounts {
	return TxCounts{Writes: db.txs.writes.Load(), Reads: db.txs.reads.Load(), ReadOnes: db.txs.readOnes.Load()}
}

// Open opens the database that dsn names: "sqlite:PATH" (the default engine)
// or a "postgres://" URL. It checks the connection settings that the
// deletion rules depend on and refuses a database that does not enforce them.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	}
	return nil, fmt.Errorf("unknown database %q: use sqlite:PATH or a postgres:// URL", redactDSN(dsn))
}

// redactDSN hides a password in a database URL, for error messages.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		if j := strings.Index(dsn, "://"); j > 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// Close stops the writer, once the writes at hand are answered, and closes
// both pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	db.notifier.close()
	db.writeStmts.close()
	db.readStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// WriteStats reports, on SQLite, how many group commits have committed fns
// and how many fns they carried: writes/batches is the mean batch size.
// PostgreSQL, which commits each write on its own, reports zeros.
func (db *DB) WriteStats() (batches, writes int64) {
	if db.group == nil {
		return 0, 0
	}
	return db.group.batches.Load(), db.group.batched.Load()
}

// Ping reports whether the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return db.dialect.mapErr(err)
	}
	return nil
}

// SQL exposes the write pool to tests and tools that check raw state.
func (db *DB) SQL() *sql.DB { return db.write }

// maxRetries bounds how often a write transaction is retried after a
// serialization failure or deadlock.
const maxRetries = 5

// Write runs fn in one write transaction and commits it if fn returns nil;
// it returns nil only once the commit is durable.
//
// On SQLite the transaction begins IMMEDIATE, so it never fails with
// SQLITE_BUSY half-way, and concurrent writes share commits (group commit,
// see groupcommit.go): each fn runs in a savepoint of its own, so a failing
// fn is rolled back alone and leaves nothing visible, while the others of its
// batch commit. On PostgreSQL each call is its own transaction, and a
// serialization failure or deadlock is retried a bounded number of times. fn
// may run more than once, so it must not have effects outside the
// transaction, and it must not call Write itself.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	db.txs.writes.Add(1)
	if db.group != nil {
		return db.group.write(ctx, fn)
	}
	var err error
	for attempt := 0; attempt < maxRetries; attempt++ {
		err = db.run(ctx, db.write, db.writeStmts, fn)
		if !db.dialect.retryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

// Read runs fn in one read transaction, which sees one consistent snapshot.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	db.txs.reads.Add(1)
	return db.run(ctx, db.read, db.readStmts, fn)
}

// ReadOne runs fn, which reads with exactly one statement, outside a
// transaction. One statement sees one consistent snapshot by itself on both
// engines, so the BEGIN and COMMIT that Read adds buy nothing there and cost
// two round trips on PostgreSQL. A second statement in fn fails, because two
// statements outside a transaction could see two different states.
func (db *DB) ReadOne(ctx context.Context, fn func(*Tx) error) error {
	db.txs.readOnes.Add(1)
	defer db.readStmts.preparePending()
	return fn(&Tx{pool: db.read, d: db.dialect, stmts: db.readStmts})
}

// WriteOne runs fn, which writes with exactly one statement, as a write of
// its own: it returns nil only once that statement is durable. On
// PostgreSQL the statement commits by itself, since one statement is atomic
// without the BEGIN and COMMIT that Write adds (two round trips). On SQLite
// it runs in the writer's group commit, as Write does. A second statement
// in fn fails on both engines, as in ReadOne, so fn cannot append audit
// events (that takes two).
func (db *DB) WriteOne(ctx context.Context, fn func(*Tx) error) error {
	if db.group != nil {
		return db.Write(ctx, func(tx *Tx) error {
			tx.single, tx.used = true, false
			defer func() { tx.single, tx.used = false, false }()
			return fn(tx)
		})
	}
	db.txs.writes.Add(1)
	var err error
	for attempt := 0; attempt < maxRetries; attempt++ {
		err = fn(&Tx{pool: db.write, d: db.dialect, stmts: db.writeStmts})
		if !db.dialect.retryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func (db *DB) run(ctx context.Context, pool *sql.DB, stmts *stmtCache, fn func(*Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, db.dialect.txOptions())
	if err != nil {
		return db.dialect.mapErr(err)
	}
	defer stmts.preparePending()
	tx := &Tx{tx: sqlTx, d: db.dialect, stmts: stmts}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return db.dialect.mapErr(err)
	}
	if tx.audited {
		db.committedEvents()
	}
	return nil
}

// Tx is one transaction; every query of a use case goes through it.
type Tx struct {
	tx *sql.Tx
	// pool, set instead of tx by ReadOne and WriteOne, runs one statement
	// on its own; used records that it has. single asks the same of a
	// transaction (WriteOne on SQLite, inside the writer's batch).
	pool   *sql.DB
	used   bool
	single bool
	d      dialect
	stmts  *stmtCache
	// audited records that the transaction appended an audit event, so that
	// the event's listeners are woken once it commits.
	audited bool
	// detached, when set, is the context every statement runs under,
	// whatever context fn passes: SQLite's shared write transactions use it,
	// so that no caller can interrupt a statement (an interrupted write can
	// roll back the whole transaction, and with it the others' writes).
	detached context.Context
}

// stmtCtx is the context a statement runs under.
func (t *Tx) stmtCtx(ctx context.Context) context.Context {
	if t.detached != nil {
		return t.detached
	}
	return ctx
}

// Engine names the engine the transaction runs on.
func (t *Tx) Engine() string { return t.d.name() }

// ErrSecondStatement is what a ReadOne or WriteOne fn gets for its second
// statement.
var ErrSecondStatement = errors.New("store: a second statement in ReadOne or WriteOne; use Read or Write")

// conn is where query runs: the transaction, or for ReadOne and WriteOne
// (on PostgreSQL) the pool, once.
// The statement, when not nil, is query prepared for it.
func (t *Tx) conn(ctx context.Context, query string) (interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, *sql.Stmt, error) {
	if t.tx == nil || t.single {
		if t.used {
			return nil, nil, ErrSecondStatement
		}
		t.used = true
		if t.tx == nil {
			return t.pool, t.stmts.get(query), nil
		}
	}
	st := t.stmts.get(query)
	if st != nil {
		st = t.tx.StmtContext(ctx, st)
	}
	return t.tx, st, nil
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.stmtCtx(ctx)
	query = t.d.rebind(query)
	c, st, err := t.conn(ctx, query)
	if err != nil {
		return nil, err
	}
	var res sql.Result
	if st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = c.ExecContext(ctx, query, args...)
	}
	return res, t.d.mapErr(err)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.stmtCtx(ctx)
	query = t.d.rebind(query)
	c, st, err := t.conn(ctx, query)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = c.QueryContext(ctx, query, args...)
	}
	return rows, t.d.mapErr(err)
}

func (t *Tx) queryRow(ctx context.Context, dest []any, query string, args ...any) error {
	ctx = t.stmtCtx(ctx)
	query = t.d.rebind(query)
	c, st, err := t.conn(ctx, query)
	if err != nil {
		return err
	}
	var row *sql.Row
	if st != nil {
		row = st.QueryRowContext(ctx, args...)
	} else {
		row = c.QueryRowContext(ctx, query, args...)
	}
	return t.d.mapErr(row.Scan(dest...))
}

// affected returns how many rows a statement changed.
func affected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}

// count runs a capped COUNT query: it counts at most limit rows, so a
// preview of a huge graph costs the same as one of a small one.
func (t *Tx) count(ctx context.Context, limit int, from string, args ...any) (int, error) {
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s LIMIT %d) AS capped", from, limit)
	err := t.queryRow(ctx, []any{&n}, q, args...)
	return n, err
}

// Exclusive runs fn only if no other process holds the lock named key (on
// PostgreSQL, a session advisory lock; SQLite has one writer, so it just
// runs fn). It reports whether fn ran. Instances use it so that background
// jobs run on one instance at a time.
func (db *DB) Exclusive(ctx context.Context, key int64, fn func() error) (bool, error) {
	if db.dialect.name() != "postgres" {
		return true, fn()
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return false, db.dialect.mapErr(err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		return false, db.dialect.mapErr(err)
	}
	if !got {
		return false, nil
	}
	defer func() {
		// note: a fresh context, so the lock is released even when ctx is done.
		_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, key)
	}()
	return true, fn()
}
