package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"shelf"
)

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(16)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, &shelf.Error{Code: shelf.EUNAVAILABLE, Message: "PostgreSQL is not reachable at " + redactDSN(dsn) + ".", Err: err}
	}
	// note: one pool serves reads and writes; PostgreSQL has no single-writer
	// limit, and row locks (FOR UPDATE) make check-then-act safe.
	return &DB{dialect: postgresDialect{}, write: pool, read: pool, dsn: dsn, notifier: startNotifier(pool)}, nil
}

type postgresDialect struct{}

// txOptions pins READ COMMITTED, whatever the server's default: the rules
// that lock a row and then read around it (the loan check after the item's
// FOR UPDATE, an audit lane's head after its lock) need each statement to
// see what committed before it began.
func (postgresDialect) txOptions() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
}

func (postgresDialect) name() string             { return "postgres" }
func (postgresDialect) rebind(q string) string   { return rebindDollar(q) }
func (postgresDialect) forUpdate() string        { return " FOR UPDATE" }
func (postgresDialect) skipLocked() string       { return " FOR UPDATE SKIP LOCKED" }
func (d postgresDialect) mapErr(err error) error { return mapErr(d, err) }

// note: the live-name index is on lower(name).
func (postgresDialect) sameName(col string) string { return "lower(" + col + ") = lower(?)" }

// note: PostgreSQL appends an event in one statement (appendAuditOne), which
// reads the lane's head itself.
func (postgresDialect) auditHead() string { return "" }

func (postgresDialect) lockAuditLane() string {
	return `SELECT lane FROM audit_lanes WHERE lane = ? FOR UPDATE`
}

func (postgresDialect) retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	// note: a pooled connection that died (the server restarted, the network
	// dropped it) fails before it sends anything; another one may work.
	return errors.Is(err, pgconn.ErrConnClosed)
}

func (postgresDialect) classify(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return shelf.ECONFLICT
		case pe.Code == "23503", pe.Code == "23001":
			return shelf.ERESTRICTED
		case pe.Code == "22021":
			// note: character_not_in_repertoire, text that is not UTF-8. The
			// web layer refuses it where it enters; this is the backstop for
			// any path that forgets, so it stays a 400 and not a 500.
			return shelf.EMALFORMED
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"), pe.Code == "53300":
			return shelf.EUNAVAILABLE
		}
		return ""
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, sql.ErrConnDone) {
		return shelf.EUNAVAILABLE
	}
	// note: a connection lost under a query or a transaction: the server is
	// gone or unreachable, not a bug of ours (it was a 500).
	if errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, driver.ErrBadConn) || pgconn.Timeout(err) {
		return shelf.EUNAVAILABLE
	}
	return ""
}
