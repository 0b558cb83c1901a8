package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shelf"
)

func TestHTMLDeleteUndoPurge(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")

		created := b.post("/items", url.Values{"name": {"Lamp"}, "description": {"desk lamp"}, "quantity": {"2"}, "category_id": {""}})
		if created.status != http.StatusSeeOther || !strings.HasPrefix(created.location, "/items/") {
			t.Fatalf("create: %d → %q", created.status, created.location)
		}
		itemID := strings.TrimPrefix(created.location, "/items/")
		wantPage(t, "item htmlPage", b.get(created.location), http.StatusOK, "Lamp", "desk lamp", "Created “Lamp”.")
		wantSeeOther(t, "add note", b.post(created.location+"/notes", url.Values{"body": {"bulb is E27"}}), created.location)

		confirm := b.get("/items/" + itemID + "/delete")
		wantPage(t, "confirm", confirm, http.StatusOK, "1 note will go to the Trash with it; you can undo this",
			`action="/items/`+itemID+`/delete"`)
		wantSeeOther(t, "delete", b.post("/items/"+itemID+"/delete", nil), "/items")
		var n int64
		n, _ = strconv.ParseInt(itemID, 10, 64)
		if !e.itemTrashed(n) {
			t.Fatal("the item is not in the Trash after the delete")
		}

		list := b.get("/items")
		// the Undo restores the delete's cohort, as the script's Undo does
		var cohort string
		if err := e.queryRow(`SELECT deleted_cohort FROM items WHERE id = ?`, n).Scan(&cohort); err != nil {
			t.Fatal(err)
		}
		wantPage(t, "flash", list, http.StatusOK, "Moved “Lamp” to the Trash.", `action="/trash/restore"`,
			`name="cohort" value="`+cohort+`"`, ">Undo<")
		wantLacks(t, "list after delete", list, `href="/items/`+itemID+`"`)
		wantLacks(t, "second view", b.get("/items"), "Moved “Lamp”", ">Undo<")

		wantSeeOther(t, "undo", b.post("/trash/restore", url.Values{"cohort": {cohort}}), "/items")
		if !e.itemLive(n) || e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, n) != 1 {
			t.Fatal("undo did not bring the item back with its note")
		}
		wantPage(t, "after undo", b.get("/items"), http.StatusOK, "Restored “Lamp”.", `href="/items/`+itemID+`"`)

		wantSeeOther(t, "delete again", b.post("/items/"+itemID+"/delete", nil), "/items")
		trash := b.get("/trash")
		wantPage(t, "trash", trash, http.StatusOK, "Lamp", "30 days", `action="/trash/`+itemID+`/restore"`, `href="/trash/`+itemID+`/delete"`)
		wantPage(t, "purge confirm", b.get("/trash/"+itemID+"/delete"), http.StatusOK, "will be deleted for good, and with it 1 note.", "cannot be undone", `name="reason"`)
		wantSeeOther(t, "purge", b.post("/trash/"+itemID+"/delete", url.Values{"reason": {"broken beyond repair"}}), "/trash")
		if e.count(`SELECT count(*) FROM items WHERE id = ?`, n) != 0 || e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, n) != 0 {
			t.Fatal("the item or its notes outlived the purge")
		}
		if eventsWith(t, e.svc, "item.purge", `broken beyond repair`, nil) != 1 {
			t.Error("the purge's audit event does not keep the reason")
		}
		wantPage(t, "after purge", b.get("/trash"), http.StatusOK, "Deleted “Lamp” forever.", "The Trash is empty.")
	})
}

