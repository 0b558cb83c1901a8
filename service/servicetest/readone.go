package servicetest

import (
	"errors"
	"testing"

	"shelf"
	"shelf/store"
)

// testReadOneRunsOneStatement: ReadOne reads with one statement outside a
// transaction, sees what is committed, and refuses a second statement, which
// could see a different state than the first.
func testReadOneRunsOneStatement(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Kettle")
	for i := 0; i < 3; i++ { // the statement cache prepares it after the first run
		var got shelf.Item
		err := f.DB.ReadOne(f.Ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.Item(f.Ctx, it.ID)
			return err
		})
		if err != nil || got.Name != "Kettle" || got.Version != it.Version {
			t.Fatalf("read %d: got %+v, %v; want the committed item", i, got, err)
		}
	}
	err := f.DB.ReadOne(f.Ctx, func(tx *store.Tx) error {
		if _, err := tx.Item(f.Ctx, it.ID); err != nil {
			return err
		}
		_, err := tx.UserByID(f.Ctx, f.Alice.UserID)
		return err
	})
	if !errors.Is(err, store.ErrSecondStatement) {
		t.Fatalf("ReadOne with a second statement: got %v, want the refusal", err)
	}
	err = f.DB.ReadOne(f.Ctx, func(tx *store.Tx) error {
		_, err := tx.Item(f.Ctx, it.ID+1000)
		return err
	})
	if shelf.ErrorCode(err) != shelf.ENOTFOUND {
		t.Fatalf("ReadOne of a missing item: got %v, want ENOTFOUND", err)
	}
	// a write lands, and the next ReadOne sees it
	if _, err := f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 0); err != nil {
		t.Fatal(err)
	}
	var page shelf.ItemPage
	if err := f.DB.ReadOne(f.Ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.LiveItems(f.Ctx, &f.Alice.UserID, shelf.ItemFilter{})
		return err
	}); err != nil || len(page.Items) != 0 {
		t.Fatalf("after the trash: got %d live items, %v; want none", len(page.Items), err)
	}
}
