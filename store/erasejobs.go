package store

import (
	"context"
)

// ownedRows are the places an erasure deletes rows from (items, notes and
// loans): the user's items, the notes and loans on them, and the notes
// they wrote on others' items. Each takes the user's id once.
var ownedRows = []string{
	`items i WHERE i.owner_id = ?`,
	`notes n JOIN items i ON i.id = n.item_id WHERE i.owner_id = ?`,
	`loans l JOIN items i ON i.id = l.item_id WHERE i.owner_id = ?`,
	`notes n JOIN items i ON i.id = n.item_id WHERE n.author_id = ? AND i.owner_id <> n.author_id`,
}

// UserRowsExceed reports whether erasing a user would delete more than
// limit rows (items, notes and loans). Each count stops at what is left of
// limit, so the answer for 100,000 rows costs what it costs for limit.
func (t *Tx) UserRowsExceed(ctx context.Context, userID int64, limit int) (bool, error) {
	left := limit + 1
	for _, from := range ownedRows {
		n, err := t.count(ctx, left, from, userID)
		if err != nil {
			return false, err
		}
		if left -= n; left <= 0 {
			return true, nil
		}
	}
	return false, nil
}

// UserRows counts, exactly, the rows (items, notes and loans) that erasing
// a user still has to delete.
func (t *Tx) UserRows(ctx context.Context, userID int64) (int64, error) {
	var total int64
	for _, from := range ownedRows {
		var n int64
		if err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM `+from, userID); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// ActiveJob returns the queued or running job of this kind whose owner is
// owner, or ENOTFOUND.
func (t *Tx) ActiveJob(ctx context.Context, kind string, owner int64) (JobRow, error) {
	rows, err := t.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE owner_id = ? AND kind = ? AND state IN ('queued', 'running')
		ORDER BY id LIMIT 1`, owner, kind)
	if err != nil {
		return JobRow{}, err
	}
	return one(rows, scanJob)
}

// DetachJob lets a job go of its owner (owner_id set to null), so that it
// outlives them: an erasure's job, before it deletes the person.
func (t *Tx) DetachJob(ctx context.Context, id int64) error {
	_, err := t.exec(ctx, `UPDATE jobs SET owner_id = NULL WHERE id = ?`, id)
	return err
}