func TestHTMLBlockedDelete(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		it := e.newItem("ann", "Ladder")
		due := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
		wantSeeOther(t, "lend", b.post("/items/"+idOf(it)+"/loans", url.Values{"borrower": {"Bob Borrower"}, "due_at": {due}}), "/items/"+idOf(it))

		p := b.get("/items/" + idOf(it) + "/delete")
		wantPage(t, "blocked confirm", p, http.StatusConflict, "Lent to Bob Borrower")
		wantLacks(t, "blocked confirm", p, `action="/items/`+idOf(it)+`/delete"`)

		before := e.snapshot()
		p = b.post("/items/"+idOf(it)+"/delete", nil)
		wantPage(t, "blocked delete", p, http.StatusConflict, "Lent to Bob Borrower", "on loan")
		if e.snapshot() != before || !e.itemLive(it.ID) {
			t.Fatal("a refused delete changed the database")
		}
		wantPage(t, "blocked override", b.post("/items/"+idOf(it), url.Values{"_method": {"DELETE"}}), http.StatusConflict, "Lent to Bob Borrower")

		var loanID int64
		if err := e.queryRow(`SELECT id FROM loans WHERE item_id = ?`, it.ID).Scan(&loanID); err != nil {
			t.Fatal(err)
		}
		wantSeeOther(t, "return", b.post("/loans/"+itoa(loanID)+"/return", nil), "/items/"+idOf(it))
		wantSeeOther(t, "delete after return", b.post("/items/"+idOf(it)+"/delete", nil), "/items")
		if !e.itemTrashed(it.ID) {
			t.Fatal("not trashed after the loan was returned")
		}
	})
}

func TestHTMLMethodOverride(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		it := e.newItem("ann", "Kettle")
		wantPage(t, "GET with _method", b.get("/items/"+idOf(it)+"?_method=DELETE"), http.StatusOK, "Kettle")
		if !e.itemLive(it.ID) {
			t.Fatal("a GET with _method=DELETE changed something")
		}
		wantSeeOther(t, "POST _method=DELETE", b.post("/items/"+idOf(it), url.Values{"_method": {"DELETE"}}), "/items")
		if !e.itemTrashed(it.ID) {
			t.Fatal("POST with _method=DELETE did not trash the item")
		}
		wantPage(t, "flash", b.get("/items"), http.StatusOK, "Moved “Kettle” to the Trash.")
	})
}

var cohortField = regexp.MustCompile(`name="cohort" value="([^"]+)"`)

func TestHTMLBulkDelete(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		a, c, earlier := e.newItem("ann", "Alpha"), e.newItem("ann", "Beta"), e.newItem("ann", "Gamma")
		foreign := e.newItem("bob", "Bob's")
		if _, err := e.svc.TrashItem(context.Background(), e.actor("ann"), earlier.ID, 0); err != nil {
			t.Fatal(err)
		}
		ids := url.Values{"ids": {idOf(a), idOf(c), idOf(foreign)}}

		before := e.snapshot()
		p := b.post("/items/bulk-delete", ids)
		wantPage(t, "bulk confirm", p, http.StatusOK, "3 items", "Alpha", "Beta", `name="confirmed" value="1"`, `name="ids" value="`+idOf(a)+`"`)
		wantLacks(t, "bulk confirm", p, "Bob&#39;s", "Bob's")
		if e.snapshot() != before {
			t.Fatal("the confirmation htmlPage changed the database")
		}
		wantPage(t, "no ids", b.post("/items/bulk-delete", url.Values{"confirmed": {"1"}}), http.StatusUnprocessableEntity,
			"<strong>Error:</strong> Tick at least one item first.", `id="bulk"`, "Alpha")

		ids.Set("confirmed", "1")
		wantSeeOther(t, "bulk delete", b.post("/items/bulk-delete", ids), "/items")
		if !e.itemTrashed(a.ID) || !e.itemTrashed(c.ID) || !e.itemLive(foreign.ID) {
			t.Fatal("bulk delete trashed the wrong items")
		}
		list := b.get("/items")
		wantPage(t, "bulk flash", list, http.StatusOK, "Moved 2 items to the Trash. 1 item was not found.", `action="/trash/restore"`)
		m := cohortField.FindStringSubmatch(list.body)
		if m == nil {
			t.Fatal("the Undo form has no cohort")
		}
		wantSeeOther(t, "undo bulk", b.post("/trash/restore", url.Values{"cohort": {m[1]}}), "/items")
		if !e.itemLive(a.ID) || !e.itemLive(c.ID) || !e.itemTrashed(earlier.ID) {
			t.Fatal("undo did not restore exactly what the bulk delete trashed")
		}
		wantPage(t, "undo flash", b.get("/items"), http.StatusOK, "Restored 2 items.")
	})
}

