package servicetest

import (
	"strings"
	"testing"
	"time"

	"shelf"
)

// othersThings is what Alice owns and others try to reach.
type othersThings struct {
	live, trashed, onLoan shelf.Item
	cohort                string
	note                  shelf.Note
	loan                  shelf.Loan
	category              shelf.Category
	token                 shelf.APIToken
}

func alicesThings(t *testing.T, f *Fixture) othersThings {
	t.Helper()
	var o othersThings
	o.category = f.Category(f.Alice, "Alice's")
	o.live = f.ItemIn(f.Alice, "Alice's camera", o.category.ID)
	o.note = f.Note(f.Alice, o.live.ID, "lens cap missing")
	o.onLoan = f.Item(f.Alice, "Alice's tripod")
	o.loan = f.Lend(f.Alice, o.onLoan.ID, "Nia")
	o.trashed = f.Item(f.Alice, "Alice's old phone")
	o.cohort = f.Trash(f.Alice, o.trashed.ID)
	var err error
	o.token, _, err = f.Svc.CreateToken(f.Ctx, f.Alice, "Alice's laptop")
	WantCode(t, err, "", "create token")
	return o
}

// rowState is a fingerprint of every row that others' attempts could touch.
func rowState(t *testing.T, f *Fixture) [8]int {
	t.Helper()
	return [8]int{
		f.Count("SELECT count(*) FROM items"),
		f.Count("SELECT count(*) FROM items WHERE deleted_at IS NULL"),
		f.Count("SELECT coalesce(sum(version), 0) FROM items"),
		f.Count("SELECT count(*) FROM notes"),
		f.Count("SELECT count(*) FROM loans WHERE returned_at IS NULL"),
		f.Count("SELECT count(*) FROM categories"),
		f.Count("SELECT count(*) FROM api_tokens"),
		f.AuditTotal(),
	}
}

