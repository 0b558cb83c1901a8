package servicetest

import (
	"strings"
	"testing"

	"shelf"
)

func testPurgeCascadesNotesAndLoans(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Projector")
	keep := f.Item(f.Alice, "Screen")
	for _, body := range []string{"lamp replaced", "remote lost", "cable in box"} {
		f.Note(f.Alice, it.ID, body)
	}
	keepNote := f.Note(f.Alice, keep.ID, "stays")
	for _, who := range []string{"Jo", "Kim"} {
		f.Return(f.Alice, f.Lend(f.Alice, it.ID, who).ID)
	}
	keepLoan := f.Lend(f.Alice, keep.ID, "Lee")
	cohort := f.Trash(f.Alice, it.ID)

	im, err := f.Svc.PurgeImpact(f.Ctx, f.Alice, it.ID)
	WantCode(t, err, "", "purge impact")
	if im.Notes != 3 || im.Loans != 2 {
		t.Errorf("purge impact: want 3 notes and 2 loans, got %+v", im)
	}

	_, err = f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{Reason: "water damage"})
	WantCode(t, err, "", "purge")
	if f.Exists("items", it.ID) {
		t.Errorf("item %d: want its row gone", it.ID)
	}
	if n := f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID); n != 0 {
		t.Errorf("notes of the purged item: want 0 (cascaded), got %d", n)
	}
	if n := f.Count("SELECT count(*) FROM loans WHERE item_id = %d", it.ID); n != 0 {
		t.Errorf("loans of the purged item: want 0 (cascaded), got %d", n)
	}
	if !f.Exists("notes", keepNote.ID) || !f.Exists("loans", keepLoan.ID) || !f.IsLive(keep.ID) {
		t.Errorf("the other item, its note and its loan: want untouched")
	}

	events := f.EventsOf(shelf.ActionItemPurge, it.ID)
	if len(events) != 1 {
		t.Fatalf("item.purge events: want 1, got %d", len(events))
	}
	e := events[0]
	if e.Cohort != cohort || e.ActorID == nil || *e.ActorID != f.Alice.UserID {
		t.Errorf("item.purge event: want cohort %q and actor %d, got %+v", cohort, f.Alice.UserID, e)
	}
	snap := snapshot(t, e)
	notes, _ := snap["notes"].([]any)
	loans, _ := snap["loans"].([]any)
	if len(notes) != 3 || len(loans) != 2 || snap["notes_total"] != float64(3) || snap["loans_total"] != float64(2) {
		t.Errorf("purge snapshot: want 3 notes and 2 loans kept (totals 3 and 2), got %d notes, %d loans, totals %v/%v",
			len(notes), len(loans), snap["notes_total"], snap["loans_total"])
	}
	if snap["reason"] != "water damage" {
		t.Errorf("purge snapshot reason: want %q, got %v", "water damage", snap["reason"])
	}
	if item, _ := snap["item"].(map[string]any); item == nil || item["name"] != it.Name {
		t.Errorf("purge snapshot item: want the before-image of %q, got %v", it.Name, snap["item"])
	}

	_, err = f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
	WantCode(t, err, shelf.ENOTFOUND, "purge twice")
	if n := f.Audits(shelf.ActionItemPurge, it.ID); n != 1 {
		t.Errorf("item.purge events after a second purge: want 1, got %d", n)
	}
}

func testPurgeOnlyFromTrash(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Guitar")
	note := f.Note(f.Alice, it.ID, "new strings")
	_, err := f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
	WantCode(t, err, shelf.ENOTFOUND, "purge a live item")
	if !f.IsLive(it.ID) || !f.Exists("notes", note.ID) {
		t.Errorf("want item %d live and note %d kept after a refused purge", it.ID, note.ID)
	}
	if n := f.AuditTotal(); n != 0 {
		t.Errorf("audit events: want 0, got %d", n)
	}
	_, err = f.Svc.PurgeItem(f.Ctx, f.Admin, it.ID, shelf.Confirmation{})
	WantCode(t, err, shelf.ENOTFOUND, "admin purges a live item")
	if !f.IsLive(it.ID) {
		t.Errorf("item %d: want live", it.ID)
	}
	// EmptyTrash takes trashed items only.
	trashed := f.Item(f.Alice, "Amp")
	f.Trash(f.Alice, trashed.ID)
	n, err := Purged(f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{}))
	WantCode(t, err, "", "empty the Trash")
	if n != 1 || f.Exists("items", trashed.ID) || !f.IsLive(it.ID) {
		t.Errorf("empty Trash: want 1 purged (item %d gone, item %d live), got %d", trashed.ID, it.ID, n)
	}
}

