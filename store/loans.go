package store

import (
	"context"
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

// CountLoans counts, capped, all loans and the active loans of an item.
func (t *Tx) CountLoans(ctx context.Context, itemID int64, limit int) (total, active int, err error) {
	total, err = t.count(ctx, limit, `loans WHERE item_id = ?`, itemID)
	if err != nil {
		return 0, 0, err
	}
	active, err = t.count(ctx, limit, `loans WHERE item_id = ? AND returned_at IS NULL`, itemID)
	return total, active, err
}
