package store

import (
	"context"
	"strconv"
	"strings"
)

// JobMoved tells the other instances, on PostgreSQL, that job id moved (a
// batch of it committed, or it ended), after the commit; ListenJobs hears
// it there. It never blocks; on SQLite, one process serves the database and
// it does nothing.
func (db *DB) JobMoved(id int64) { db.notifier.wakeJob(id) }

// ListenJobs calls fn with the id of every job that another process tells
// of with JobMoved, until ctx ends. On PostgreSQL it holds one connection
// of its own that LISTENs for those wake-ups (reconnecting after a lost
// one; what was told meanwhile is lost, and a job's page reads the job at
// its address anyway); on SQLite it returns at once.
func (db *DB) ListenJobs(ctx context.Context, fn func(id int64)) error {
	if db.dialect.name() != "postgres" {
		return nil
	}
	return listenPostgres(ctx, db.dsn, "shelf_jobs", func(payload string) {
		from, idText, ok := strings.Cut(payload, " ")
		if !ok || from == db.notifier.self {
			return // a reconnection, or this process's own
		}
		if id, err := strconv.ParseInt(idText, 10, 64); err == nil && id > 0 {
			fn(id)
		}
	})
}
