package service

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"shelf"
	"shelf/store"
)

// LendItem records that a live item the actor may see was lent. An active loan
// keeps the item out of the Trash until it is returned.
func (s *Service) LendItem(ctx context.Context, a shelf.Actor, itemID int64, borrower string, due *time.Time) (shelf.Loan, error) {
	if err := requireUser(a); err != nil {
		return shelf.Loan{}, err
	}
	borrower = strings.TrimSpace(borrower)
	now := s.Now()
	fields := map[string]string{}
	switch {
	case borrower == "":
		fields["borrower"] = "Say who borrows it."
	case utf8.RuneCountInString(borrower) > shelf.MaxNameLen:
		fields["borrower"] = "The borrower's name is too long."
	case !utf8.ValidString(borrower):
		fields["borrower"] = "The borrower's name must be valid UTF-8 text."
	case strings.ContainsFunc(borrower, shelf.NotInName):
		// note: a borrower is a blocker's label, read like any name.
		fields["borrower"] = "The borrower's name cannot contain control characters or invisible formatting characters."
	}
	if due != nil && due.Before(now.Truncate(24*time.Hour)) {
		fields["due_at"] = "The due date cannot be in the past."
	}
	if len(fields) > 0 {
		return shelf.Loan{}, shelf.Invalid(fields)
	}
	var l shelf.Loan
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		// note: visibleItem locks the item, so two lends of its last copy
		// take turns and the second sees the first's loan.
		it, err := visibleItem(ctx, tx, a, itemID, false)
		if err != nil {
			return err
		}
		active, err := tx.CountActiveLoans(ctx, it.ID, loanCountCap(it.Quantity))
		if err != nil {
			return err
		}
		if err := shelf.CheckLend(it.Quantity, active); err != nil {
			return err
		}
		l, err = tx.InsertLoan(ctx, shelf.Loan{ItemID: it.ID, Borrower: borrower, LentAt: now, DueAt: due})
		return err
	})
	return l, err
}

// loanCountCap is how far counting active loans needs to go to compare them
// with a quantity: one past it is enough to tell.
func loanCountCap(quantity int64) int {
	return int(min(quantity, shelf.MaxQuantity)) + 1
}

// Loans lists the loans of a live item the actor may see, newest first.
func (s *Service) Loans(ctx context.Context, a shelf.Actor, itemID int64) ([]shelf.Loan, error) {
	return listOfItem(ctx, s, a, itemID, func(tx *store.Tx, itemID int64) ([]shelf.Loan, error) {
		return tx.Loans(ctx, itemID, shelf.ImpactCap)
	})
}

// Loan returns one loan of a live item the actor may see.
func (s *Service) Loan(ctx context.Context, a shelf.Actor, id int64) (shelf.Loan, error) {
	if err := requireUser(a); err != nil {
		return shelf.Loan{}, err
	}
	var l shelf.Loan
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		l, err = loanOn(ctx, tx, a, id, peekItem)
		return err
	})
	return l, err
}

// ReturnLoan marks a loan returned. Returning it twice is ELOANRETURNED.
func (s *Service) ReturnLoan(ctx context.Context, a shelf.Actor, id int64) (shelf.Loan, error) {
	if err := requireUser(a); err != nil {
		return shelf.Loan{}, err
	}
	var l shelf.Loan
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		l, err = loanOn(ctx, tx, a, id, visibleItem)
		if err != nil {
			return err
		}
		now := s.Now()
		ok, err := tx.ReturnLoan(ctx, l.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return shelf.Restricted(shelf.ELOANRETURNED, "This loan was already returned.",
				[]shelf.Blocker{shelf.NewBlocker(shelf.BlockLoan, l.ID, l.Borrower)})
		}
		l.ReturnedAt = &now
		return nil
	})
	return l, err
}

// loanOn reads a loan whose item the actor may see, or answers not found
// alike for a missing loan and another's. find is peekItem in a read and
// visibleItem (which locks the item) in a write.
func loanOn(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64,
	find func(context.Context, *store.Tx, shelf.Actor, int64, bool) (shelf.Item, error)) (shelf.Loan, error) {
	if id <= 0 {
		return shelf.Loan{}, notFound("Loan")
	}
	l, err := tx.Loan(ctx, id)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return shelf.Loan{}, notFound("Loan")
	} else if err != nil {
		return shelf.Loan{}, err
	}
	if _, err := find(ctx, tx, a, l.ItemID, false); shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return shelf.Loan{}, notFound("Loan")
	} else if err != nil {
		return shelf.Loan{}, err
	}
	return l, nil
}

// LoanStates says, for each of the items ids that the actor may see and
// that is out on loan, how many copies are out and how many are overdue,
// in one statement, for a list's badges.
func (s *Service) LoanStates(ctx context.Context, a shelf.Actor, ids []int64) (map[int64]shelf.LoanState, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	if len(ids) > shelf.MaxPageSize {
		return nil, shelf.Invalid(map[string]string{"ids": "Ask for at most one page of items."})
	}
	var states map[int64]shelf.LoanState
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		states, err = tx.LoanStates(ctx, ownerScope(a, true), ids, shelf.OverdueBefore(s.Now()))
		return err
	})
	return states, err
}
