package web

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestHTMLLoans: the lend form refuses a loan beyond the item's copies with
// the reason and nothing changed; the list marks items on loan and overdue;
// a delete that a loan blocks is not worded as a delete, and offers to mark
// the loan returned from where the person is, then leads back to the delete.
func TestHTMLLoans(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		tent, stove, rake := e.newItem("ann", "Tent"), e.newItem("ann", "Camp stove"), e.newItem("ann", "Rake")
		path := "/items/" + idOf(tent)
		wantSeeOther(t, "lend", b.post(path+"/loans", url.Values{"borrower": {"Bob Borrower"}}), path)

		before := e.snapshot()
		p := b.post(path+"/loans", url.Values{"borrower": {"Carl"}, "due_at": {""}})
		wantPage(t, "lend beyond the quantity", p, http.StatusUnprocessableEntity,
			"Its one copy is already on loan; mark it returned before lending it again.", `value="Carl"`)
		if e.snapshot() != before {
			t.Fatal("a refused lend changed the database")
		}

		// A loan due three days ago: lent before the service's check for a
		// past due date could see it, so it is written as it would stand.
		now := time.Now().UTC()
		e.exec(`INSERT INTO loans (item_id, borrower, lent_at, due_at) VALUES (?, ?, ?, ?)`, stove.ID, "Dora",
			now.AddDate(0, 0, -10).Format("2006-01-02T15:04:05.000000Z"), now.AddDate(0, 0, -3).Format("2006-01-02T15:04:05.000000Z"))
		list := b.get("/items")
		wantPage(t, "list with loans", list, http.StatusOK,
			`>Tent</a> <span class="badge badge-active">On loan</span></td>`,
			`>Camp stove</a> <strong class="badge badge-overdue">Overdue</strong></td>`,
			`>Rake</a></td>`)
		wantPage(t, "overdue item page", b.get("/items/"+idOf(stove)), http.StatusOK, `<strong class="badge badge-overdue">Overdue</strong>`)
		wantPage(t, "lent item page", b.get(path), http.StatusOK, `<strong class="badge badge-active">On loan</strong>`)
		_ = rake

		blocked := b.get(path + "/delete")
		var loanID int64
		if err := e.queryRow(`SELECT id FROM loans WHERE item_id = ?`, tent.ID).Scan(&loanID); err != nil {
			t.Fatal(err)
		}
		wantPage(t, "blocked delete", blocked, http.StatusConflict, "<h1>“Tent” is on loan</h1>", "Lent to Bob Borrower",
			`action="/loans/`+itoa(loanID)+`/return"`, `name="then" value="delete"`, ">Mark returned<")
		wantLacks(t, "blocked delete", blocked, "Delete “Tent”?", `action="/items/`+idOf(tent)+`/delete"`)

		wantSeeOther(t, "mark returned in place", b.post("/loans/"+itoa(loanID)+"/return", url.Values{"then": {"delete"}}), path+"/delete")
		wantPage(t, "the delete, now possible", b.get(path+"/delete"), http.StatusOK, "<h1>Delete “Tent”?</h1>",
			"Marked the loan to Bob Borrower as returned.", `action="/items/`+idOf(tent)+`/delete"`)
		if e.count(`SELECT count(*) FROM loans WHERE id = ? AND returned_at IS NOT NULL`, loanID) != 1 {
			t.Fatal("the loan is not marked returned")
		}
		wantLacks(t, "list after the return", b.get("/items"), `>Tent</a> <span class="badge`)
		// Anything else than "delete" goes back to the item, as before.
		wantSeeOther(t, "lend again", b.post(path+"/loans", url.Values{"borrower": {"Carl"}}), path)
		if err := e.queryRow(`SELECT id FROM loans WHERE item_id = ? AND returned_at IS NULL`, tent.ID).Scan(&loanID); err != nil {
			t.Fatal(err)
		}
		wantSeeOther(t, "return elsewhere", b.post("/loans/"+itoa(loanID)+"/return", url.Values{"then": {"/evil"}}), path)
	})
}

// TestHTMLBulkPartialNamesWhatWasKept: without the script, a bulk delete
// that left items behind is a warning that names them and what kept them.
func TestHTMLBulkPartialNamesWhatWasKept(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		saw, drill := e.newItem("ann", "Saw"), e.newItem("ann", "Drill")
		wantSeeOther(t, "lend", b.post("/items/"+idOf(drill)+"/loans", url.Values{"borrower": {"Ed"}}), "/items/"+idOf(drill))
		form := url.Values{"ids": {idOf(saw), idOf(drill), "999999"}, "confirmed": {"1"}}
		wantSeeOther(t, "bulk delete", b.post("/items/bulk-delete", form), "/items")
		wantPage(t, "partial result", b.get("/items"), http.StatusOK, `class="flash flash-warning"`, "Partly done:",
			"Moved 1 item to the Trash.", "1 item was not found.", "Not moved: “Drill” (lent to Ed).", ">Undo<")
		if !e.itemTrashed(saw.ID) || !e.itemLive(drill.ID) {
			t.Fatal("the bulk delete did not trash exactly the Saw")
		}
	})
}
