package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// seedChunk is how many rows one seeding statement inserts, so that no
// transaction grows without bound.
const seedChunk = 250_000

// errSeedEngine refuses bulk seeding on an engine other than SQLite, which
// the load tool's in-process Shelf runs on.
var errSeedEngine = errors.New("bulk seeding is for SQLite only")

// SeedItems inserts n live items owned by owner, for load measurements, in
// chunks of INSERT … SELECT over a recursive CTE (a million items in seconds,
// where the service's one-by-one creation would take minutes). Their names
// carry the id they are about to get, so they are unique among the owner's
// live items whatever is there already. done is told after each chunk. Both
// engines (the scale benchmark seeds PostgreSQL too).
func (db *DB) SeedItems(ctx context.Context, owner int64, n int, now time.Time, done func(int)) error {
	at := ts(now)
	var maxID int64
	if err := db.write.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM items`).Scan(&maxID); err != nil {
		return err
	}
	for d := 0; d < n; {
		k := min(seedChunk, n-d)
		if _, err := db.write.ExecContext(ctx, db.dialect.rebind(`
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
			INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at)
			SELECT ?, 'load item ' || (? + n), 'seeded by shelf-load', 1, 1, ?, ? FROM seq`),
			k, owner, maxID+int64(d), at, at); err != nil {
			return fmt.Errorf("seed items: %w", err)
		}
		d += k
		if done != nil {
			done(d)
		}
	}
	return nil
}

// SeedTrashedItems inserts n items owned by owner straight into the Trash,
// created at created and trashed from trashed on (a microsecond apart, so
// the purge meets them in id order), one cohort per chunk, for the retention
// purge to remove under load. done is told after each chunk. SQLite only.
func (db *DB) SeedTrashedItems(ctx context.Context, owner int64, n int, created, trashed time.Time, done func(int)) error {
	if db.Engine() != "sqlite" {
		return errSeedEngine
	}
	c := ts(created)
	for d := 0; d < n; {
		k := min(seedChunk, n-d)
		if _, err := db.write.ExecContext(ctx, `
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
			INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at,
			                   deleted_at, deleted_by, deleted_cohort)
			SELECT ?, printf('old item %d', ? + n), 'trashed long ago', 1, 2, ?, ?,
			       strftime('%Y-%m-%dT%H:%M:%S', ? + (? + n) / 1000000, 'unixepoch') || printf('.%06dZ', (? + n) % 1000000),
			       ?, ? FROM seq`,
			k, owner, d, c, c, trashed.Unix(), d, d, owner,
			fmt.Sprintf("purge-load-%d", d)); err != nil {
			return fmt.Errorf("seed trashed items: %w", err)
		}
		d += k
		if done != nil {
			done(d)
		}
	}
	return nil
}

// LiveItemRange returns how many live items owner has, and the ids of the
// oldest and the newest (zeros when there are none).
func (db *DB) LiveItemRange(ctx context.Context, owner int64) (n int, first, last int64, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, []any{&n, &first, &last}, `SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0)
			FROM items WHERE owner_id = ? AND deleted_at IS NULL`, owner)
	})
	return n, first, last, err
}

// TrashedAndTrashEvents counts the items in every Trash and the item.trash
// events of items still there, for the load tool's check that no delete was
// lost or written twice.
func (t *Tx) TrashedAndTrashEvents(ctx context.Context) (trashed, events int, err error) {
	err = t.queryRow(ctx, []any{&trashed, &events}, `SELECT
		(SELECT count(*) FROM items WHERE deleted_at IS NOT NULL),
		(SELECT count(*) FROM audit_events e JOIN items i ON i.id = e.entity_id
		  WHERE e.action = 'item.trash' AND e.entity_type = 'item' AND i.deleted_at IS NOT NULL)`)
	return trashed, events, err
}

// Checkpoint empties SQLite's write-ahead log into the database file, so a
// measurement starts from the state of a server that has been idle. It does
// nothing on PostgreSQL.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.Engine() != "sqlite" {
		return nil
	}
	_, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}