func TestHTMLBulkDeleteNeedsCount(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		form := url.Values{}
		for i := range 51 {
			form.Add("ids", idOf(e.newItem("ann", "Thing "+strconv.Itoa(i))))
		}
		// note: the page names the first bulkShown items, and tells the
		// browser script how many that is, so that both confirmations agree.
		wantPage(t, "confirm", b.post("/items/bulk-delete", form), http.StatusOK, `name="confirm_count"`, "51 items",
			"and "+strconv.Itoa(51-bulkShown)+" more", `data-bulk-shown="`+strconv.Itoa(bulkShown)+`"`)
		form.Set("confirmed", "1")
		before := e.snapshot()
		wantPage(t, "no count", b.post("/items/bulk-delete", form), http.StatusUnprocessableEntity, "Type 51")
		form.Set("confirm_count", "50")
		wantPage(t, "wrong count", b.post("/items/bulk-delete", form), http.StatusUnprocessableEntity, "Type 51")
		if e.snapshot() != before {
			t.Fatal("a bulk delete without the right count changed the database")
		}
		form.Set("confirm_count", "51")
		wantSeeOther(t, "typed count", b.post("/items/bulk-delete", form), "/items")
		if n := e.count(`SELECT count(*) FROM items WHERE deleted_at IS NOT NULL`); n != 51 {
			t.Fatalf("trashed %d items, want 51", n)
		}
		many := url.Values{}
		for i := range shelf.MaxBulkIDs + 1 {
			many.Add("ids", strconv.Itoa(i+1))
		}
		wantPage(t, "too many", b.post("/items/bulk-delete", many), http.StatusUnprocessableEntity)
	})
}

func TestHTMLRestoreConflict(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		old := e.newItem("ann", "Lamp")
		wantSeeOther(t, "delete", b.post("/items/"+idOf(old)+"/delete", nil), "/items")
		e.newItem("ann", "lamp")
		before := e.snapshot()
		p := b.post("/trash/"+idOf(old)+"/restore", nil)
		wantPage(t, "conflict", p, http.StatusConflict, "already named", `action="/trash/`+idOf(old)+`/restore"`, `name="name"`)
		if e.snapshot() != before {
			t.Fatal("a refused restore changed the database")
		}
		wantPage(t, "still taken", b.post("/trash/"+idOf(old)+"/restore", url.Values{"name": {"LAMP"}}), http.StatusConflict)
		wantSeeOther(t, "rename", b.post("/trash/"+idOf(old)+"/restore", url.Values{"name": {"Lamp 2"}}), "/items")
		if e.count(`SELECT count(*) FROM items WHERE id = ? AND name = 'Lamp 2' AND deleted_at IS NULL`, old.ID) != 1 {
			t.Fatal("the item was not restored under its new name")
		}
		wantPage(t, "flash", b.get("/items"), http.StatusOK, "Restored “Lamp 2”.")
	})
}

func TestHTMLCategoryDelete(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		wantSeeOther(t, "create", b.post("/categories", url.Values{"name": {"Tools"}}), "/categories")
		wantPage(t, "duplicate", b.post("/categories", url.Values{"name": {"tools"}}), http.StatusConflict, "already have", `value="tools"`)
		var cid int64
		if err := e.queryRow(`SELECT id FROM categories WHERE name = 'Tools'`).Scan(&cid); err != nil {
			t.Fatal(err)
		}
		cat := itoa(cid)
		live := b.post("/items", url.Values{"name": {"Saw"}, "quantity": {"1"}, "category_id": {cat}})
		wantSeeOther(t, "create item", live, live.location)
		gone := b.post("/items", url.Values{"name": {"Old saw"}, "quantity": {"1"}, "category_id": {cat}})
		wantSeeOther(t, "trash item", b.post(gone.location+"/delete", nil), "/items")
		wantPage(t, "in list", b.get("/items?category="+cat), http.StatusOK, "Saw", "Tools")

		wantPage(t, "confirm", b.get("/categories/"+cat+"/delete"), http.StatusOK, "2 items will become uncategorised")
		wantSeeOther(t, "delete", b.post("/categories/"+cat+"/delete", nil), "/categories")
		if e.count(`SELECT count(*) FROM categories`) != 0 || e.count(`SELECT count(*) FROM items WHERE category_id IS NOT NULL`) != 0 ||
			e.count(`SELECT count(*) FROM items`) != 2 {
			t.Fatal("deleting the category did not leave its items uncategorised")
		}
		wantPage(t, "flash", b.get("/categories"), http.StatusOK, "Deleted category “Tools”; 2 items are now uncategorised.")
		wantPage(t, "delete again", b.post("/categories/"+cat+"/delete", nil), http.StatusNotFound)
	})
}