func testCategoryDeleteSetsNull(t *testing.T, f *Fixture) {
	tools := f.Category(f.Alice, "Tools")
	garden := f.Category(f.Alice, "Garden")
	live := f.ItemIn(f.Alice, "Wrench", tools.ID)
	trashed := f.ItemIn(f.Alice, "Pliers", tools.ID)
	f.Trash(f.Alice, trashed.ID)
	other := f.ItemIn(f.Alice, "Hose", garden.ID)

	n, err := f.Svc.CategoryImpact(f.Ctx, f.Alice, tools.ID)
	WantCode(t, err, "", "category impact")
	if n != 2 {
		t.Errorf("category impact: want 2 items (live and trashed), got %d", n)
	}
	del, err := f.Svc.DeleteCategory(f.Ctx, f.Alice, tools.ID)
	WantCode(t, err, "", "delete category")
	if del.Uncategorised != 2 || del.Category.ID != tools.ID || del.Category.Name != tools.Name {
		t.Errorf("delete category: want %q (%d) with 2 items reported uncategorised, got %+v", tools.Name, tools.ID, del)
	}
	if f.Exists("categories", tools.ID) {
		t.Errorf("category %d: want its row gone", tools.ID)
	}
	if c := f.Count("SELECT count(*) FROM items WHERE id IN (%d, %d) AND category_id IS NULL", live.ID, trashed.ID); c != 2 {
		t.Errorf("items of the deleted category: want 2 uncategorised, got %d", c)
	}
	if !f.IsLive(live.ID) || !f.IsTrashed(trashed.ID) {
		t.Errorf("want item %d still live and item %d still trashed", live.ID, trashed.ID)
	}
	if c := f.Count("SELECT count(*) FROM items WHERE id = %d AND category_id = %d", other.ID, garden.ID); c != 1 {
		t.Errorf("item %d: want it still in category %d", other.ID, garden.ID)
	}
	events := f.EventsOf(shelf.ActionCategoryDelete, tools.ID)
	if len(events) != 1 || snapshot(t, events[0])["items_uncategorised"] != float64(2) {
		t.Errorf("category.delete events: want one recording 2 items, got %+v", events)
	}
	// A restored item comes back uncategorised.
	restored, err := f.Svc.RestoreItem(f.Ctx, f.Alice, trashed.ID, "")
	WantCode(t, err, "", "restore")
	if restored.CategoryID != nil {
		t.Errorf("restored item category: want none, got %d", *restored.CategoryID)
	}
	_, err = f.Svc.DeleteCategory(f.Ctx, f.Alice, tools.ID)
	WantCode(t, err, shelf.ENOTFOUND, "delete the category twice")
}

