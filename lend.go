package shelf

import (
	"fmt"
	"time"
)

// A loan is one copy out of the item's quantity, so no more loans can be
// active at once than the item has copies. These two checks are that rule,
// for lending and for lowering the quantity.

// CheckLend refuses one more loan of an item with quantity copies while
// active loans of it are out.
func CheckLend(quantity int64, active int) error {
	var msg string
	switch {
	case int64(active) < quantity:
		return nil
	case quantity == 0:
		msg = "This item has no copies to lend; raise its quantity first."
	case quantity == 1:
		msg = "Its one copy is already on loan; mark it returned before lending it again."
	default:
		msg = fmt.Sprintf("All %d copies are already on loan; mark one returned before lending it again.", quantity)
	}
	return Invalid(map[string]string{"quantity": msg})
}

// CheckQuantity refuses a quantity below the copies active loans hold out.
func CheckQuantity(quantity int64, active int) error {
	if quantity >= int64(active) {
		return nil
	}
	return Invalid(map[string]string{"quantity": fmt.Sprintf(
		"%s on loan, so the quantity cannot be less than %d until %s back.",
		Count(active, "copy is", "copies are"), active, Noun(active, "it comes", "they come"))})
}

// LoanState is what an item's active loans come to at a moment: how many
// copies are out, and how many of those are overdue.
type LoanState struct {
	Active  int
	Overdue int
}

// OverdueBefore returns the due time before which an active loan is overdue
// at now. Due dates are days (UTC), so a loan is overdue once the whole day
// it was due has passed, as lending allows a due date of today.
func OverdueBefore(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }

// Overdue reports whether the loan is still out after its due day.
func (l Loan) Overdue(now time.Time) bool {
	return l.Active() && l.DueAt != nil && l.DueAt.Before(OverdueBefore(now))
}