func TestHTMLUserDelete(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		admin := e.login("admin")
		bob := e.users["bob"]
		e.newItem("bob", "Bike")
		tr := e.newItem("bob", "Broken bike")
		if _, err := e.svc.TrashItem(context.Background(), e.actor("bob"), tr.ID, 0); err != nil {
			t.Fatal(err)
		}
		path := "/admin/users/" + itoa(bob.ID)
		wantPage(t, "blocked", admin.get(path+"/delete"), http.StatusConflict, "owns 1 live and 1 trashed items",
			`action="`+path+`/transfer"`, `name="to"`)
		before := e.snapshot()
		wantPage(t, "refused", admin.post(path+"/delete", nil), http.StatusConflict, "Cannot delete yet:", "transfer them first",
			`data-blocker-type="item" data-blocker-id="`+itoa(tr.ID)+`">Broken bike<`, `action="`+path+`/transfer"`)
		if e.snapshot() != before {
			t.Fatal("a refused user delete changed the database")
		}
		wantPage(t, "transfer to nobody", admin.post(path+"/transfer", nil), http.StatusUnprocessableEntity, "Choose who receives the items.")
		wantPage(t, "transfer to oneself", admin.post(path+"/transfer", url.Values{"to": {itoa(bob.ID)}}), http.StatusUnprocessableEntity)
		if e.snapshot() != before {
			t.Fatal("a refused transfer changed the database")
		}
		wantPage(t, "transfer to nobody known", admin.post(path+"/transfer", url.Values{"to": {"999999"}}), http.StatusUnprocessableEntity, "Choose who receives the items.")
		ask := admin.post(path+"/transfer", url.Values{"to": {itoa(e.users["admin"].ID)}})
		wantPage(t, "transfer asks first", ask, http.StatusOK, "Transfer their items to Ada?", "This cannot be undone.", `name="confirmed" value="1"`)
		if e.snapshot() != before {
			t.Fatal("asking to confirm a transfer changed the database")
		}
		wantSeeOther(t, "transfer", admin.post(path+"/transfer", url.Values{"to": {itoa(e.users["admin"].ID)}, "confirmed": {"1"}}), path+"/delete")
		if e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, e.users["admin"].ID) != 2 {
			t.Fatal("the transfer did not move both items")
		}
		p := admin.get(path + "/delete")
		wantPage(t, "after transfer", p, http.StatusOK, "Transferred 2 items to Ada.", `action="`+path+`/delete"`)
		wantSeeOther(t, "delete", admin.post(path+"/delete", nil), "/admin/users")
		if e.count(`SELECT count(*) FROM users WHERE id = ?`, bob.ID) != 0 {
			t.Fatal("the user is still there")
		}
		users := admin.get("/admin/users")
		wantPage(t, "users", users, http.StatusOK, "Deleted the user Bob", `href="/admin/users/`+itoa(e.users["ann"].ID)+`/delete"`)
		// an admin is never offered their own delete, which cannot succeed
		if self := `href="/admin/users/` + itoa(e.users["admin"].ID) + `/delete"`; strings.Contains(users.body, self) {
			t.Errorf("users page: the admin's own row offers Delete (%s)", self)
		}
		wantPage(t, "audit", admin.get("/admin/audit?action=user.delete"), http.StatusOK, "user.delete", "Deleted user bob@example.com")
	})
}

func TestHTMLPurgeNeedsName(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		it := e.newItem("ann", "Diary")
		ctx := context.Background()
		for i := range 101 {
			if _, err := e.svc.AddNote(ctx, e.actor("ann"), it.ID, "entry "+strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
		}
		wantSeeOther(t, "trash", b.post("/items/"+idOf(it)+"/delete", nil), "/items")
		path := "/trash/" + idOf(it) + "/delete"
		wantPage(t, "confirm", b.get(path), http.StatusOK, "and with it 101 notes.", `name="confirm_name"`)
		before := e.snapshot()
		p := b.post(path, url.Values{"confirm_name": {"diary"}, "reason": {"private"}})
		wantPage(t, "wrong name", p, http.StatusUnprocessableEntity, "Type the item’s name", `>private</textarea>`)
		if e.snapshot() != before {
			t.Fatal("a purge without the name changed the database")
		}
		wantSeeOther(t, "purge", b.post(path, url.Values{"confirm_name": {"Diary"}}), "/trash")
		if e.count(`SELECT count(*) FROM notes`) != 0 {
			t.Fatal("the notes outlived the purge")
		}
	})
}

