package shelf

import "time"

// OverviewDays is how many days, today included, the overview's chart of
// deletions and restores covers.
const OverviewDays = 30

// Overview is what a person owns, at a glance: their live items by
// category, those out on loan and overdue, and how many of their items were
// moved to the Trash and restored on each of the last OverviewDays days.
type Overview struct {
	Items         int             // live items
	Categories    []CategoryCount // every category of theirs, by name, with its live items
	Uncategorised int             // live items in no category
	OnLoan        int             // live items with a copy out
	Overdue       int             // of those, items with a copy out past its due day
	Days          []DayCount      // oldest first, every day present, in UTC
}

// CategoryCount is a category with the number of live items in it.
type CategoryCount struct {
	Category
	Items int
}

// DayCount is one day's (UTC) items moved to the Trash and restored.
type DayCount struct {
	Day      time.Time
	Trashed  int
	Restored int
}
