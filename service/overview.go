package service

import (
	"context"
	"time"

	"shelf"
	"shelf/store"
)

// Overview counts what the actor owns (an admin too: their own, not
// everyone's) for the overview page: live items by category, items on loan
// and overdue, and, from the audit log, their items moved to the Trash and
// restored on each of the last shelf.OverviewDays UTC days, today included.
// Every number is counted by the database, in one read transaction.
func (s *Service) Overview(ctx context.Context, a shelf.Actor) (shelf.Overview, error) {
	if err := requireUser(a); err != nil {
		return shelf.Overview{}, err
	}
	now := s.Now().UTC()
	first := now.Truncate(24*time.Hour).AddDate(0, 0, 1-shelf.OverviewDays)
	var o shelf.Overview
	var days map[string][2]int
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if o.Categories, o.Uncategorised, err = tx.CategoryCounts(ctx, a.UserID); err != nil {
			return err
		}
		if o.OnLoan, o.Overdue, err = tx.LoanCounts(ctx, a.UserID, shelf.OverdueBefore(now)); err != nil {
			return err
		}
		days, err = tx.DailyTrashRestores(ctx, a.UserID, first)
		return err
	})
	if err != nil {
		return shelf.Overview{}, err
	}
	o.Items = o.Uncategorised
	for _, c := range o.Categories {
		o.Items += c.Items
	}
	o.Days = make([]shelf.DayCount, shelf.OverviewDays)
	for i := range o.Days {
		d := first.AddDate(0, 0, i)
		n := days[d.Format(time.DateOnly)]
		o.Days[i] = shelf.DayCount{Day: d, Trashed: n[0], Restored: n[1]}
	}
	return o, nil
}