func TestHTMLEmptyTrash(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		ctx := context.Background()
		for _, n := range []string{"A", "B"} {
			it := e.newItem("ann", n)
			if _, err := e.svc.TrashItem(ctx, e.actor("ann"), it.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		theirs := e.newItem("bob", "C")
		if _, err := e.svc.TrashItem(ctx, e.actor("bob"), theirs.ID, 0); err != nil {
			t.Fatal(err)
		}
		wantPage(t, "confirm", b.get("/trash/empty"), http.StatusOK, "2 items in your Trash", `action="/trash/empty"`)
		wantSeeOther(t, "empty", b.post("/trash/empty", nil), "/trash")
		if e.count(`SELECT count(*) FROM items`) != 1 || !e.itemTrashed(theirs.ID) {
			t.Fatal("emptying the Trash took the wrong items")
		}
		wantPage(t, "flash", b.get("/trash"), http.StatusOK, "Purged 2 items.")
		wantPage(t, "nothing left", b.get("/trash/empty"), http.StatusOK, "already empty")
	})
}

func TestHTMLEmptyTrashNeedsCount(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		ids := make([]int64, 0, 51)
		for i := range 51 {
			ids = append(ids, e.newItem("ann", "Box "+strconv.Itoa(i)).ID)
		}
		if _, err := e.svc.TrashItems(context.Background(), e.actor("ann"), ids, shelf.Confirmation{}); err != nil {
			t.Fatal(err)
		}
		wantPage(t, "confirm", b.get("/trash/empty"), http.StatusOK, "51 items", `name="confirm_count"`)
		before := e.snapshot()
		wantPage(t, "no count", b.post("/trash/empty", nil), http.StatusUnprocessableEntity, "Type 51")
		if e.snapshot() != before {
			t.Fatal("emptying without the count changed the database")
		}
		wantSeeOther(t, "count", b.post("/trash/empty", url.Values{"confirm_count": {"51"}}), "/trash")
		if n := e.count(`SELECT count(*) FROM items`); n != 0 {
			t.Fatalf("%d items left after emptying the Trash", n)
		}
	})
}

// TestHTMLEmptyTrashBigCascadeNeedsCount: a Trash of few items whose notes
// make the permanent delete more than 100 rows asks for the count too, as
// one big purge asks for the name; the reason typed is kept in each purged
// item's audit event, and one that is too long re-renders the page.
func TestHTMLEmptyTrashBigCascadeNeedsCount(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		ctx := context.Background()
		var ids []int64
		for i := range 3 {
			it := e.newItem("ann", "Crate "+strconv.Itoa(i))
			for j := range 34 {
				if _, err := e.svc.AddNote(ctx, e.actor("ann"), it.ID, "note "+strconv.Itoa(j)); err != nil {
					t.Fatal(err)
				}
			}
			ids = append(ids, it.ID)
		}
		if _, err := e.svc.TrashItems(ctx, e.actor("ann"), ids, shelf.Confirmation{}); err != nil {
			t.Fatal(err)
		}
		// 3 items + 102 notes = 105 rows.
		wantPage(t, "confirm", b.get("/trash/empty"), http.StatusOK, "3 items in your Trash", "102 notes", `name="confirm_count"`, `name="reason"`)
		before := e.snapshot()
		wantPage(t, "no count", b.post("/trash/empty", url.Values{"reason": {"old stuff"}}), http.StatusUnprocessableEntity, "Type 3", `>old stuff</textarea>`)
		long := strings.Repeat("x", 1001)
		wantPage(t, "long reason", b.post("/trash/empty", url.Values{"confirm_count": {"3"}, "reason": {long}}),
			http.StatusUnprocessableEntity, "Reason is too long", `aria-describedby="reason-error"`, `name="confirm_count"`)
		if e.snapshot() != before {
			t.Fatal("a refused empty Trash changed the database")
		}
		wantSeeOther(t, "count and reason", b.post("/trash/empty", url.Values{"confirm_count": {"3"}, "reason": {"old stuff"}}), "/trash")
		if n := e.count(`SELECT count(*) FROM items`); n != 0 {
			t.Fatalf("%d items left after emptying the Trash", n)
		}
		if n := eventsWith(t, e.svc, "item.purge", `"reason":"old stuff"`, nil); n != 3 {
			t.Errorf("item.purge events with the reason: %d, want 3", n)
		}
	})
}

