package web

import (
	"context"
	"testing"
)

// browserMarkReturnedInPlace: with the script, a delete that a loan blocks
// is titled for what it is, offers "Mark returned" in the dialog, and once
// the loan is back the same dialog moves the item to the Trash; the list
// marked the item "On loan" until then.
func browserMarkReturnedInPlace(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, true)
	p.allow(409)
	p.login("owner")
	row := "#item-" + itoa(e.ids["lent"])
	wantText(t, "the lent row", p.text(row), "Ladder", "On loan")

	p.click(row + " .delete-button")
	p.dialogReady()
	if name := p.accessibleName("dialog[open]"); name != "“Ladder” is on loan" {
		t.Errorf("the blocked dialog's accessible name is %q, want “Ladder” is on loan", name)
	}
	wantText(t, "blocked dialog", p.text("dialog[open]"), "Lent to Bob", "Mark returned")
	p.shot("blocked-dialog.png")
	if p.present("dialog[open] .confirm-button:not([hidden])") {
		t.Error("the dialog offers to delete an item on loan")
	}
	p.click("dialog[open] .returnable button")
	p.waitFor("the delete, once the loan is back", `document.querySelector('dialog[open]:not([aria-busy]) .confirm-button:not([hidden])')`)
	if e.count(`SELECT count(*) FROM loans WHERE id = ? AND returned_at IS NOT NULL`, e.ids["loan"]) != 1 {
		t.Fatal("Mark returned in the dialog did not return the loan")
	}
	if e.isTrashed("lent") {
		t.Fatal("marking the loan returned also deleted the item")
	}
	if name := p.accessibleName("dialog[open]"); name != "Delete “Ladder”?" {
		t.Errorf("after the return, the dialog's accessible name is %q, want Delete “Ladder”?", name)
	}
	wantText(t, "dialog after the return", p.text("dialog[open]"), "Ladder will move to the Trash.", "1 loan will go to the Trash with it")
	if got := js[string](p, `document.activeElement.textContent`); got != "Move to the Trash" {
		t.Errorf("after the return, focus is on %q, want the delete button", got)
	}
	if p.present(row + " .badge") {
		t.Error("the row still says On loan after the loan came back")
	}
	p.click("dialog[open] .confirm-button")
	p.waitGone(row)
	if !e.isTrashed("lent") {
		t.Fatal("the delete after the return did not move the Ladder to the Trash")
	}
}

// browserNoScriptMarkReturned: without the script, the blocked confirmation
// page is titled for what it is and its "Mark returned" leads back to the
// delete, which then goes through.
func browserNoScriptMarkReturned(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, false)
	p.allow(409)
	p.login("owner")
	lent := itoa(e.ids["lent"])
	if st, _ := p.follow("#item-" + lent + " .delete-button"); st != 409 {
		t.Fatalf("the Ladder's confirmation page: %d, want 409", st)
	}
	wantText(t, "blocked page", p.text("h1"), "“Ladder” is on loan")
	if st, _ := p.follow(".returnable button"); st != 200 || p.path() != "/items/"+lent+"/delete" {
		t.Fatalf("Mark returned: %d at %s, want the delete page again", st, p.path())
	}
	wantText(t, "the delete page after the return", p.text("main"), "Delete “Ladder”?", "Marked the loan to Bob as returned.")
	if st, _ := p.follow(".confirm-form button.danger"); st != 200 || p.path() != "/items" {
		t.Fatalf("confirm: %d at %s", st, p.path())
	}
	if !e.isTrashed("lent") {
		t.Fatal("the Ladder is not in the Trash")
	}
}
