package servicetest

import (
	"errors"
	"fmt"
	"testing"

	"shelf"
	"shelf/store"
)

// testConcurrentCreatesOneName: creates of one name at once store one item;
// every other is refused with ENAMETAKEN naming that item, and a create
// with a category that is not the owner's is refused and stores nothing.
// The insert checks both itself, with no transaction around it.
func testConcurrentCreatesOneName(t *testing.T, f *Fixture) {
	const n = 8
	items, errs := make([]shelf.Item, n), make([]error, n)
	Together(n, func(i int) {
		items[i], errs[i] = f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "Only one", Quantity: 1})
	})
	var winner shelf.Item
	for i, err := range errs {
		if err == nil {
			if winner.ID != 0 {
				t.Fatalf("two creates of one name both stored an item: %d and %d", winner.ID, items[i].ID)
			}
			winner = items[i]
		}
	}
	if winner.ID == 0 {
		t.Fatalf("no create of the name stored an item: %v", errs)
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		e := shelf.AsError(err)
		if e == nil || e.Code != shelf.ENAMETAKEN || len(e.Blockers) != 1 || e.Blockers[0].ID != winner.ID {
			t.Errorf("create %d: want ENAMETAKEN naming item %d, got %v", i, winner.ID, err)
		}
	}
	if _, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "only ONE", Quantity: 1}); shelf.ErrorCode(err) != shelf.ENAMETAKEN {
		t.Errorf("the name in other case: want ENAMETAKEN, got %v", err)
	}
	f.Trash(f.Alice, winner.ID)
	if _, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "Only one", Quantity: 1}); err != nil {
		t.Errorf("the name of a trashed item: want it free, got %v", err)
	}

	bobs := f.Category(f.Bob, "Bob's")
	_, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "In Bob's category", Quantity: 1, CategoryID: &bobs.ID})
	if e := shelf.AsError(err); e == nil || e.Code != shelf.EINVALID || e.Fields["category_id"] == "" {
		t.Errorf("another owner's category: want EINVALID on category_id, got %v", err)
	}
	missing := bobs.ID + 1000
	_, err = f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "Only one", Quantity: 1, CategoryID: &missing})
	if shelf.ErrorCode(err) != shelf.EINVALID {
		t.Errorf("a missing category and a taken name: want the category named first (EINVALID), got %v", err)
	}
	page, err := f.Svc.Items(f.Ctx, f.Alice, shelf.ItemFilter{Query: "Bob"}, false)
	if err != nil || len(page.Items) != 0 {
		t.Errorf("after the refused create: want no item stored, got %d (%v)", len(page.Items), err)
	}
}

// testWriteOneRunsOneStatement: WriteOne writes with one statement, durable
// when it returns, and refuses a second one on both engines.
func testWriteOneRunsOneStatement(t *testing.T, f *Fixture) {
	var it shelf.Item
	var stored bool
	err := f.DB.WriteOne(f.Ctx, func(tx *store.Tx) error {
		var err error
		it, stored, err = tx.InsertItemIfFree(f.Ctx, shelf.Item{OwnerID: f.Alice.UserID, Name: "Written once", Quantity: 1, CreatedAt: f.Clock.Now()})
		return err
	})
	if err != nil || !stored {
		t.Fatalf("WriteOne of an insert: got stored %v, %v", stored, err)
	}
	got, err := f.Svc.Item(f.Ctx, f.Alice, it.ID)
	if err != nil || got.Name != "Written once" {
		t.Fatalf("the item WriteOne stored: got %+v, %v", got, err)
	}
	err = f.DB.WriteOne(f.Ctx, func(tx *store.Tx) error {
		if _, _, err := tx.InsertItemIfFree(f.Ctx, shelf.Item{OwnerID: f.Alice.UserID, Name: fmt.Sprint("Second ", it.ID), Quantity: 1, CreatedAt: f.Clock.Now()}); err != nil {
			return err
		}
		_, err := tx.Item(f.Ctx, it.ID)
		return err
	})
	if !errors.Is(err, store.ErrSecondStatement) {
		t.Fatalf("WriteOne with a second statement: got %v, want the refusal", err)
	}
}