func testUserDeleteRestrictedWhileOwningItems(t *testing.T, f *Fixture) {
	it := f.Item(f.Bob, "Bob's bike")

	for _, stage := range []string{"live", "trashed"} {
		if stage == "trashed" {
			f.Trash(f.Bob, it.ID)
		}
		im, err := f.Svc.DeleteUserImpact(f.Ctx, f.Admin, f.Bob.UserID)
		WantCode(t, err, "", "user delete impact")
		if im.LiveItems+im.TrashedItems != 1 || len(im.Blockers) == 0 || im.User.ID != f.Bob.UserID {
			t.Errorf("%s: impact on Bob (%d): want 1 item and a blocker, got %+v", stage, f.Bob.UserID, im)
		}
		before := f.AuditTotal()
		_, err = f.Svc.DeleteUser(f.Ctx, f.Admin, f.Bob.UserID)
		WantCode(t, err, shelf.EOWNSITEMS, "delete a user who owns a "+stage+" item")
		wantBlocker(t, shelf.AsError(err).Blockers, shelf.BlockItem, it.ID, "Bob's bike")
		if want := map[string]string{"live": "1 live and 0 trashed", "trashed": "0 live and 1 trashed"}[stage]; !strings.Contains(shelf.ErrorMessage(err), want) {
			t.Errorf("%s: detail %q does not give the total (%q)", stage, shelf.ErrorMessage(err), want)
		}
		if !f.Exists("users", f.Bob.UserID) || !f.Exists("items", it.ID) {
			t.Fatalf("%s: want Bob and his item kept after a refused delete", stage)
		}
		if n := f.AuditTotal(); n != before {
			t.Errorf("%s: audit events: want %d (none added), got %d", stage, before, n)
		}
	}

	// The schema refuses it too, whatever the service checks: RESTRICT.
	err := f.Exec("DELETE FROM users WHERE id = %d", f.Bob.UserID)
	if err == nil {
		t.Fatalf("raw DELETE of a user who owns items: want the database to refuse, it succeeded")
	}
	if !f.Exists("users", f.Bob.UserID) {
		t.Fatalf("Bob: want his row kept after a refused raw delete")
	}

	// Nobody deletes their own account.
	_, err = f.Svc.DeleteUser(f.Ctx, f.Admin, f.Admin.UserID)
	WantCode(t, err, shelf.EOWNACCOUNT, "admin deletes themself")
	admin, _ := f.Svc.User(f.Ctx, f.Admin, f.Admin.UserID)
	wantBlocker(t, shelf.AsError(err).Blockers, shelf.BlockUser, f.Admin.UserID, admin.Name)

	// Once the Trash is purged, the user can go.
	if _, err := f.Svc.PurgeItem(f.Ctx, f.Bob, it.ID, shelf.Confirmation{}); err != nil {
		t.Fatalf("purge: %v", err)
	}
	_, err = f.Svc.DeleteUser(f.Ctx, f.Admin, f.Bob.UserID)
	WantCode(t, err, "", "delete a user who owns nothing")
	if f.Exists("users", f.Bob.UserID) {
		t.Errorf("Bob: want his row gone")
	}
	if n := f.Audits(shelf.ActionUserDelete, f.Bob.UserID); n != 1 {
		t.Errorf("user.delete events: want 1, got %d", n)
	}
	_, err = f.Svc.DeleteUser(f.Ctx, f.Admin, f.Bob.UserID)
	WantCode(t, err, shelf.ENOTFOUND, "delete a user twice")
}