// TestHTMLBulkDeleteReason: the bulk confirmation takes an optional reason,
// kept in each item's audit event; one that is too long re-renders the
// confirmation with the error, and nothing is deleted.
func TestHTMLBulkDeleteReason(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		form := url.Values{}
		for _, n := range []string{"Pan", "Pot"} {
			form.Add("ids", idOf(e.newItem("ann", n)))
		}
		wantPage(t, "confirm", b.post("/items/bulk-delete", form), http.StatusOK, `name="reason"`)
		form.Set("confirmed", "1")
		form.Set("reason", strings.Repeat("x", 1001))
		before := e.snapshot()
		p := b.post("/items/bulk-delete", form)
		wantPage(t, "long reason", p, http.StatusUnprocessableEntity, "Reason is too long", `aria-describedby="reason-error"`, "Pan", "Pot")
		wantLacks(t, "long reason", p, "Some fields are not valid")
		if e.snapshot() != before {
			t.Fatal("a refused bulk delete changed the database")
		}
		form.Set("reason", "duplicates")
		wantSeeOther(t, "with a reason", b.post("/items/bulk-delete", form), "/items")
		if n := eventsWith(t, e.svc, "item.trash", `"reason":"duplicates"`, nil); n != 2 {
			t.Errorf("item.trash events with the reason: %d, want 2", n)
		}
	})
}

// TestHTMLAdminEmptiesAnothersTrash: an admin reaches another user's Trash
// from the users page and empties it (only theirs); a member naming someone
// else's Trash gets 404 and changes nothing.
func TestHTMLAdminEmptiesAnothersTrash(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		bobs := e.newItem("bob", "Bob's box")
		anns := e.newItem("ann", "Ann's box")
		for who, it := range map[string]shelf.Item{"bob": bobs, "ann": anns} {
			if _, err := e.svc.TrashItem(ctx, e.actor(who), it.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		bob := itoa(e.users["bob"].ID)

		ann := e.login("ann")
		before := e.snapshot()
		wantPage(t, "member, confirm another's", ann.get("/trash/empty?owner="+bob), http.StatusNotFound)
		wantPage(t, "member, empty another's", ann.post("/trash/empty", url.Values{"owner": {bob}}), http.StatusNotFound)
		wantPage(t, "malformed owner", ann.get("/trash/empty?owner=x"), http.StatusBadRequest)
		if e.snapshot() != before {
			t.Fatal("a member's attempt on another's Trash changed the database")
		}

		admin := e.login("admin")
		users := admin.get("/admin/users")
		wantPage(t, "users page", users, http.StatusOK, `href="/trash/empty?owner=`+bob+`"`)
		wantPage(t, "admin, confirm Bob's", admin.get("/trash/empty?owner="+bob), http.StatusOK,
			"Empty Bob’s Trash?", "1 item in Bob’s Trash", `name="owner" value="`+bob+`"`)
		wantSeeOther(t, "admin, empty Bob's", admin.post("/trash/empty", url.Values{"owner": {bob}, "reason": {"left"}}), "/trash?all=1")
		if e.count(`SELECT count(*) FROM items WHERE id = ?`, bobs.ID) != 0 || !e.itemTrashed(anns.ID) {
			t.Fatal("emptying Bob's Trash took the wrong items")
		}
		wantPage(t, "flash", admin.get("/trash?all=1"), http.StatusOK, "Purged 1 item from Bob’s Trash.")
		byAdmin := func(ev shelf.AuditEvent) bool {
			return ev.EntityID == bobs.ID && ev.ActorID != nil && *ev.ActorID == e.users["admin"].ID
		}
		if n := eventsWith(t, e.svc, "item.purge", `"reason":"left"`, byAdmin); n != 1 {
			t.Errorf("item.purge event of Bob's box by the admin with the reason: %d, want 1", n)
		}
	})
}
