package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shelf/store"
)

// TestHTMLDeleteMatching: a list of more than one page offers to select
// everything its search matches; the offer leads, without JavaScript, to a
// confirmation that states the service's count and asks for it past 50;
// a refused confirmation changes nothing and says why; the delete moves
// every match as one cohort and names, in amber, what a loan kept.
func TestHTMLDeleteMatching(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		var lent, newest int64
		for i := range 55 {
			it := e.newItem("ann", fmt.Sprintf("Box %02d", i))
			if i == 3 {
				lent = it.ID
			}
			newest = it.ID
		}
		e.newItem("ann", "Lamp")
		e.newItem("bob", "Bob's box")
		if _, err := e.svc.LendItem(context.Background(), e.actor("ann"), lent, "Cleo", nil); err != nil {
			t.Fatal(err)
		}

		// The first page of everything offers all 56; a one-page search
		// offers nothing more than its page.
		wantPage(t, "all items", b.get("/items"), http.StatusOK,
			`<p class="select-page-line" hidden><label><input type="checkbox" class="select-page" data-select-page="bulk"> Select all on this page</label></p>`,
			`<a href="/items/delete-matching">Select all 56 items…</a>`)
		wantLacks(t, "one page", b.get("/items?q=lamp"), "delete-matching")
		list := b.get("/items?q=BOX")
		wantPage(t, "a search of two pages", list, http.StatusOK, `<a href="/items/delete-matching?q=BOX">Select all 55 items matching this search…</a>`)

		confirm := b.get("/items/delete-matching?q=BOX")
		wantPage(t, "confirmation", confirm, http.StatusOK, "<h1>Delete 55 items?</h1>",
			"Everything the list shows, on every page: <strong>55 items</strong>.",
			`<form method="post" action="/items/delete-matching?q=BOX"`, `<input type="hidden" name="expect" value="55">`,
			`<input type="hidden" name="newest" value="`+itoa(newest)+`">`, "Type <strong>55</strong> to confirm.", "<li>Box 54</li>", "<li>Box 45</li>", "and 45 more", `<a href="/items?q=BOX">Cancel</a>`)
		wantLacks(t, "confirmation", confirm, "<li>Box 44</li>", "<li>Lamp</li>", "Bob")

		before := e.snapshot()
		form := url.Values{"confirmed": {"1"}, "expect": {"55"}, "newest": {itoa(newest)}, "reason": {"moving out"}}
		wantPage(t, "without the count", b.post("/items/delete-matching?q=BOX", form), http.StatusUnprocessableEntity,
			"Type 55 to confirm that you mean to delete all 55 items.", `>moving out</textarea>`, `name="expect" value="55"`)
		form.Set("confirm_count", "55")
		form.Set("expect", "54")
		wantPage(t, "a stale count", b.post("/items/delete-matching?q=BOX", form), http.StatusUnprocessableEntity,
			"<strong>Not deleted:</strong> This search matches 55 items now, not 54: check them again.", `name="expect" value="55"`)
		form.Set("expect", "many")
		wantPage(t, "no count", b.post("/items/delete-matching?q=BOX", form), http.StatusBadRequest)
		form.Set("expect", "55")
		form.Set("newest", "latest")
		wantPage(t, "no newest id", b.post("/items/delete-matching?q=BOX", form), http.StatusBadRequest)
		form.Set("newest", itoa(newest))
		wantPage(t, "a member's everyone", b.post("/items/delete-matching?q=BOX&all=1", form), http.StatusForbidden)
		if e.snapshot() != before {
			t.Fatal("a refused delete of all matching changed the database")
		}

		// note: a box made after the confirmation was shown is not one the
		// person confirmed; it stays live, and the count still holds.
		late := e.newItem("ann", "Box made later")
		wantSeeOther(t, "delete all matching", b.post("/items/delete-matching?q=BOX", form), "/items?q=BOX")
		if n := e.count(`SELECT count(*) FROM items WHERE name LIKE 'Box %' AND deleted_at IS NOT NULL`); n != 54 {
			t.Fatalf("want 54 boxes in the Trash, got %d", n)
		}
		if n := e.count(`SELECT count(DISTINCT deleted_cohort) FROM items WHERE deleted_at IS NOT NULL`); n != 1 {
			t.Fatalf("want one cohort, got %d", n)
		}
		if !e.itemLive(late.ID) {
			t.Fatal("a box made after the confirmation was shown went with the ones it counted")
		}
		if !e.itemLive(lent) || e.count(`SELECT count(*) FROM items WHERE name IN ('Lamp', 'Bob''s box') AND deleted_at IS NULL`) != 2 {
			t.Fatal("the lent box, the lamp and Bob's box should be live")
		}
		if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'item.trash'`); n != 54 {
			t.Fatalf("want 54 item.trash events, got %d", n)
		}
		wantPage(t, "the result", b.get("/items?q=BOX"), http.StatusOK, `flash-warning`, "Partly done:",
			"Moved 54 items to the Trash. Not moved: “Box 03” (lent to Cleo).", ">Undo<")
	})
}

// TestHTMLDeleteMatchingJob: past the job threshold, deleting everything a
// search matches is a job, like any bulk delete; its page follows it.
func TestHTMLDeleteMatchingJob(t *testing.T) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		e, _ := newHTMLJobEnv(t, open(t), 2)
		b := e.login("ann")
		var crate int64
		for _, name := range []string{"Crate", "Crate lid", "Crate box", "Lamp"} {
			if it := e.newItem("ann", name); name != "Lamp" {
				crate = it.ID
			}
		}
		wantPage(t, "confirmation", b.get("/items/delete-matching?q=crate"), http.StatusOK, "<h1>Delete 3 items?</h1>",
			`name="newest" value="`+itoa(crate)+`"`)
		p := b.post("/items/delete-matching?q=crate", url.Values{"confirmed": {"1"}, "expect": {"3"}, "newest": {itoa(crate)}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/jobs/") {
			t.Fatalf("3 matching with a threshold of 2: want 303 to the job, got %d → %q", p.status, p.location)
		}
		if n := e.count(`SELECT count(*) FROM jobs WHERE kind = 'bulk_delete'`); n != 1 {
			t.Fatalf("want one bulk delete job, got %d", n)
		}
		wantPage(t, "the list while the job runs", b.get("/items"), http.StatusOK, ">Lamp</a>")
		wantLacks(t, "the list while the job runs", b.get("/items"), ">Crate</a>")
	})
}