func testUserDeleteCascades(t *testing.T, f *Fixture) {
	cat := f.Category(f.Bob, "Bob's stuff")
	aliceCat := f.Category(f.Alice, "Alice's stuff")
	_, secret, err := f.Svc.CreateToken(f.Ctx, f.Bob, "laptop")
	WantCode(t, err, "", "create token")
	aliceToken, _, err := f.Svc.CreateToken(f.Ctx, f.Alice, "phone")
	WantCode(t, err, "", "create token")
	if err := f.Exec(`INSERT INTO sessions (token_hash, user_id, csrf_token, flash, created_at, last_seen_at, expires_at)
		VALUES ('bob-session-hash', %d, 'csrf', '', '2026-03-01T09:00:00.000000Z', '2026-03-01T09:00:00.000000Z', '2099-01-01T00:00:00.000000Z')`,
		f.Bob.UserID); err != nil {
		t.Fatalf("insert a session for Bob: %v", err)
	}
	// Bob's item with Bob's note on it, and one he trashed.
	bike := f.ItemIn(f.Bob, "Bike", cat.ID)
	note := f.Note(f.Bob, bike.ID, "Bob's note")
	old := f.Item(f.Bob, "Old helmet")
	f.Trash(f.Bob, old.ID)

	// Offer "transfer their items first": Alice receives both.
	res, err := f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, f.Alice.UserID)
	WantCode(t, err, "", "transfer items")
	if res.Transferred != 2 || res.To.ID != f.Alice.UserID {
		t.Errorf("transfer: want 2 items moved to Alice (%d), got %d to %d", f.Alice.UserID, res.Transferred, res.To.ID)
	}

	gone, err := f.Svc.DeleteUser(f.Ctx, f.Admin, f.Bob.UserID)
	WantCode(t, err, "", "delete user")
	if gone.ID != f.Bob.UserID || gone.Name == "" {
		t.Errorf("delete user: want Bob (%d) as he was, got %+v", f.Bob.UserID, gone)
	}
	if f.Exists("users", f.Bob.UserID) {
		t.Fatalf("Bob: want his row gone")
	}
	if c := f.Count("SELECT count(*) FROM categories WHERE owner_id = %d", f.Bob.UserID); c != 0 {
		t.Errorf("Bob's categories: want 0 (cascaded), got %d", c)
	}
	if c := f.Count("SELECT count(*) FROM api_tokens WHERE user_id = %d", f.Bob.UserID); c != 0 {
		t.Errorf("Bob's tokens: want 0 (cascaded), got %d", c)
	}
	if c := f.Count("SELECT count(*) FROM sessions WHERE user_id = %d", f.Bob.UserID); c != 0 {
		t.Errorf("Bob's sessions: want 0 (cascaded), got %d", c)
	}
	if c := f.Count("SELECT count(*) FROM notes WHERE id = %d AND author_id IS NULL AND item_id = %d", note.ID, bike.ID); c != 1 {
		t.Errorf("Bob's note %d: want kept with no author, got %d matching rows", note.ID, c)
	}
	if c := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_at IS NOT NULL AND deleted_by IS NULL AND owner_id = %d", old.ID, f.Alice.UserID); c != 1 {
		t.Errorf("item %d Bob trashed: want still trashed, now Alice's, with deleted_by cleared; got %d matching rows", old.ID, c)
	}
	if !f.Exists("categories", aliceCat.ID) || !f.Exists("api_tokens", aliceToken.ID) {
		t.Errorf("Alice's category and token: want untouched")
	}
	_, err = f.Svc.AuthenticateToken(f.Ctx, secret)
	WantCode(t, err, shelf.EUNAUTHORIZED, "use a deleted user's token")
	if c := f.Audits(shelf.ActionUserDelete, f.Bob.UserID); c != 1 {
		t.Errorf("user.delete events: want 1, got %d", c)
	}
	// The audit log outlives the user: events naming Bob as actor are kept.
	if c := f.Count("SELECT count(*) FROM audit_events WHERE actor_id = %d", f.Bob.UserID); c != 1 {
		t.Errorf("audit events by Bob: want his item.trash kept, got %d", c)
	}
}