func testMemberGetsNotFound(t *testing.T, f *Fixture) {
	o := alicesThings(t, f)
	bobsItem := f.Item(f.Bob, "Bob's own")
	before := rowState(t, f)
	bob := f.Bob
	ctx := f.Ctx

	checks := []struct {
		what string
		call func() error
	}{
		{"get", func() error { _, err := f.Svc.Item(ctx, bob, o.live.ID); return err }},
		{"update", func() error {
			_, err := f.Svc.UpdateItem(ctx, bob, o.live.ID, shelf.ItemInput{Name: "mine now"}, 0)
			return err
		}},
		{"trash", func() error { _, err := f.Svc.TrashItem(ctx, bob, o.live.ID, 0); return err }},
		{"impact", func() error { _, err := f.Svc.ItemImpact(ctx, bob, o.live.ID); return err }},
		{"purge impact", func() error { _, err := f.Svc.PurgeImpact(ctx, bob, o.trashed.ID); return err }},
		{"get from Trash", func() error { _, err := f.Svc.TrashedItem(ctx, bob, o.trashed.ID); return err }},
		{"restore", func() error { _, err := f.Svc.RestoreItem(ctx, bob, o.trashed.ID, ""); return err }},
		{"restore cohort", func() error { _, err := f.Svc.RestoreCohort(ctx, bob, o.cohort); return err }},
		{"purge", func() error { _, err := f.Svc.PurgeItem(ctx, bob, o.trashed.ID, shelf.Confirmation{}); return err }},
		{"empty another's Trash", func() error {
			_, err := f.Svc.EmptyTrash(ctx, bob, f.Alice.UserID, shelf.Confirmation{})
			return err
		}},
		{"list notes", func() error { _, err := f.Svc.Notes(ctx, bob, o.live.ID); return err }},
		{"add note", func() error { _, err := f.Svc.AddNote(ctx, bob, o.live.ID, "hi"); return err }},
		{"delete note", func() error { _, err := f.Svc.DeleteNote(ctx, bob, o.note.ID); return err }},
		{"list loans", func() error { _, err := f.Svc.Loans(ctx, bob, o.onLoan.ID); return err }},
		{"lend", func() error { _, err := f.Svc.LendItem(ctx, bob, o.live.ID, "Bob's friend", nil); return err }},
		{"return loan", func() error { _, err := f.Svc.ReturnLoan(ctx, bob, o.loan.ID); return err }},
		{"get category", func() error { _, err := f.Svc.Category(ctx, bob, o.category.ID); return err }},
		{"category impact", func() error { _, err := f.Svc.CategoryImpact(ctx, bob, o.category.ID); return err }},
		{"delete category", func() error { _, err := f.Svc.DeleteCategory(ctx, bob, o.category.ID); return err }},
		{"delete token", func() error { _, err := f.Svc.DeleteToken(ctx, bob, o.token.ID); return err }},
		{"get user", func() error { _, err := f.Svc.User(ctx, bob, f.Alice.UserID); return err }},
	}
	for _, c := range checks {
		WantCode(t, c.call(), shelf.ENOTFOUND, "Bob: "+c.what+" of Alice's")
	}

	// A bulk delete reports others' items as not found, like missing ones.
	res, err := f.Svc.TrashItems(ctx, bob, []int64{o.live.ID, o.onLoan.ID, o.trashed.ID, bobsItem.ID}, shelf.Confirmation{})
	WantCode(t, err, "", "Bob: bulk trash")
	if got := sortedIDs(res.NotFound); len(got) != 3 || len(res.Trashed) != 1 || res.Trashed[0] != bobsItem.ID || len(res.Blocked) != 0 {
		t.Errorf("Bob's bulk trash: want only his item trashed and Alice's 3 not found (not blocked), got %+v", res)
	}
	if _, err := f.Svc.RestoreItem(ctx, bob, bobsItem.ID, ""); err != nil {
		t.Fatalf("Bob restores his own item: %v", err)
	}

	// Another's category is as good as missing.
	_, err = f.Svc.UpdateItem(ctx, bob, bobsItem.ID, shelf.ItemInput{Name: "Bob's own", CategoryID: &o.category.ID}, 0)
	WantCode(t, err, shelf.EINVALID, "Bob files his item under Alice's category")
	_, err = f.Svc.CreateItem(ctx, bob, shelf.ItemInput{Name: "New", CategoryID: &o.category.ID})
	WantCode(t, err, shelf.EINVALID, "Bob creates an item in Alice's category")

	// Asking for everyone's is refused, not silently narrowed; listings
	// hold only Bob's own.
	_, err = f.Svc.Items(ctx, bob, shelf.ItemFilter{}, true)
	WantCode(t, err, shelf.EFORBIDDEN, "Bob lists items, asking for everyone's")
	_, err = f.Svc.Trash(ctx, bob, shelf.ItemFilter{}, true)
	WantCode(t, err, shelf.EFORBIDDEN, "Bob lists the Trash, asking for everyone's")
	page, err := f.Svc.Items(ctx, bob, shelf.ItemFilter{}, false)
	WantCode(t, err, "", "Bob lists items")
	if ids := itemIDs(page.Items); len(ids) != 1 || ids[0] != bobsItem.ID {
		t.Errorf("Bob's item list: want only [%d], got %v", bobsItem.ID, ids)
	}
	trash, err := f.Svc.Trash(ctx, bob, shelf.ItemFilter{}, false)
	WantCode(t, err, "", "Bob lists the Trash")
	if len(trash.Items) != 0 {
		t.Errorf("Bob's Trash: want empty, got %v", itemIDs(trash.Items))
	}
	cats, err := f.Svc.Categories(ctx, bob)
	WantCode(t, err, "", "Bob lists categories")
	if len(cats) != 0 {
		t.Errorf("Bob's categories: want none, got %+v", cats)
	}
	toks, err := f.Svc.Tokens(ctx, bob)
	WantCode(t, err, "", "Bob lists tokens")
	if len(toks) != 0 {
		t.Errorf("Bob's tokens: want none, got %+v", toks)
	}

	// Bob's item went to the Trash and back (two events, two version bumps);
	// nothing of Alice's changed.
	after := rowState(t, f)
	want := before
	want[2] += 2
	want[7] += 2
	if after != want {
		t.Errorf("rows after Bob's attempts [items, live, versions, notes, active loans, categories, tokens, events]: want %v, got %v", want, after)
	}
	if !f.IsLive(o.live.ID) || !f.IsLive(o.onLoan.ID) || !f.IsTrashed(o.trashed.ID) || !f.Exists("notes", o.note.ID) {
		t.Errorf("Alice's things: want all as they were")
	}
}

