package store

import (
	"context"
	"time"

	"shelf"
)

// CategoryCounts counts owner's live items in each of their categories
// (empty ones too), ordered by name, and those in no category, in two
// statements.
func (t *Tx) CategoryCounts(ctx context.Context, owner int64) ([]shelf.CategoryCount, int, error) {
	rows, err := t.query(ctx, `SELECT c.id, c.name, count(i.id) FROM categories c
		LEFT JOIN items i ON i.category_id = c.id AND i.deleted_at IS NULL AND i.job_id IS NULL
		WHERE c.owner_id = ? GROUP BY c.id, c.name ORDER BY lower(c.name), c.id`, owner)
	if err != nil {
		return nil, 0, err
	}
	counts, err := all(rows, func(s interface{ Scan(...any) error }) (shelf.CategoryCount, error) {
		c := shelf.CategoryCount{Category: shelf.Category{OwnerID: owner}}
		return c, s.Scan(&c.ID, &c.Name, &c.Items)
	})
	if err != nil {
		return nil, 0, err
	}
	var none int
	err = t.queryRow(ctx, []any{&none}, `SELECT count(*) FROM items
		WHERE owner_id = ? AND category_id IS NULL AND deleted_at IS NULL AND job_id IS NULL`, owner)
	return counts, none, err
}

// LoanCounts counts owner's live items with a copy out on loan, and those
// with a copy due before overdueBefore.
func (t *Tx) LoanCounts(ctx context.Context, owner int64, overdueBefore time.Time) (onLoan, overdue int, err error) {
	err = t.queryRow(ctx, []any{&onLoan, &overdue}, `SELECT count(DISTINCT l.item_id),
		count(DISTINCT CASE WHEN l.due_at < ? THEN l.item_id END)
		FROM loans l JOIN items i ON i.id = l.item_id
		WHERE i.owner_id = ? AND i.deleted_at IS NULL AND i.job_id IS NULL AND l.returned_at IS NULL`, ts(overdueBefore), owner)
	return onLoan, overdue, err
}

// DailyTrashRestores counts, for each UTC day from since on, the audit
// events that moved owner's items to the Trash and that restored them, by
// the owner_action_at index; the map is keyed by the day as 2006-01-02.
func (t *Tx) DailyTrashRestores(ctx context.Context, owner int64, since time.Time) (map[string][2]int, error) {
	// note: at is stored as fixed-width RFC 3339 text in UTC on both
	// engines, so its first ten characters are its day.
	rows, err := t.query(ctx, `SELECT substr(at, 1, 10), action, count(*) FROM audit_events
		WHERE owner_id = ? AND action IN (?, ?) AND at >= ? GROUP BY substr(at, 1, 10), action`,
		owner, shelf.ActionItemTrash, shelf.ActionItemRestore, ts(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	days := map[string][2]int{}
	for rows.Next() {
		var day, action string
		var n int
		if err := rows.Scan(&day, &action, &n); err != nil {
			return nil, err
		}
		d := days[day]
		if action == shelf.ActionItemTrash {
			d[0] = n
		} else {
			d[1] = n
		}
		days[day] = d
	}
	return days, rows.Err()
}
