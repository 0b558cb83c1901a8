package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"shelf"
)

func TestHTMLItemForms(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		wantPage(t, "new", b.get("/items/new"), http.StatusOK, `name="name"`, `name="quantity" value="1"`, `name="category_id"`)

		before := e.snapshot()
		p := b.post("/items", url.Values{"name": {""}, "description": {"kept text"}, "quantity": {"-3"}})
		wantPage(t, "invalid", p, http.StatusUnprocessableEntity, "Name is required.", "Quantity cannot be negative.", "kept text", `value="-3"`)
		p = b.post("/items", url.Values{"name": {"Rope"}, "quantity": {"lots"}})
		wantPage(t, "not a number", p, http.StatusUnprocessableEntity, "Quantity must be a whole number.", `value="Rope"`, `value="lots"`)
		if e.snapshot() != before {
			t.Fatal("an invalid form changed the database")
		}

		it := e.newItem("ann", "Rope")
		p = b.post("/items", url.Values{"name": {"rope"}, "quantity": {"1"}, "description": {"second"}})
		wantPage(t, "duplicate", p, http.StatusConflict, "already exists", `value="rope"`, "second")

		edit := b.get("/items/" + idOf(it) + "/edit")
		wantPage(t, "edit", edit, http.StatusOK, `name="version" value="1"`, `value="Rope"`)
		// someone else saves first
		if _, err := e.svc.UpdateItem(context.Background(), e.actor("ann"), it.ID, shelf.ItemInput{Name: "Rope", Quantity: 9}, 1); err != nil {
			t.Fatal(err)
		}
		before = e.snapshot()
		p = b.post("/items/"+idOf(it), url.Values{"name": {"Climbing rope"}, "quantity": {"2"}, "version": {"1"}})
		wantPage(t, "stale", p, http.StatusPreconditionFailed, "changed by someone else", `value="Climbing rope"`, `value="2"`,
			`name="version" value="2"`, "What is saved now")
		if e.snapshot() != before {
			t.Fatal("a stale edit changed the database")
		}
		wantSeeOther(t, "save again", b.post("/items/"+idOf(it), url.Values{"name": {"Climbing rope"}, "quantity": {"2"}, "version": {"2"}}), "/items/"+idOf(it))
		if e.count(`SELECT count(*) FROM items WHERE id = ? AND name = 'Climbing rope' AND quantity = 2`, it.ID) != 1 {
			t.Fatal("the second save did not take")
		}
		wantPage(t, "saved", b.get("/items/"+idOf(it)), http.StatusOK, "Saved “Climbing rope”.")
		wantPage(t, "no version", b.post("/items/"+idOf(it), url.Values{"name": {"X"}, "quantity": {"1"}}), http.StatusBadRequest)
		wantPage(t, "bad id", b.get("/items/abc"), http.StatusBadRequest)
	})
}

func TestHTMLNotesAndLoans(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		it := e.newItem("ann", "Tent")
		path := "/items/" + idOf(it)
		before := e.snapshot()
		wantPage(t, "empty note", b.post(path+"/notes", url.Values{"body": {"   "}}), http.StatusUnprocessableEntity, "A note cannot be empty.")
		wantPage(t, "no borrower", b.post(path+"/loans", url.Values{"borrower": {""}, "due_at": {"2999-01-01"}}),
			http.StatusUnprocessableEntity, "Say who borrows it.", `value="2999-01-01"`)
		wantPage(t, "bad date", b.post(path+"/loans", url.Values{"borrower": {"Cy"}, "due_at": {"soon"}}),
			http.StatusUnprocessableEntity, "YYYY-MM-DD", `value="Cy"`)
		if e.snapshot() != before {
			t.Fatal("invalid notes or loans changed the database")
		}
		wantSeeOther(t, "note", b.post(path+"/notes", url.Values{"body": {"poles in the bag"}}), path)
		var noteID int64
		if err := e.queryRow(`SELECT id FROM notes WHERE item_id = ?`, it.ID).Scan(&noteID); err != nil {
			t.Fatal(err)
		}
		note := strconv.FormatInt(noteID, 10)
		wantPage(t, "item", b.get(path), http.StatusOK, "poles in the bag", `href="/notes/`+note+`/delete"`)
		wantPage(t, "note confirm", b.get("/notes/"+note+"/delete"), http.StatusOK, "poles in the bag", `action="/notes/`+note+`/delete"`)
		wantSeeOther(t, "delete note", b.post("/notes/"+note+"/delete", nil), path)
		if e.count(`SELECT count(*) FROM notes WHERE id = ?`, noteID) != 0 {
			t.Fatal("the note is still there")
		}
		wantPage(t, "after", b.get(path), http.StatusOK, "Deleted the note.")
	})
}

