package servicetest

import (
	"fmt"
	"testing"

	"shelf"
	"shelf/store"
)

// testEraseBatchesFromCursor: an erasure's row batches, each in its own
// transaction and going on from the cursor the one before left, delete
// every note and loan on the person's items and every note they wrote on
// others' items, never more than the batch, past items that have none and
// past other people's rows between them; and nothing of anyone else's.
func testEraseBatchesFromCursor(t *testing.T, f *Fixture) {
	eve := f.AddUser("eve.batches@example.com", "Eve", shelf.RoleMember)
	gift := f.Item(eve, "Gift box")
	for i := range 3 {
		f.Note(eve, gift.ID, fmt.Sprintf("on the gift %d", i))
	}
	if _, err := f.Svc.TransferItems(f.Ctx, f.Admin, eve.UserID, f.Alice.UserID); err != nil {
		t.Fatal(err)
	}
	want := 3
	for i, notes := range []int{3, 0, 2, 0, 0, 4} {
		it := f.Item(eve, fmt.Sprintf("Box %d", i))
		for j := range notes {
			f.Note(eve, it.ID, fmt.Sprintf("note %d", j))
		}
		if i == 1 || i == 4 {
			f.Lend(eve, it.ID, "Borrower")
			want++
		}
		want += notes
		// note: Alice's rows lie between Eve's in (item_id, id) order.
		f.Note(f.Alice, f.Item(f.Alice, fmt.Sprintf("Alice's %d", i)).ID, "Alice's own")
	}
	alices := f.Count("SELECT count(*) FROM notes WHERE author_id = %d", f.Alice.UserID)

	erase := func(cur *store.EraseCursor) (total int) {
		t.Helper()
		for step := 0; step < 100; step++ {
			var n int64
			var done bool
			err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
				var err error
				n, done, err = tx.EraseRows(f.Ctx, eve.UserID, 2, cur)
				return err
			})
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			if n > 2 || n == 0 && !done {
				t.Errorf("step %d: want 1 or 2 rows deleted while some are left, got %d", step, n)
			}
			if total += int(n); done {
				return total
			}
		}
		t.Fatalf("want the rows gone within 100 steps of 2, still going (%d deleted)", total)
		return total
	}
	if got := erase(&store.EraseCursor{}); got != want {
		t.Errorf("rows deleted: want %d, got %d", want, got)
	}
	left := f.Count("SELECT count(*) FROM notes n JOIN items i ON i.id = n.item_id WHERE i.owner_id = %d", eve.UserID) +
		f.Count("SELECT count(*) FROM loans l JOIN items i ON i.id = l.item_id WHERE i.owner_id = %d", eve.UserID) +
		f.Count("SELECT count(*) FROM notes WHERE author_id = %d", eve.UserID)
	if left != 0 {
		t.Errorf("Eve's notes and loans left: want 0, got %d", left)
	}
	if got := f.Count("SELECT count(*) FROM notes WHERE author_id = %d", f.Alice.UserID); got != alices {
		t.Errorf("Alice's notes: want all %d kept, got %d", alices, got)
	}
	if got := f.Count("SELECT count(*) FROM items WHERE owner_id = %d", eve.UserID); got != 6 {
		t.Errorf("Eve's items: want all 6 left for the items' batches, got %d", got)
	}
	// A cursor that is behind (a batch's commit lost) only reads again.
	if got := erase(&store.EraseCursor{}); got != 0 {
		t.Errorf("again from the start: want nothing deleted, got %d", got)
	}
}
