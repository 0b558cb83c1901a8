package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shelf"
)

// TestHTMLTrashRecovery: the Trash groups items by the delete that moved
// them, with "Restore all" for a group; it shows when each is purged; a
// trashed item has a read-only page with its notes and loans; the
// navigation counts the Trash; ticked items are restored or deleted forever
// together (the latter after a confirmation that says it cannot be undone);
// a bulk action with nothing ticked shows the Trash again with the error.
func TestHTMLTrashRecovery(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx, ann := context.Background(), e.actor("ann")
		b := e.login("ann")
		wantLacks(t, "empty Trash", b.get("/trash"), "Empty Trash…", `class="nav-count"`)

		kettle, mug, lamp := e.newItem("ann", "Kettle"), e.newItem("ann", "Mug"), e.newItem("ann", "Lamp")
		if _, err := e.svc.AddNote(ctx, ann, kettle.ID, "descaled in May"); err != nil {
			t.Fatal(err)
		}
		l, err := e.svc.LendItem(ctx, ann, kettle.ID, "Nina", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ReturnLoan(ctx, ann, l.ID); err != nil {
			t.Fatal(err)
		}
		both, err := e.svc.TrashItems(ctx, ann, []int64{kettle.ID, mug.ID}, shelf.Confirmation{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TrashItem(ctx, ann, lamp.ID, 0); err != nil {
			t.Fatal(err)
		}

		trash := b.get("/trash")
		wantPage(t, "Trash", trash, http.StatusOK,
			`aria-label="Trash, 3 items">Trash <span class="nav-count">(3)</span>`,
			`data-cohort="`+both.Cohort+`"`, "2 items", `name="cohort" value="`+both.Cohort+`"`, ">Restore all<",
			`href="/trash/`+idOf(kettle)+`"`, "(in 30 days)", `formaction="/trash/bulk-delete"`, "Empty Trash…")
		if n := strings.Count(trash.body, ">Restore all<"); n != 1 {
			t.Errorf("Restore all buttons: %d, want 1 (the group of two; one item needs none)", n)
		}

		item := b.get("/trash/" + idOf(kettle))
		wantPage(t, "trashed item page", item, http.StatusOK, "<h1>Kettle <span class=\"badge\">In the Trash</span></h1>",
			"descaled in May", "to Nina", "Returned", `action="/trash/`+idOf(kettle)+`/restore"`, "deletes it for good on")
		wantLacks(t, "trashed item page", item, `action="/items/`, "Add a note", "Lend it")
		if b.get("/trash/"+idOf(e.newItem("ann", "Live one"))).status != http.StatusNotFound {
			t.Error("a live item has a Trash page")
		}
		if b2 := e.login("bob"); b2.get("/trash/"+idOf(kettle)).status != http.StatusNotFound {
			t.Error("another member can read Ann's trashed item")
		}

		before := e.snapshot()
		for _, path := range []string{"/trash/bulk-restore", "/trash/bulk-delete"} {
			p := b.post(path, url.Values{})
			wantPage(t, "nothing ticked", p, http.StatusUnprocessableEntity, "Tick at least one item first.", `id="trash-bulk"`)
		}
		if e.snapshot() != before {
			t.Fatal("a bulk action with nothing ticked changed the database")
		}

		wantSeeOther(t, "restore two", b.post("/trash/bulk-restore", url.Values{"ids": {idOf(kettle), idOf(lamp)}}), "/trash")
		if !e.itemLive(kettle.ID) || !e.itemLive(lamp.ID) || !e.itemTrashed(mug.ID) {
			t.Fatal("the bulk restore did not bring back exactly the ticked items")
		}
		wantPage(t, "after the restore", b.get("/trash"), http.StatusOK, "Restored 2 items.", `aria-label="Trash, 1 item"`)

		if _, err := e.svc.TrashItem(ctx, ann, lamp.ID, 0); err != nil {
			t.Fatal(err)
		}
		ticked := url.Values{"ids": {idOf(mug), idOf(lamp)}}
		confirm := b.post("/trash/bulk-delete", ticked)
		wantPage(t, "purge confirmation", confirm, http.StatusOK, "Delete 2 items forever?", "This cannot be undone.", "Mug", "Lamp", `name="reason"`)
		if !e.itemTrashed(mug.ID) {
			t.Fatal("the confirmation page deleted something")
		}
		ticked.Set("confirmed", "1")
		ticked.Set("reason", "chipped")
		wantSeeOther(t, "purge two", b.post("/trash/bulk-delete", ticked), "/trash")
		if e.count(`SELECT count(*) FROM items WHERE id IN (?, ?)`, mug.ID, lamp.ID) != 0 {
			t.Fatal("the ticked items outlived the purge")
		}
		if n := eventsWith(t, e.svc, "item.purge", "chipped", nil); n != 2 {
			t.Errorf("item.purge events with the reason: %d, want 2", n)
		}
		after := b.get("/trash")
		wantPage(t, "after the purge", after, http.StatusOK, "Deleted 2 items forever.", "The Trash is empty.")
		wantLacks(t, "after the purge", after, "Empty Trash…", `class="nav-count"`)
	})
}