func testTransferItems(t *testing.T, f *Fixture) {
	cat := f.Category(f.Bob, "Bob's")
	live := f.ItemIn(f.Bob, "Tape", cat.ID)
	trashed := f.Item(f.Bob, "Glue")
	f.Trash(f.Bob, trashed.ID)
	clash := f.Item(f.Bob, "Scissors")
	aliceScissors := f.Item(f.Alice, "scissors")

	_, err := f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, f.Alice.UserID)
	WantCode(t, err, shelf.ENAMETAKEN, "transfer with a live name clash")
	wantBlocker(t, shelf.AsError(err).Blockers, "item", clash.ID, "Scissors")
	if c := f.Count("SELECT count(*) FROM items WHERE owner_id = %d", f.Bob.UserID); c != 3 {
		t.Fatalf("Bob's items after a refused transfer: want 3, got %d", c)
	}
	if c := f.AuditTotal(); c != 1 {
		t.Errorf("audit events: want 1 (the trash), got %d", c)
	}
	_, err = f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, f.Bob.UserID)
	WantCode(t, err, shelf.EINVALID, "transfer to the same user")
	_, err = f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, 999999)
	WantCode(t, err, shelf.EINVALID, "transfer to a missing user")
	_, err = f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, 0)
	WantCode(t, err, shelf.EINVALID, "transfer to nobody")
	_, err = f.Svc.TransferItems(f.Ctx, f.Admin, 999999, f.Alice.UserID)
	WantCode(t, err, shelf.ENOTFOUND, "transfer from a missing user")

	if _, err := f.Svc.UpdateItem(f.Ctx, f.Alice, aliceScissors.ID, shelf.ItemInput{Name: "Scissors (Alice)"}, 0); err != nil {
		t.Fatalf("rename: %v", err)
	}
	res, err := f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, f.Alice.UserID)
	WantCode(t, err, "", "transfer")
	if res.Transferred != 3 {
		t.Errorf("transfer: want 3 items (live and trashed), got %d", res.Transferred)
	}
	if c := f.Count("SELECT count(*) FROM items WHERE owner_id = %d AND id IN (%d, %d, %d)", f.Alice.UserID, live.ID, trashed.ID, clash.ID); c != 3 {
		t.Errorf("items now Alice's: want 3, got %d", c)
	}
	if c := f.Count("SELECT count(*) FROM items WHERE id = %d AND category_id IS NULL", live.ID); c != 1 {
		t.Errorf("item %d: want it uncategorised after the transfer (the category stays Bob's)", live.ID)
	}
	if !f.IsTrashed(trashed.ID) {
		t.Errorf("item %d: want it still in the Trash, now Alice's", trashed.ID)
	}
	// One event in each user's audit lane, so that each one's events tell
	// the whole story of their things.
	events := f.EventsOf(shelf.ActionItemsTransfer, f.Bob.UserID)
	if len(events) != 2 || events[0].OwnerID == nil || events[1].OwnerID == nil ||
		*events[0].OwnerID+*events[1].OwnerID != f.Alice.UserID+f.Bob.UserID || *events[0].OwnerID == *events[1].OwnerID {
		t.Errorf("items.transfer events: want one owned by each user, got %+v", events)
	}
}

func testIDsNeverReused(t *testing.T, f *Fixture) {
	f.Item(f.Alice, "First")
	last := f.Item(f.Alice, "Last")
	note := f.Note(f.Alice, last.ID, "n")
	loan := f.Lend(f.Alice, last.ID, "Mo")
	f.Return(f.Alice, loan.ID)
	f.Trash(f.Alice, last.ID)
	if _, err := f.Svc.PurgeItem(f.Ctx, f.Alice, last.ID, shelf.Confirmation{}); err != nil {
		t.Fatalf("purge: %v", err)
	}
	if f.Exists("notes", note.ID) || f.Exists("loans", loan.ID) {
		t.Fatalf("want note %d and loan %d purged with their item", note.ID, loan.ID)
	}

	next := f.Item(f.Alice, "Last")
	if next.ID <= last.ID {
		t.Errorf("item id after purging id %d: want a larger one, got %d", last.ID, next.ID)
	}
	n2 := f.Note(f.Alice, next.ID, "n")
	if n2.ID <= note.ID {
		t.Errorf("note id after purging note %d: want a larger one, got %d", note.ID, n2.ID)
	}
	l2 := f.Lend(f.Alice, next.ID, "Mo")
	if l2.ID <= loan.ID {
		t.Errorf("loan id after purging loan %d: want a larger one, got %d", loan.ID, l2.ID)
	}
	if _, err := f.Svc.DeleteNote(f.Ctx, f.Alice, n2.ID); err != nil {
		t.Fatalf("delete note: %v", err)
	}
	n3 := f.Note(f.Alice, next.ID, "n")
	if n3.ID <= n2.ID {
		t.Errorf("note id after deleting note %d: want a larger one, got %d", n2.ID, n3.ID)
	}
	// A stale request for the purged id finds nothing, not the new item.
	_, err := f.Svc.Item(f.Ctx, f.Alice, last.ID)
	WantCode(t, err, shelf.ENOTFOUND, "get the purged id")
	_, err = f.Svc.TrashItem(f.Ctx, f.Alice, last.ID, 0)
	WantCode(t, err, shelf.ENOTFOUND, "trash the purged id")
	if !f.IsLive(next.ID) {
		t.Errorf("item %d: want live", next.ID)
	}
}