var tokenSecret = regexp.MustCompile(`shelf_[A-Za-z0-9_-]{20,}`)

func TestHTMLTokens(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		wantPage(t, "no name", b.post("/tokens", url.Values{"name": {""}}), http.StatusUnprocessableEntity, "Name is required.")
		p := b.post("/tokens", url.Values{"name": {"backup script"}})
		wantPage(t, "created", p, http.StatusCreated, "backup script", "shown this once")
		secret := tokenSecret.FindString(p.body)
		if secret == "" {
			t.Fatal("the new token's secret is not shown")
		}
		list := b.get("/tokens")
		wantPage(t, "list", list, http.StatusOK, "backup script")
		wantLacks(t, "list", list, secret)
		var tokenID int64
		if err := e.queryRow(`SELECT id FROM api_tokens`).Scan(&tokenID); err != nil {
			t.Fatal(err)
		}
		wantSeeOther(t, "revoke", b.post("/tokens/"+itoa(tokenID)+"/delete", nil), "/tokens")
		if e.count(`SELECT count(*) FROM api_tokens`) != 0 {
			t.Fatal("the token was not revoked")
		}
		wantPage(t, "flash", b.get("/tokens"), http.StatusOK, "Revoked the token “backup script”")
		wantPage(t, "revoke again", b.post("/tokens/"+itoa(tokenID)+"/delete", nil), http.StatusNotFound)
	})
}

func TestHTMLAdminViews(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		admin := e.login("admin")
		theirs := e.newItem("bob", "Bob's kayak")
		wantPage(t, "own list", admin.get("/items"), http.StatusOK)
		wantLacks(t, "own list", admin.get("/items"), "kayak")
		wantPage(t, "everyone's", admin.get("/items?all=1"), http.StatusOK, "kayak", "Bob")
		wantSeeOther(t, "delete theirs", admin.post("/items/"+idOf(theirs)+"/delete", nil), "/items")
		wantPage(t, "everyone's trash", admin.get("/trash?all=1"), http.StatusOK, "kayak")
		audit := admin.get("/admin/audit?action=item.trash")
		wantPage(t, "audit", audit, http.StatusOK, "item.trash", "Moved “Bob&#39;s kayak” to the Trash", "item "+idOf(theirs))
		// a bad filter keeps the form, with what was typed and why it was refused
		wantPage(t, "bad filter", admin.get("/admin/audit?actor=x&entity_type=item"), http.StatusBadRequest,
			"Not filtered:", "actor must be a user id.", `<select id="actor" name="actor">`, `name="entity_type" value="item"`)
		users := admin.get("/admin/users")
		wantPage(t, "users", users, http.StatusOK, "ann@example.com", "bob@example.com", "(you)")
		if !strings.Contains(users.body, `href="/admin/users/`+itoa(e.users["bob"].ID)+`/delete"`) {
			t.Fatal("no delete link for a user")
		}
		wantPage(t, "self", admin.get("/admin/users/"+itoa(e.users["admin"].ID)+"/delete"), http.StatusConflict, "your own account")
	})
}
