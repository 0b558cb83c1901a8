package servicetest

import (
	"maps"
	"testing"
	"time"

	"shelf"
)

// testLendBeyondQuantity: no more loans are active at once than the item
// has copies; a refused lend changes nothing and the field says why.
func testLendBeyondQuantity(t *testing.T, f *Fixture) {
	one := f.Item(f.Alice, "Projector")
	first := f.Lend(f.Alice, one.ID, "Gina")
	_, err := f.Svc.LendItem(f.Ctx, f.Alice, one.ID, "Hal", nil)
	WantCode(t, err, shelf.EINVALID, "lend the only copy twice")
	if msg := shelf.AsError(err).Fields["quantity"]; msg == "" {
		t.Errorf("refused lend: want a message on the quantity field, got fields %v", shelf.AsError(err).Fields)
	}
	if n := f.Count("SELECT count(*) FROM loans WHERE item_id = %d", one.ID); n != 1 {
		t.Errorf("loans of item %d after a refused lend: want 1, got %d", one.ID, n)
	}
	// An admin is held to it as well: the copies decide, not the role.
	_, err = f.Svc.LendItem(f.Ctx, f.Admin, one.ID, "Hal", nil)
	WantCode(t, err, shelf.EINVALID, "admin lends the only copy twice")

	// Returned, the copy can go out again.
	f.Return(f.Alice, first.ID)
	f.Lend(f.Alice, one.ID, "Hal")

	three, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "Folding chair", Quantity: 3})
	WantCode(t, err, "", "create an item of three")
	for _, who := range []string{"Ivy", "Jon", "Kim"} {
		f.Lend(f.Alice, three.ID, who)
	}
	_, err = f.Svc.LendItem(f.Ctx, f.Alice, three.ID, "Lou", nil)
	WantCode(t, err, shelf.EINVALID, "lend a fourth of three chairs")

	// The quantity cannot drop below the copies out on loan.
	_, err = f.Svc.UpdateItem(f.Ctx, f.Alice, three.ID, shelf.ItemInput{Name: three.Name, Quantity: 2}, 0)
	WantCode(t, err, shelf.EINVALID, "lower the quantity below the active loans")
	if n := f.Count("SELECT quantity FROM items WHERE id = %d", three.ID); n != 3 {
		t.Errorf("quantity of item %d after a refused update: want 3, got %d", three.ID, n)
	}
	up, err := f.Svc.UpdateItem(f.Ctx, f.Alice, three.ID, shelf.ItemInput{Name: three.Name, Quantity: 5}, 0)
	WantCode(t, err, "", "raise the quantity")
	f.Lend(f.Alice, up.ID, "Lou")

	none, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "Used up glue"})
	WantCode(t, err, "", "create an item of none")
	_, err = f.Svc.LendItem(f.Ctx, f.Alice, none.ID, "Mo", nil)
	WantCode(t, err, shelf.EINVALID, "lend an item of quantity 0")
}

// testLendRacesLastCopy lends the one copy of each item to two people at
// the same instant: exactly one of each pair gets it.
func testLendRacesLastCopy(t *testing.T, f *Fixture) {
	const items = 12
	var ids []int64
	for i := range items {
		ids = append(ids, f.Item(f.Alice, "contested "+string(rune('a'+i))).ID)
	}
	errs := make([]error, 2*items)
	Together(2*items, func(i int) {
		_, errs[i] = f.Svc.LendItem(f.Ctx, f.Alice, ids[i/2], "Racer", nil)
	})
	for i, err := range errs {
		if c := shelf.ErrorCode(err); c != "" && c != shelf.EINVALID {
			t.Errorf("lend %d: want success or invalid_fields, got %v", i, err)
		}
	}
	if n := f.Count("SELECT count(*) FROM loans WHERE returned_at IS NULL"); n != items {
		t.Errorf("active loans after the race: want %d (one per item), got %d", items, n)
	}
}

// testLoanStates: a list's badges count active loans and overdue ones (a
// loan is overdue once its due day has passed), only on items the actor may
// see.
func testLoanStates(t *testing.T, f *Fixture) {
	out := f.Item(f.Alice, "Lent lamp")
	f.Lend(f.Alice, out.ID, "Nora")
	late, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "Late tables", Quantity: 2})
	WantCode(t, err, "", "create an item of two")
	today := f.Clock.Now().UTC().Truncate(24 * time.Hour)
	_, err = f.Svc.LendItem(f.Ctx, f.Alice, late.ID, "Otto", &today)
	WantCode(t, err, "", "lend due today")
	f.Lend(f.Alice, late.ID, "Pia")
	back := f.Item(f.Alice, "Returned rake")
	f.Return(f.Alice, f.Lend(f.Alice, back.ID, "Quin").ID)
	home := f.Item(f.Alice, "Never lent")
	ids := []int64{out.ID, late.ID, back.ID, home.ID}

	states, err := f.Svc.LoanStates(f.Ctx, f.Alice, ids)
	WantCode(t, err, "", "loan states on the due day")
	want := map[int64]shelf.LoanState{out.ID: {Active: 1}, late.ID: {Active: 2}}
	if !maps.Equal(states, want) {
		t.Errorf("loan states on the due day: want %v (not yet overdue), got %v", want, states)
	}
	f.Clock.Advance(24 * time.Hour)
	states, err = f.Svc.LoanStates(f.Ctx, f.Alice, ids)
	WantCode(t, err, "", "loan states the day after")
	want[late.ID] = shelf.LoanState{Active: 2, Overdue: 1}
	if !maps.Equal(states, want) {
		t.Errorf("loan states the day after the due day: want %v, got %v", want, states)
	}
	states, err = f.Svc.LoanStates(f.Ctx, f.Bob, ids)
	WantCode(t, err, "", "another member's loan states")
	if len(states) != 0 {
		t.Errorf("Bob's view of Alice's loans: want nothing, got %v", states)
	}
	states, err = f.Svc.LoanStates(f.Ctx, f.Admin, ids)
	WantCode(t, err, "", "admin's loan states")
	if !maps.Equal(states, want) {
		t.Errorf("admin's loan states: want %v, got %v", want, states)
	}
}
