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

// EraseCursor is how far an erasure's row batches have got, so that each
// batch starts where the last one ended instead of rereading, from the
// start of an index range, the dead entries of the rows already deleted
// (which made the batches' work grow with the square of the rows). The zero
// value starts at the beginning; a cursor that is behind only rereads.
type EraseCursor struct {
	// Stage is 0 for the notes on the user's items, 1 for the loans of
	// them, 2 for the notes they wrote on others' items, 3 once none is left.
	Stage  int   `json:"stage,omitempty"`
	ItemID int64 `json:"item_id,omitempty"` // stages 0 and 1: the item at the cursor
	ID     int64 `json:"id,omitempty"`      // the last row deleted there
}

// eraseOnItems are the tables of stages 0 and 1 of an EraseCursor.
var eraseOnItems = [2]string{"notes", "loans"}

// EraseRows deletes, in one bounded step from cur on, up to limit rows that
// hold a user's personal data, in an order that keeps every step small:
// notes on their items, loans of their items, notes they wrote on others'
// items. It moves cur past what it deleted and returns how many rows it
// deleted, and whether none was left to delete.
func (t *Tx) EraseRows(ctx context.Context, userID int64, limit int, cur *EraseCursor) (n int64, done bool, err error) {
	for cur.Stage < len(eraseOnItems) {
		ids, err := t.rowsOnItems(ctx, eraseOnItems[cur.Stage], userID, limit, cur)
		if err != nil {
			return 0, false, err
		}
		if len(ids) > 0 {
			n, err = t.deleteIDs(ctx, eraseOnItems[cur.Stage], ids)
			return n, false, err
		}
		*cur = EraseCursor{Stage: cur.Stage + 1}
	}
	if cur.Stage > len(eraseOnItems) {
		return 0, true, nil
	}
	ids, _, err := t.keyset(ctx, "notes", "author_id", userID, cur.ID, limit)
	if err != nil {
		return 0, false, err
	}
	if len(ids) == 0 {
		*cur = EraseCursor{Stage: cur.Stage + 1}
		return 0, true, nil
	}
	cur.ID = ids[len(ids)-1]
	n, err = t.deleteIDs(ctx, "notes", ids)
	return n, false, err
}

// rowsOnItems picks, from cur on, up to limit ids of table's rows on the
// user's items, in (item_id, id) order, and moves cur to the last one; none
// once none is left. It reads the user's items limit at a time, and skips
// without a query those that the last keyset read shows to have no rows.
func (t *Tx) rowsOnItems(ctx context.Context, table string, userID int64, limit int, cur *EraseCursor) (ids []int64, err error) {
	var next int64 // the first item past the last one read that has rows, if known
	if cur.ItemID != 0 {
		if ids, next, err = t.keyset(ctx, table, "item_id", cur.ItemID, cur.ID, limit); err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			cur.ID = ids[len(ids)-1]
		}
		if len(ids) == limit || next == 0 {
			return ids, nil
		}
	}
	for {
		from := max(cur.ItemID, next-1)
		rows, err := t.query(ctx, `SELECT id FROM items WHERE owner_id = ? AND id > ? ORDER BY id LIMIT ?`, userID, from, limit)
		if err != nil {
			return nil, err
		}
		items, err := all(rows, scanID)
		if err != nil {
			return nil, err
		}
		for _, item := range items {
			cur.ItemID, cur.ID = item, 0
			if item < next {
				continue // no rows on it
			}
			got, after, err := t.keyset(ctx, table, "item_id", item, 0, limit-len(ids))
			if err != nil {
				return nil, err
			}
			if ids = append(ids, got...); len(got) > 0 {
				cur.ID = got[len(got)-1]
			}
			if len(ids) == limit || after == 0 {
				return ids, nil
			}
			next = after
		}
		if len(ids) > 0 || len(items) < limit {
			return ids, nil
		}
	}
}

// keyset returns the ids of up to limit of table's rows whose column is
// key, after id, by keyset over the table's (column, id) index, and the
// key of the row that follows them, if it has another key (0 if not, or if
// they are limit). It compares (column, id) as a pair, which both engines
// answer by reading that index from the cursor, limit entries at most,
// whatever the statistics say; a plain "column = ? AND id > ?" lets
// PostgreSQL's planner read all of the key's rows and sort them, or walk
// the primary key.
func (t *Tx) keyset(ctx context.Context, table, column string, key, after int64, limit int) (ids []int64, next int64, err error) {
	rows, err := t.query(ctx, `SELECT `+column+`, id FROM `+table+` WHERE (`+column+`, id) > (?, ?) ORDER BY `+column+`, id LIMIT ?`, key, after, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, 0, t.d.mapErr(err)
		}
		if k != key {
			next = k
			break
		}
		ids = append(ids, id)
	}
	return ids, next, t.d.mapErr(rows.Err())
}

// deleteIDs deletes table's rows of ids, named by primary key, and returns
// how many it deleted.
func (t *Tx) deleteIDs(ctx context.Context, table string, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	in, args := inList(ids)
	res, err := t.exec(ctx, `DELETE FROM `+table+` WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return 0, err
	}
	return affected(res)
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