func testAdminCanAct(t *testing.T, f *Fixture) {
	o := alicesThings(t, f)
	admin := f.Admin
	ctx := f.Ctx

	if _, err := f.Svc.Item(ctx, admin, o.live.ID); err != nil {
		t.Errorf("admin: get Alice's item: %v", err)
	}
	if _, err := f.Svc.ItemImpact(ctx, admin, o.live.ID); err != nil {
		t.Errorf("admin: impact of Alice's item: %v", err)
	}
	up, err := f.Svc.UpdateItem(ctx, admin, o.live.ID, shelf.ItemInput{Name: "Alice's camera (checked)", Quantity: 1, CategoryID: &o.category.ID}, 0)
	WantCode(t, err, "", "admin: update Alice's item in her category")
	if up.OwnerID != f.Alice.UserID {
		t.Errorf("updated item owner: want Alice (%d), got %d", f.Alice.UserID, up.OwnerID)
	}
	n, err := f.Svc.AddNote(ctx, admin, o.live.ID, "checked by admin")
	WantCode(t, err, "", "admin: add a note to Alice's item")
	if n.AuthorID == nil || *n.AuthorID != admin.UserID {
		t.Errorf("admin's note author: want %d, got %v", admin.UserID, n.AuthorID)
	}
	if _, err := f.Svc.DeleteNote(ctx, admin, o.note.ID); err != nil {
		t.Errorf("admin: delete Alice's note: %v", err)
	}
	if f.Exists("notes", o.note.ID) {
		t.Errorf("note %d: want gone", o.note.ID)
	}
	lent, err := f.Svc.LendItem(ctx, admin, o.live.ID, "Olga", nil)
	WantCode(t, err, "", "admin: lend Alice's item")
	if _, err := f.Svc.ReturnLoan(ctx, admin, lent.ID); err != nil {
		t.Errorf("admin: return the loan it made: %v", err)
	}
	if _, err := f.Svc.ReturnLoan(ctx, admin, o.loan.ID); err != nil {
		t.Errorf("admin: return Alice's loan: %v", err)
	}
	_, err = f.Svc.ReturnLoan(ctx, admin, o.loan.ID)
	WantCode(t, err, shelf.ELOANRETURNED, "admin: return the loan twice")
	wantBlocker(t, shelf.AsError(err).Blockers, shelf.BlockLoan, o.loan.ID, "Nia")

	trashed, err := f.Svc.TrashItem(ctx, admin, o.onLoan.ID, 0)
	WantCode(t, err, "", "admin: trash Alice's returned item")
	if c := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_by = %d AND owner_id = %d", o.onLoan.ID, admin.UserID, f.Alice.UserID); c != 1 {
		t.Errorf("item %d: want trashed by the admin and still Alice's, got %d matching rows", o.onLoan.ID, c)
	}
	if _, err := f.Svc.RestoreCohort(ctx, admin, trashed.Cohort); err != nil {
		t.Errorf("admin: undo the trash: %v", err)
	}
	if _, err := f.Svc.RestoreCohort(ctx, admin, o.cohort); err != nil {
		t.Errorf("admin: restore Alice's cohort: %v", err)
	}
	f.Trash(f.Alice, o.trashed.ID)
	if _, err := f.Svc.PurgeImpact(ctx, admin, o.trashed.ID); err != nil {
		t.Errorf("admin: purge impact of Alice's item: %v", err)
	}
	if _, err := f.Svc.PurgeItem(ctx, admin, o.trashed.ID, shelf.Confirmation{Reason: "admin cleanup"}); err != nil {
		t.Errorf("admin: purge Alice's item: %v", err)
	}
	if f.Exists("items", o.trashed.ID) {
		t.Errorf("item %d: want purged", o.trashed.ID)
	}
	f.Trash(f.Alice, o.live.ID)
	if _, err := f.Svc.RestoreItem(ctx, admin, o.live.ID, ""); err != nil {
		t.Errorf("admin: restore Alice's item: %v", err)
	}
	f.Trash(f.Alice, o.live.ID)
	purged, err := Purged(f.Svc.EmptyTrash(ctx, admin, f.Alice.UserID, shelf.Confirmation{}))
	WantCode(t, err, "", "admin: empty Alice's Trash")
	if purged != 1 {
		t.Errorf("admin empties Alice's Trash: want 1 purged, got %d", purged)
	}
	if _, err := f.Svc.CategoryImpact(ctx, admin, o.category.ID); err != nil {
		t.Errorf("admin: category impact: %v", err)
	}
	if _, err := f.Svc.DeleteCategory(ctx, admin, o.category.ID); err != nil {
		t.Errorf("admin: delete Alice's category: %v", err)
	}
	if _, err := f.Svc.DeleteToken(ctx, admin, o.token.ID); err != nil {
		t.Errorf("admin: delete Alice's token: %v", err)
	}
	if f.Exists("categories", o.category.ID) || f.Exists("api_tokens", o.token.ID) {
		t.Errorf("want Alice's category and token gone")
	}
	page, err := f.Svc.Items(ctx, admin, shelf.ItemFilter{}, true)
	WantCode(t, err, "", "admin lists everyone's items")
	if len(page.Items) != 1 || page.Items[0].ID != o.onLoan.ID {
		t.Errorf("admin's list of everyone's items: want [%d], got %v", o.onLoan.ID, itemIDs(page.Items))
	}
	// Every destructive step above left its event, naming the admin: note
	// delete, trash, two restores of cohorts, purge, restore, empty Trash,
	// category delete, token revoke.
	if c := f.Count("SELECT count(*) FROM audit_events WHERE actor_id = %d", admin.UserID); c != 9 {
		t.Errorf("audit events by the admin: want 9, got %d", c)
	}
	if evs := f.EventsOf(shelf.ActionTokenDelete, o.token.ID); len(evs) != 1 || strings.Contains(string(evs[0].Snapshot), "hash") ||
		!strings.Contains(string(evs[0].Snapshot), `"name"`) {
		t.Errorf("token.delete events of Alice's token, with its name and without the secret's hash: want 1, got %+v", evs)
	}
}

