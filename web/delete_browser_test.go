package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"shelf"
)

// addItem creates a live item for who and remembers its id as key.
func addItem(t *testing.T, e *apiEnv, who, key, name string) string {
	t.Helper()
	it, err := e.svc.CreateItem(context.Background(), e.actor(who), shelf.ItemInput{Name: name, Quantity: 1})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	e.ids[key] = it.ID
	return itoa(it.ID)
}

// cohortOf is the deletion cohort an item was trashed with ("" when live).
func cohortOf(t *testing.T, e *apiEnv, key string) string {
	t.Helper()
	c, err := e.scalar(`SELECT coalesce(deleted_cohort, '') FROM items WHERE id = ?`, e.ids[key])
	if err != nil {
		t.Fatalf("cohort of %s: %v", key, err)
	}
	return c
}

// toastTimers records the delays the page asks setTimeout for, so a test can
// see how long a toast stays without waiting for it.
const toastTimers = `window.__delays = []; { const st = window.setTimeout;
  window.setTimeout = function (f, d, ...rest) { if (d >= 1000) window.__delays.push(d); return st.call(this, f, d, ...rest); }; }`

func browserDeleteThenUndo(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	for _, name := range []string{"Tent", "Camera", "Sewing machine"} {
		addItem(t, e, "owner", name, name)
	}
	p := openTab(t, browser, e, true)
	p.addScript(toastTimers)
	p.login("owner")
	id := itoa(e.ids["item"])
	row := "#item-" + id
	p.waitVisible(row)
	p.shot("items.png")

	js[bool](p, `window.__sameDocument = true`)
	p.click(row + " .delete-button")
	p.dialogReady()
	wantText(t, "dialog", p.text("dialog[open]"), "Delete “Drill”?",
		"Drill will move to the Trash. 2 notes and 1 loan will go to the Trash with it; you can undo this.")
	if name := p.accessibleName("dialog[open]"); name != "Delete “Drill”?" {
		t.Errorf("the dialog's accessible name is %q", name)
	}
	if !js[bool](p, `document.activeElement.closest('dialog[open]') !== null`) {
		t.Error("focus did not move into the dialog")
	}
	if e.isTrashed("item") {
		t.Fatal("opening the dialog deleted the item")
	}
	p.shot("delete-dialog.png")

	p.click("dialog[open] .confirm-button")
	p.waitGone(row)
	if !e.isTrashed("item") {
		t.Fatal("the row went away but Drill is not in the Trash")
	}
	if !js[bool](p, `window.__sameDocument === true`) || p.present("dialog[open]") {
		t.Error("the delete reloaded the page or left the dialog open")
	}
	wantText(t, "toast", p.text("#toasts"), "Done: Moved “Drill” to the Trash.", "Undo")
	if live := js[string](p, `document.querySelector('.toast').closest('[aria-live]')?.getAttribute('aria-live') ?? ''`); live != "polite" {
		t.Errorf("the toast is in no polite live region (aria-live %q), so it is not announced", live)
	}
	if got := js[string](p, `document.activeElement.textContent`); got != "Undo" {
		t.Errorf("after the delete, focus is on %q, want the Undo button", got)
	}
	// note: the toast waits while it has focus; once focus leaves it, it stays
	// for its timer, which must give at least 8 seconds.
	js[bool](p, `document.getElementById('main').focus(), true`)
	if d := js[[]int](p, `window.__delays`); len(d) < 2 || minInt(d) < 8000 {
		t.Errorf("toast timers %v ms, want each at least 8000", d)
	}

	p.click(".toast-undo")
	p.waitVisible(row)
	if e.isTrashed("item") || e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, e.ids["item"]) != 2 {
		t.Fatal("Undo did not bring Drill back with its notes")
	}
	wantText(t, "toast after Undo", p.text("#toasts"), "Restored “Drill”.")

	// The restored row knows its new version: deleting it again works.
	p.click(row + " .delete-button")
	p.dialogReady()
	p.click("dialog[open] .confirm-button")
	p.waitGone(row)
	if !e.isTrashed("item") {
		t.Fatal("the second delete did not move Drill to the Trash")
	}

	if st, _ := p.follow(".logout button"); st != 200 || p.path() != "/login" {
		t.Fatalf("log out: %d at %s", st, p.path())
	}
	p.login("admin")
	if st := p.open("/admin/audit"); st != 200 {
		t.Fatalf("audit log: %d", st)
	}
	wantText(t, "audit log", p.text("main"), "item.trash", "item.restore", "Moved “Drill” to the Trash")
	p.shot("audit.png")
	if n := e.auditCount("item.restore"); n != 1 {
		t.Errorf("%d item.restore events, want 1", n)
	}
}

