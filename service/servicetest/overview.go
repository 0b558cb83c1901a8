package servicetest

import (
	"fmt"
	"testing"
	"time"

	"shelf"
)

// testOverview: the overview counts only the actor's live items (by
// category, empty ones and none too), their items on loan and overdue, and
// their items' moves to the Trash and restores on each of the last 30 UTC
// days; older events, others' things and trashed items are left out.
func testOverview(t *testing.T, f *Fixture) {
	const day = 24 * time.Hour
	old := f.Item(f.Alice, "Old")
	f.Trash(f.Alice, old.ID)  // 1 March, 31 days before the window's end
	f.Clock.Advance(30 * day) // 31 March
	tools, garden, empty := f.Category(f.Alice, "tools"), f.Category(f.Alice, "Garden"), f.Category(f.Alice, "Empty")
	saw, drill := f.ItemIn(f.Alice, "Saw", tools.ID), f.ItemIn(f.Alice, "Drill", tools.ID)
	rake := f.ItemIn(f.Alice, "Rake", garden.ID)
	lamp := f.Item(f.Alice, "Lamp")
	gone := f.ItemIn(f.Alice, "Broken saw", tools.ID)
	bobs := f.Category(f.Bob, "Bob's tools")
	f.ItemIn(f.Bob, "Bob's saw", bobs.ID)
	f.Trash(f.Bob, f.Item(f.Bob, "Bob's lamp").ID)
	f.Trash(f.Alice, gone.ID)
	f.Trash(f.Alice, lamp.ID)
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, lamp.ID, ""); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(day) // 1 April
	f.Trash(f.Alice, f.Item(f.Alice, "Box").ID)
	f.Lend(f.Alice, saw.ID, "Pat")
	due := time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)
	if _, err := f.Svc.LendItem(f.Ctx, f.Alice, drill.ID, "Quinn", &due); err != nil {
		t.Fatal(err)
	}
	f.Return(f.Alice, f.Lend(f.Alice, rake.ID, "Rita").ID)
	f.Clock.Advance(3 * day) // 4 April: the drill is overdue

	o, err := f.Svc.Overview(f.Ctx, f.Alice)
	WantCode(t, err, "", "Alice's overview")
	cats := fmt.Sprint(o.Categories)
	want := fmt.Sprint([]shelf.CategoryCount{
		{Category: shelf.Category{ID: empty.ID, OwnerID: f.Alice.UserID, Name: "Empty"}, Items: 0},
		{Category: shelf.Category{ID: garden.ID, OwnerID: f.Alice.UserID, Name: "Garden"}, Items: 1},
		{Category: shelf.Category{ID: tools.ID, OwnerID: f.Alice.UserID, Name: "tools"}, Items: 2},
	})
	if cats != want || o.Uncategorised != 1 || o.Items != 4 {
		t.Errorf("Alice's items: want 4 (%s, 1 uncategorised), got %d (%s, %d uncategorised)", want, o.Items, cats, o.Uncategorised)
	}
	if o.OnLoan != 2 || o.Overdue != 1 {
		t.Errorf("Alice's loans: want 2 items on loan, 1 overdue, got %d and %d", o.OnLoan, o.Overdue)
	}
	if len(o.Days) != shelf.OverviewDays || !o.Days[0].Day.Equal(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)) ||
		!o.Days[29].Day.Equal(time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("days: want 30, 6 March to 4 April, got %d from %v", len(o.Days), o.Days[0].Day)
	}
	for i, d := range o.Days {
		w := shelf.DayCount{Day: d.Day}
		switch i {
		case 25: // 31 March
			w.Trashed, w.Restored = 2, 1
		case 26: // 1 April
			w.Trashed = 1
		}
		if d != w {
			t.Errorf("day %d: want %+v, got %+v", i, w, d)
		}
	}

	// An admin's overview is their own.
	o, err = f.Svc.Overview(f.Ctx, f.Admin)
	WantCode(t, err, "", "the admin's overview")
	if o.Items != 0 || len(o.Categories) != 0 || o.OnLoan != 0 || o.Days[25].Trashed != 0 {
		t.Errorf("the admin owns nothing, got %+v", o)
	}
	_, err = f.Svc.Overview(f.Ctx, shelf.Actor{})
	WantCode(t, err, shelf.EUNAUTHORIZED, "an anonymous overview")
}