func testAdminOnly(t *testing.T, f *Fixture) {
	it := f.Item(f.Bob, "Bob's thing")
	f.Trash(f.Bob, it.ID)
	before := rowState(t, f)
	alice := f.Alice
	ctx := f.Ctx

	checks := []struct {
		what string
		call func() error
	}{
		{"list users", func() error { _, err := f.Svc.Users(ctx, alice); return err }},
		{"delete user", func() error { _, err := f.Svc.DeleteUser(ctx, alice, f.Bob.UserID); return err }},
		{"delete user impact", func() error { _, err := f.Svc.DeleteUserImpact(ctx, alice, f.Bob.UserID); return err }},
		{"read the audit log", func() error { _, err := f.Svc.AuditEvents(ctx, alice, shelf.AuditFilter{}); return err }},
		{"transfer items", func() error { _, err := f.Svc.TransferItems(ctx, alice, f.Bob.UserID, alice.UserID); return err }},
		{"retention purge", func() error {
			_, err := f.Svc.PurgeTrashedBefore(ctx, alice, f.Clock.Now().Add(time.Hour), 10, nil)
			return err
		}},
	}
	for _, c := range checks {
		WantCode(t, c.call(), shelf.EFORBIDDEN, "member: "+c.what)
	}
	if after := rowState(t, f); after != before {
		t.Errorf("rows after refused admin operations: want %v, got %v", before, after)
	}
	if !f.Exists("users", f.Bob.UserID) || !f.IsTrashed(it.ID) {
		t.Errorf("want Bob and his trashed item kept")
	}

	// The admin may.
	us, err := f.Svc.Users(ctx, f.Admin)
	WantCode(t, err, "", "admin: list users")
	if len(us) != 3 {
		t.Errorf("users: want 3, got %d", len(us))
	}
	page, err := f.Svc.AuditEvents(ctx, f.Admin, shelf.AuditFilter{})
	WantCode(t, err, "", "admin: read the audit log")
	if len(page.Events) != 1 {
		t.Errorf("audit log: want 1 event, got %d", len(page.Events))
	}
	n, err := f.Svc.PurgeTrashedBefore(ctx, f.Admin, f.Clock.Now().Add(time.Hour), 10, nil)
	WantCode(t, err, "", "admin: retention purge")
	if n != 1 || f.Exists("items", it.ID) {
		t.Errorf("retention purge: want item %d purged (1), got %d", it.ID, n)
	}
}

func testAnonymous(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Secret")
	var anon shelf.Actor
	ctx := f.Ctx
	checks := []struct {
		what string
		call func() error
	}{
		{"create", func() error { _, err := f.Svc.CreateItem(ctx, anon, shelf.ItemInput{Name: "x"}); return err }},
		{"get", func() error { _, err := f.Svc.Item(ctx, anon, it.ID); return err }},
		{"list", func() error { _, err := f.Svc.Items(ctx, anon, shelf.ItemFilter{}, true); return err }},
		{"trash", func() error { _, err := f.Svc.TrashItem(ctx, anon, it.ID, 0); return err }},
		{"bulk trash", func() error {
			_, err := f.Svc.TrashItems(ctx, anon, []int64{it.ID}, shelf.Confirmation{})
			return err
		}},
		{"empty Trash", func() error {
			_, err := f.Svc.EmptyTrash(ctx, anon, f.Alice.UserID, shelf.Confirmation{})
			return err
		}},
		{"create token", func() error { _, _, err := f.Svc.CreateToken(ctx, anon, "x"); return err }},
		{"list users", func() error { _, err := f.Svc.Users(ctx, anon); return err }},
	}
	for _, c := range checks {
		WantCode(t, c.call(), shelf.EUNAUTHORIZED, "anonymous: "+c.what)
	}
	if !f.IsLive(it.ID) || f.AuditTotal() != 0 {
		t.Errorf("want the item live and no audit event after anonymous attempts")
	}
}