func minInt(xs []int) int {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func browserNoScriptDelete(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, false)
	p.allow(409) // the blocked confirmation page
	p.login("owner")
	id := itoa(e.ids["item"])
	row := "#item-" + id

	// note: a GET form with no fields leaves a bare "?" in the address.
	if st, _ := p.follow(row + " .delete-button"); st != 200 || strings.TrimSuffix(p.path(), "?") != "/items/"+id+"/delete" {
		t.Fatalf("the Delete button led to %s (%d), want the confirmation page", p.path(), st)
	}
	wantText(t, "confirmation page", p.text("main"), "Delete “Drill”?",
		"Drill will move to the Trash. 2 notes and 1 loan will go to the Trash with it; you can undo this.")
	if e.isTrashed("item") {
		t.Fatal("opening the confirmation page deleted the item")
	}
	p.shot("confirm.png")

	if st, _ := p.follow(".confirm-form button.danger"); st != 200 || p.path() != "/items" {
		t.Fatalf("confirm: %d at %s, want 200 at /items", st, p.path())
	}
	wantText(t, "after the delete", p.text("main"), "Done: Moved “Drill” to the Trash.", "Undo")
	if p.present(row) || !e.isTrashed("item") {
		t.Fatal("the confirmed delete did not move Drill to the Trash")
	}
	if st, _ := p.follow("[data-undo] button"); st != 200 || p.present(row) == false {
		t.Fatalf("Undo: %d, row shown %v", st, p.present(row))
	}
	wantText(t, "after Undo", p.text("main"), "Restored “Drill”.")
	if e.isTrashed("item") {
		t.Fatal("Undo did not restore Drill")
	}

	// A blocked delete names the loan, and offers no delete button.
	lent := itoa(e.ids["lent"])
	if st, _ := p.follow("#item-" + lent + " .delete-button"); st != 409 {
		t.Fatalf("the Ladder's confirmation page: %d, want 409", st)
	}
	wantText(t, "blocked confirmation page", p.text("main"), "Cannot delete:", "Lent to Bob")
	if p.present(".confirm-form") || e.isTrashed("lent") {
		t.Fatal("a blocked item offered a delete button or went to the Trash")
	}
}

func browserBlockedDelete(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	tent := addItem(t, e, "owner", "tent", "Tent")
	camera := addItem(t, e, "owner", "camera", "Camera")
	p := openTab(t, browser, e, true)
	p.allow(409, 412)
	p.allowConsole("ERR_INTERNET_DISCONNECTED")
	p.login("owner")

	// The impact names the loan, and there is nothing to confirm.
	lentRow := "#item-" + itoa(e.ids["lent"])
	p.click(lentRow + " .delete-button")
	p.dialogReady()
	wantText(t, "blocked dialog", p.text("dialog[open]"), "Cannot delete:", "“Ladder” is on loan", "Lent to Bob", "Nothing was changed.")
	if p.present("dialog[open] .confirm-button:not([hidden])") {
		t.Error("the dialog offers to delete an item on loan")
	}
	p.do("press Escape", chromedp.KeyEvent(kb.Escape))
	p.waitGone("dialog[open]")
	if !js[bool](p, `document.activeElement.closest('tr')?.id === '`+lentRow[1:]+`'`) {
		t.Error("Escape did not return focus to the Ladder's delete button")
	}

	// A loan made after the dialog opened: the DELETE answers 409, and the
	// dialog shows the loan.
	drillRow := "#item-" + itoa(e.ids["item"])
	p.click(drillRow + " .delete-button")
	p.dialogReady()
	if _, err := e.svc.LendItem(context.Background(), e.actor("owner"), e.ids["item"], "Dana", nil); err != nil {
		t.Fatal(err)
	}
	p.click("dialog[open] .confirm-button")
	p.dialogError()
	wantText(t, "409 in the dialog", p.text("dialog[open] [role=alert]"), "Error:", "on loan", "Lent to Dana", "Nothing was deleted.")
	if !p.present(drillRow) || e.isTrashed("item") {
		t.Fatal("a refused delete took the row away or trashed the item")
	}
	p.click("dialog[open] .cancel-button")
	p.waitGone("dialog[open]")

	// Changed since the page loaded: 412.
	p.click("#item-" + tent + " .delete-button")
	p.dialogReady()
	if _, err := e.svc.UpdateItem(context.Background(), e.actor("owner"), e.ids["tent"], shelf.ItemInput{Name: "Tent (2 person)", Quantity: 1}, 0); err != nil {
		t.Fatal(err)
	}
	p.click("dialog[open] .confirm-button")
	p.dialogError()
	wantText(t, "412 in the dialog", p.text("dialog[open] [role=alert]"), "changed after this page was loaded", "nothing was deleted")
	if !p.present("#item-"+tent) || e.isTrashed("tent") {
		t.Fatal("a stale delete took the row away or trashed the item")
	}
	p.click("dialog[open] .cancel-button")
	p.waitGone("dialog[open]")

	// The network fails: the dialog says so and stays; trying again works.
	p.click("#item-" + camera + " .delete-button")
	p.dialogReady()
	p.offline(true)
	p.click("dialog[open] .confirm-button")
	p.dialogError()
	wantText(t, "network failure", p.text("dialog[open] [role=alert]"), "could not be reached", "nothing was deleted")
	if !p.present("#item-"+camera) || e.isTrashed("camera") {
		t.Fatal("a failed request took the row away or trashed the item")
	}
	p.offline(false)
	p.click("dialog[open] .confirm-button")
	p.waitGone("#item-" + camera)
	if !e.isTrashed("camera") {
		t.Fatal("trying again after the network came back did not delete")
	}
}

