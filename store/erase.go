package store

import (
	"context"
	"fmt"
	"time"
)

// StopAccount ends a user's access at once: their sessions and API tokens
// are deleted, and their password can no longer match (an erasure in
// progress, or an account deleted by its owner).
func (t *Tx) StopAccount(ctx context.Context, userID int64) error {
	for _, q := range []string{
		`DELETE FROM sessions WHERE user_id = ?`,
		`DELETE FROM api_tokens WHERE user_id = ?`,
		`UPDATE users SET password_hash = '!stopped' WHERE id = ?`,
	} {
		if _, err := t.exec(ctx, q, userID); err != nil {
			return err
		}
	}
	return nil
}

// EraseRows deletes, in one bounded step, up to limit rows that hold a
// user's personal data, in an order that keeps every step small: notes on
// their items, loans of their items, notes they wrote on others' items.
// It returns how many rows it deleted (0 once none are left).
func (t *Tx) EraseRows(ctx context.Context, userID int64, limit int) (int64, error) {
	for _, q := range []string{
		`DELETE FROM notes WHERE id IN (SELECT n.id FROM notes n JOIN items i ON i.id = n.item_id WHERE i.owner_id = ? LIMIT %d)`,
		`DELETE FROM loans WHERE id IN (SELECT l.id FROM loans l JOIN items i ON i.id = l.item_id WHERE i.owner_id = ? LIMIT %d)`,
		`DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE author_id = ? LIMIT %d)`,
	} {
		res, err := t.exec(ctx, fmt.Sprintf(q, limit), userID)
		if err != nil {
			return 0, err
		}
		n, err := affected(res)
		if err != nil || n > 0 {
			return n, err
		}
	}
	return 0, nil
}

// OwnedItemIDs returns up to limit ids of a user's items, live or trashed,
// locked.
func (t *Tx) OwnedItemIDs(ctx context.Context, userID int64, limit int) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT id FROM items WHERE owner_id = ? ORDER BY id LIMIT ?`+t.d.forUpdate(), userID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanID)
}

// EraseItem deletes an item, live or trashed, for good (an erasure); its
// notes and loans cascade. It reports whether it did.
func (t *Tx) EraseItem(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM items WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// scrubTables are the tables an erasure deletes from, which PostgreSQL
// vacuums afterwards.
const scrubTables = "items, notes, loans, categories, api_tokens, sessions, users, subject_keys, photos"

// Scrub makes the engine drop its own copies of what was just deleted: on
// SQLite, where every connection deletes with secure_delete (freed content
// is overwritten with zeros), it checkpoints the WAL and truncates it, so
// no frame of a deleted row is left; on PostgreSQL it vacuums the tables an
// erasure touches, so their dead tuples are removed (VACUUM cannot run in a
// transaction, so this runs after the erasure's commit).
func (db *DB) Scrub(ctx context.Context) error {
	if db.dialect.name() == "postgres" {
		_, err := db.write.ExecContext(ctx, `VACUUM `+scrubTables)
		return db.dialect.mapErr(err)
	}
	// note: a checkpoint cannot pass a reader that still sees older
	// frames; it is tried again for a while, then reported.
	var busy, logFrames, done int
	for attempt := 0; attempt < 50; attempt++ {
		if err := db.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return db.dialect.mapErr(err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("wal checkpoint: still busy after 50 attempts (%d of %d frames checkpointed)", done, logFrames)
}
