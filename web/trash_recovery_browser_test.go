package web

import (
	"context"
	"testing"

	"shelf"
)

// browserTrashRecovery, with the script and without: the Trash groups a
// bulk delete's items with "Restore all", says when each is purged and
// counts itself in the navigation; a trashed item opens on a read-only page
// with its note; ticked items are restored together; "Delete selected
// forever…" with nothing ticked shows the Trash again with the error, and
// with items ticked asks first, saying it cannot be undone.
func browserTrashRecovery(scripts bool) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browser context.Context) {
		e := newAPIEnv(t)
		ctx, owner := context.Background(), e.actor("owner")
		tent := addItem(t, e, "owner", "tent", "Tent")
		stove := addItem(t, e, "owner", "stove", "Stove")
		res, err := e.svc.TrashItems(ctx, owner, []int64{e.ids["tent"], e.ids["stove"]}, shelf.Confirmation{})
		if err != nil {
			t.Fatal(err)
		}
		p := openTab(t, browser, e, scripts)
		p.allow(422) // the bulk action with nothing ticked
		p.login("owner")
		if got := p.accessibleName(`nav a[href="/trash"]`); got != "Trash, 3 items" {
			t.Errorf("the navigation's Trash link reads %q, want Trash, 3 items", got)
		}
		if st := p.open("/trash"); st != 200 {
			t.Fatalf("GET /trash: %d", st)
		}
		group := `tbody[data-cohort="` + res.Cohort + `"]`
		wantText(t, "the bulk delete's group", p.text(group), "Deleted together", "2 items", "Restore all", "Tent", "Stove", "(in 30 days)")
		if scripts {
			p.shot("trash-groups.png")
		}

		if st, _ := p.follow(`a[href="/trash/` + itoa(e.ids["trashed"]) + `"]`); st != 200 {
			t.Fatalf("the trashed item's page: %d", st)
		}
		wantText(t, "trashed item page", p.text("main"), "Old charger", "In the Trash", "broken", "deletes it for good on")
		if p.present(`main form[action^="/items/"]`) {
			t.Error("the trashed item's page offers to change it")
		}
		p.open("/trash")

		if st, _ := p.follow(`#trash-bulk-actions button[formaction="/trash/bulk-delete"]`); st != 422 {
			t.Fatalf("Delete selected forever with nothing ticked: %d, want 422", st)
		}
		wantText(t, "nothing ticked", p.text("main"), "Error: Tick at least one item first.", "Stove")
		if !e.isTrashed("tent") || !e.isTrashed("stove") || !e.isTrashed("trashed") {
			t.Fatal("a bulk action with nothing ticked changed the Trash")
		}

		p.click("#select-" + stove)
		p.click("#select-" + itoa(e.ids["trashed"]))
		if st, _ := p.follow(`#trash-bulk-actions button[formaction="/trash/bulk-delete"]`); st != 200 {
			t.Fatalf("Delete selected forever: %d", st)
		}
		wantText(t, "purge confirmation", p.text("main"), "Delete 2 items forever?", "This cannot be undone.", "Stove", "Old charger")
		if st, _ := p.follow(".confirm-form button.danger"); st != 200 || p.path() != "/trash" {
			t.Fatalf("confirm: %d at %s", st, p.path())
		}
		wantText(t, "after the purge", p.text("main"), "Deleted 2 items forever.")
		if e.exists("stove") || e.exists("trashed") || !e.isTrashed("tent") {
			t.Fatal("the purge did not take exactly the ticked items")
		}
		if got := p.accessibleName(`nav a[href="/trash"]`); got != "Trash, 1 item" {
			t.Errorf("after the purge, the navigation's Trash link reads %q, want Trash, 1 item", got)
		}

		p.click("#select-" + tent)
		if st, _ := p.follow(`#trash-bulk-actions button:not([formaction])`); st != 200 || p.path() != "/trash" {
			t.Fatalf("Restore selected: %d at %s", st, p.path())
		}
		wantText(t, "after the restore", p.text("main"), "Restored “Tent”.", "The Trash is empty.")
		if e.isTrashed("tent") {
			t.Fatal("Restore selected did not restore the Tent")
		}
		if p.present(`a[href="/trash/empty"]`) {
			t.Error("an empty Trash offers to be emptied")
		}
	}
}

// browserEmptyStateWithScript: when the script takes the last row of a list
// away, the list says it is empty, and Undo brings the list back.
func browserEmptyStateWithScript(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, true)
	p.login("other")
	row := "#item-" + itoa(e.ids["foreign"])
	p.click(row + " .delete-button")
	p.dialogReady()
	p.click("dialog[open] .confirm-button")
	p.waitGone(row)
	p.waitVisible("[data-live-empty]")
	wantText(t, "the emptied list", p.text("[data-live-empty]"), "No items left on this page.")
	if p.present(".table-wrap:not([hidden])") || p.present(".bulk-actions:not([hidden])") {
		t.Error("the emptied list still shows its table or its bulk actions")
	}
	p.click(".toast-undo")
	p.waitVisible(row)
	if p.present("[data-live-empty]:not([hidden])") {
		t.Error("the empty state stays after Undo brought the row back")
	}

	p.open("/trash")
	trashed := "#trash-" + itoa(e.ids["foreign_trashed"])
	p.click(trashed + " .restore-form button")
	p.waitGone(trashed)
	p.waitVisible("[data-live-empty]")
	wantText(t, "the emptied Trash", p.text("[data-live-empty]"), "Nothing left in the Trash on this page.")
	if p.present("tbody.cohort:not([hidden])") {
		t.Error("a group without rows is still shown")
	}
}