// offline cuts the tab off from the network, or puts it back.
func (p *tab) offline(off bool) {
	p.t.Helper()
	p.do("network offline", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}})
		return err
	}))
}

func browserBulkDeleteThenUndo(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	tent := addItem(t, e, "owner", "tent", "Tent")
	camera := addItem(t, e, "owner", "camera", "Camera")
	drill, lent := itoa(e.ids["item"]), itoa(e.ids["lent"])
	p := openTab(t, browser, e, true)
	p.login("owner")

	p.click("#bulk-actions button[form=bulk]")
	p.waitVisible("#bulk-actions .inline-error")
	if p.present("dialog[open]") {
		t.Error("a bulk delete of nothing opened the dialog")
	}

	// An earlier, separate delete, which the bulk Undo must leave alone.
	p.click("#item-" + camera + " .delete-button")
	p.dialogReady()
	p.click("dialog[open] .confirm-button")
	p.waitGone("#item-" + camera)

	for _, id := range []string{drill, tent, lent} {
		p.click("#select-" + id)
	}
	p.click("#bulk-actions button[form=bulk]")
	p.dialogReady()
	wantText(t, "bulk dialog", p.text("dialog[open]"), "Delete 3 items?", "You chose 3 items", "Drill", "Tent", "Ladder", "Reason")
	p.do("type a reason", chromedp.SendKeys(chromedp.ID("bulk-reason"), "garage sale"))
	p.click("dialog[open] .confirm-button")
	p.waitGone("#item-" + drill)
	p.waitGone("#item-" + tent)
	wantText(t, "bulk toast", p.text(".toast:last-child"), "Partly done: Moved 2 items to the Trash.", "Not moved: “Ladder” (Lent to Bob).")
	if !p.present(".toast-warning:last-child") {
		t.Error("a bulk delete that left an item behind is not shown as a warning")
	}
	if !p.present("#item-" + lent) {
		t.Error("the item on loan left the list")
	}
	c := cohortOf(t, e, "item")
	if c == "" || cohortOf(t, e, "tent") != c || cohortOf(t, e, "lent") != "" || cohortOf(t, e, "camera") == c {
		t.Fatalf("cohorts after the bulk delete: drill %q tent %q lent %q camera %q",
			c, cohortOf(t, e, "tent"), cohortOf(t, e, "lent"), cohortOf(t, e, "camera"))
	}
	if js[bool](p, `[...document.querySelectorAll('input[name=ids]')].some((b) => b.checked)`) {
		t.Error("boxes are still ticked after the bulk delete")
	}
	if n := eventsWith(t, e.svc, "item.trash", `"reason":"garage sale"`, func(ev shelf.AuditEvent) bool { return ev.Cohort == c }); n != 2 {
		t.Errorf("item.trash events of the bulk delete with the typed reason: %d, want 2", n)
	}

	p.click(".toast:last-child .toast-undo")
	p.waitVisible("#item-" + drill)
	p.waitVisible("#item-" + tent)
	wantText(t, "toast after Undo", p.text(".toast:last-child"), "Restored 2 items.")
	if e.isTrashed("item") || e.isTrashed("tent") || !e.isTrashed("camera") || !e.isTrashed("trashed") {
		t.Fatal("the bulk Undo did not restore exactly Drill and Tent")
	}
	order := js[[]string](p, `[...document.querySelectorAll('.items-list tbody tr')].map((r) => r.id)`)
	want := []string{"item-" + tent, "item-" + lent, "item-" + drill}
	if len(order) != len(want) || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Errorf("rows after Undo %v, want %v", order, want)
	}
}
