package store

import (
	"context"
	"strings"
	"time"

	"shelf"
)

const loanColumns = "id, item_id, borrower, lent_at, due_at, returned_at"

func scanLoan(s interface{ Scan(...any) error }) (shelf.Loan, error) {
	var l shelf.Loan
	err := s.Scan(&l.ID, &l.ItemID, &l.Borrower, timeCol{&l.LentAt}, nullTimeCol{&l.DueAt}, nullTimeCol{&l.ReturnedAt})
	return l, err
}

// InsertLoan stores a loan of an item.
func (t *Tx) InsertLoan(ctx context.Context, l shelf.Loan) (shelf.Loan, error) {
	err := t.queryRow(ctx, []any{&l.ID},
		`INSERT INTO loans (item_id, borrower, lent_at, due_at) VALUES (?, ?, ?, ?) RETURNING id`,
		l.ItemID, l.Borrower, ts(l.LentAt), tsPtr(l.DueAt))
	return l, err
}

// Loan returns one loan, or ENOTFOUND.
func (t *Tx) Loan(ctx context.Context, id int64) (shelf.Loan, error) {
	rows, err := t.query(ctx, `SELECT `+loanColumns+` FROM loans WHERE id = ?`, id)
	if err != nil {
		return shelf.Loan{}, err
	}
	return one(rows, scanLoan)
}

// Loans returns up to limit loans of an item, newest first.
func (t *Tx) Loans(ctx context.Context, itemID int64, limit int) ([]shelf.Loan, error) {
	rows, err := t.query(ctx, `SELECT `+loanColumns+` FROM loans WHERE item_id = ? ORDER BY id DESC LIMIT ?`, itemID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanLoan)
}

// ActiveLoans returns up to limit loans of an item that are not returned.
func (t *Tx) ActiveLoans(ctx context.Context, itemID int64, limit int) ([]shelf.Loan, error) {
	rows, err := t.query(ctx, `SELECT `+loanColumns+` FROM loans WHERE item_id = ? AND returned_at IS NULL ORDER BY id LIMIT ?`, itemID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanLoan)
}

// ReturnLoan marks an active loan returned and reports whether it did.
func (t *Tx) ReturnLoan(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE loans SET returned_at = ? WHERE id = ? AND returned_at IS NULL`, ts(at), id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// CountActiveLoans counts the loans of an item that are not returned, up
// to limit.
func (t *Tx) CountActiveLoans(ctx context.Context, itemID int64, limit int) (int, error) {
	return t.count(ctx, limit, `loans WHERE item_id = ? AND returned_at IS NULL`, itemID)
}

// CountLoans counts, capped, all loans and the active loans of an item.
func (t *Tx) CountLoans(ctx context.Context, itemID int64, limit int) (total, active int, err error) {
	total, err = t.count(ctx, limit, `loans WHERE item_id = ?`, itemID)
	if err != nil {
		return 0, 0, err
	}
	active, err = t.count(ctx, limit, `loans WHERE item_id = ? AND returned_at IS NULL`, itemID)
	return total, active, err
}

// LoanStates counts the active loans, and those due before overdueBefore,
// of each of ids that has any; owner (nil for everyone's) limits them to
// one owner's items.
func (t *Tx) LoanStates(ctx context.Context, owner *int64, ids []int64, overdueBefore time.Time) (map[int64]shelf.LoanState, error) {
	states := make(map[int64]shelf.LoanState)
	if len(ids) == 0 {
		return states, nil
	}
	args := []any{ts(overdueBefore)}
	for _, id := range ids {
		args = append(args, id)
	}
	q := `SELECT l.item_id, count(*), sum(CASE WHEN l.due_at < ? THEN 1 ELSE 0 END)
		FROM loans l JOIN items i ON i.id = l.item_id
		WHERE l.returned_at IS NULL AND l.item_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	if owner != nil {
		q += ` AND i.owner_id = ?`
		args = append(args, *owner)
	}
	rows, err := t.query(ctx, q+` GROUP BY l.item_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s shelf.LoanState
		if err := rows.Scan(&id, &s.Active, &s.Overdue); err != nil {
			return nil, err
		}
		states[id] = s
	}
	return states, rows.Err()
}
