package store

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"shelf"
)

// dialect is what differs between engines: placeholders, locking clauses and
// the meaning of driver error codes. Everything else is shared SQL.
type dialect interface {
	name() string
	// rebind turns the '?' placeholders of shared SQL into the engine's own.
	rebind(query string) string
	// txOptions are the options every transaction begins with.
	txOptions() *sql.TxOptions
	// forUpdate is the clause that locks selected rows until commit.
	forUpdate() string
	// skipLocked is forUpdate that passes over rows another transaction holds.
	skipLocked() string
	// sameName is the condition "column equals the ? argument, ignoring
	// case", written so that the live-name unique index can answer it.
	sameName(column string) string
	// auditHead is the query that reads an audit lane's head (seq, hash)
	// and the id of the event that follows it, one ? being the lane; ""
	// on PostgreSQL, which appends an event in one statement that reads
	// the head itself (appendAuditOne).
	auditHead() string
	// lockAuditLane locks one lane's row until commit, where writers of
	// one lane can run at once (PostgreSQL); SQLite's one writer needs none.
	lockAuditLane() string
	// classify returns the shelf error code for a driver error, or "".
	classify(err error) string
	retryable(err error) bool
	// mapErr turns a driver error into a shelf error.
	mapErr(err error) error
}

// rebindDollar rewrites '?' placeholders as $1, $2, … (no query of ours has a
// literal '?').
func rebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// mapErr turns a driver error into a shelf error with a safe message, keeping
// the driver error as the cause for logs.
func mapErr(d dialect, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &shelf.Error{Code: shelf.ENOTFOUND, Message: "Not found.", Err: err}
	}
	if shelf.AsError(err) != nil {
		return err
	}
	switch d.classify(err) {
	case shelf.ECONFLICT:
		return &shelf.Error{Code: shelf.ECONFLICT, Message: "That name is already taken.", Err: err}
	case shelf.ERESTRICTED:
		return &shelf.Error{Code: shelf.ERESTRICTED, Message: "Other records still depend on this.", Err: err}
	case shelf.EMALFORMED:
		return &shelf.Error{Code: shelf.EMALFORMED, Message: "The text is not valid UTF-8.", Err: err}
	case shelf.EUNAVAILABLE:
		return &shelf.Error{Code: shelf.EUNAVAILABLE, Message: "The database is unavailable; try again shortly.", Err: err}
	}
	return err
}
