package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"shelf"
)

// The audit log is Shelf's outbox of change events: every event the stream
// and the webhooks deliver is an audit row, read back after its transaction
// committed. A reader keeps a cursor, the position of the last event it has,
// and asks for what comes after it.
//
// The order must be one in which nothing can ever appear behind a cursor. On
// SQLite there is one writer, so ids commit in id order, and the cursor is the
// id. On PostgreSQL ids do not commit in id order (a transaction holding id 7
// can commit after the one holding id 8, and how often depends on how the
// writers lock the audit log's lanes). There each event also records the id
// of the transaction that wrote it (xid8), and a reader takes only the events
// whose transaction is older than a horizon, in (xid, id) order. The horizon
// is the oldest transaction of this database still running (or, with none,
// the next transaction id), read in a statement before the one that reads
// the events: every transaction below it had ended when that statement ran,
// so its events are visible to the next statement or never will be, and
// every event still to come sorts after it. So "after the cursor" misses
// nothing and repeats nothing, whatever the lock layout. A long write
// transaction in this database holds the stream back until it ends; other
// databases' transactions do not (pg_snapshot_xmin would wait for those too,
// and on a busy shared server that cost seconds). The horizon reads
// pg_stat_activity, which shows the transaction ids of sessions of the same
// role (or all, with pg_read_all_stats): every instance must connect as the
// role that writes the audit log, as Shelf's instances do. Shelf never uses
// prepared (two-phase) transactions, which pg_stat_activity does not list.

const eventColumns = "id, at, action, entity_type, entity_id, owner_id, cohort, summary"

// EventHead returns the cursor of the newest event that no reader can miss
// any more: a reader that starts there hears of everything that commits
// after it began.
func (t *Tx) EventHead(ctx context.Context) (string, error) {
	var c shelf.EventCursor
	var err error
	if t.d.name() == "postgres" {
		var horizon, xid string
		if horizon, err = t.eventHorizon(ctx); err != nil {
			return "", err
		}
		err = t.queryRow(ctx, []any{&xid, &c.ID}, `SELECT xid::text, id FROM audit_events
			WHERE xid < CAST(? AS text)::xid8 ORDER BY xid DESC, id DESC LIMIT 1`, horizon)
		if err == nil {
			c.XID, err = strconv.ParseUint(xid, 10, 64)
		}
	} else {
		err = t.queryRow(ctx, []any{&c.ID}, `SELECT id FROM audit_events ORDER BY id DESC LIMIT 1`)
	}
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return shelf.EventCursor{}.String(), nil
	}
	if err != nil {
		return "", err
	}
	return c.String(), nil
}

// Events returns the events after f.After (and at or before f.Until, when
// set), oldest first, in the order described at the top of this file.
func (t *Tx) Events(ctx context.Context, f shelf.EventFilter) ([]shelf.Event, error) {
	after, err := shelf.ParseEventCursor(f.After)
	if err != nil {
		return nil, err
	}
	pg := t.d.name() == "postgres"
	var where []string
	var args []any
	if pg {
		where = append(where, "(xid, id) > (CAST(? AS text)::xid8, ?)")
		args = append(args, strconv.FormatUint(after.XID, 10), after.ID)
		if !f.Committed {
			horizon, err := t.eventHorizon(ctx)
			if err != nil {
				return nil, err
			}
			where = append(where, "xid < CAST(? AS text)::xid8")
			args = append(args, horizon)
		}
	} else {
		where = append(where, "id > ?")
		args = append(args, after.ID)
	}
	if f.Until != "" {
		until, err := shelf.ParseEventCursor(f.Until)
		if err != nil {
			return nil, err
		}
		if pg {
			where = append(where, "(xid, id) <= (CAST(? AS text)::xid8, ?)")
			args = append(args, strconv.FormatUint(until.XID, 10), until.ID)
		} else {
			where = append(where, "id <= ?")
			args = append(args, until.ID)
		}
	}
	if f.OwnerID != nil {
		where = append(where, "owner_id = ?")
		args = append(args, *f.OwnerID)
	}
	if len(f.Actions) > 0 {
		where = append(where, "action IN (?"+strings.Repeat(", ?", len(f.Actions)-1)+")")
		for _, a := range f.Actions {
			args = append(args, a)
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	order, xidCol := "id", "'0'"
	if pg {
		order, xidCol = "xid, id", "xid::text"
	}
	args = append(args, limit)
	rows, err := t.query(ctx, `SELECT `+xidCol+`, `+eventColumns+` FROM audit_events WHERE `+
		strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanEvent)
}

// eventHorizon returns, on PostgreSQL, the id of the oldest transaction of
// this database that is still running (other than the reader's own), or the
// next transaction id when there is none: see the top of this file. The
// running transactions' ids are 32-bit; each is placed below the snapshot's
// 64-bit xmax by its distance from it.
func (t *Tx) eventHorizon(ctx context.Context) (string, error) {
	var horizon string
	err := t.queryRow(ctx, []any{&horizon}, `WITH s AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::numeric AS xmax)
		SELECT (s.xmax - coalesce(max(((s.xmax % 4294967296) - a.backend_xid::text::numeric + 4294967296) % 4294967296), 0))::text
		FROM s LEFT JOIN pg_stat_activity a
		  ON a.datname = current_database() AND a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
		GROUP BY s.xmax`)
	return horizon, err
}

func scanEvent(s interface{ Scan(...any) error }) (shelf.Event, error) {
	var e shelf.Event
	var xid, cohort string
	err := s.Scan(&xid, &e.ID, timeCol{&e.At}, &e.Action, &e.EntityType, &e.EntityID, nullInt{&e.OwnerID}, &cohort, &e.Summary)
	if err != nil {
		return e, err
	}
	c := shelf.EventCursor{ID: e.ID}
	if c.XID, err = strconv.ParseUint(xid, 10, 64); err != nil {
		return e, fmt.Errorf("event %d: xid %q: %w", e.ID, xid, err)
	}
	e.Cursor = c.String()
	if cohort != "" {
		e.Cohort = &cohort
	}
	return e, nil
}

// eventListeners are the functions woken after a commit that wrote audit
// events. They must not block: each only signals its own goroutine.
type eventListeners struct {
	mu  sync.Mutex
	fns []func()
}

func (l *eventListeners) wake() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, fn := range l.fns {
		fn()
	}
}

// OnEvents registers fn to be called, in this process, after every commit
// that wrote audit events. fn must return at once (signal a channel). Other
// processes' commits are heard with ListenEvents.
func (db *DB) OnEvents(fn func()) {
	db.listeners.mu.Lock()
	defer db.listeners.mu.Unlock()
	db.listeners.fns = append(db.listeners.fns, fn)
}

// ListenEvents wakes fn whenever another process commits audit events, until
// ctx ends. On PostgreSQL it holds one connection of its own that LISTENs
// for the audit log's NOTIFY; after a lost connection it connects again and
// calls fn at once, since notifications sent meanwhile are lost (the reader
// catches up from its cursor). On SQLite, where one process serves the
// database, it returns at once: OnEvents hears every commit.
func (db *DB) ListenEvents(ctx context.Context, fn func()) error {
	if db.dialect.name() != "postgres" {
		return nil
	}
	return listenPostgres(ctx, db.dsn, "shelf_events", func(payload string) {
		if payload != db.notifier.self {
			fn()
		}
	})
}
