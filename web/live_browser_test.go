package web

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBrowserLive: pages follow the event stream across browser contexts.
// Two incognito contexts (two devices, each with its own session) look at
// the same user's things; what one does, the other sees without a reload.
func TestBrowserLive(t *testing.T) {
	browser := startChromium(t)
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, browser context.Context)
	}{
		{"ItemsListAcrossContexts", browserLiveItemsList},
		{"ItemPageAndTrash", browserLiveItemPageAndTrash},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, browser) })
	}
}

// openLive opens path in p and waits until its event stream is connected.
func (p *tab) openLive(path string) {
	p.t.Helper()
	if st := p.open(path); st != 200 {
		p.t.Fatalf("GET %s: %d", path, st)
	}
	p.waitFor("the event stream to open", `document.documentElement.dataset.liveOpen === 'true'`)
}

func browserLiveItemsList(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	t.Cleanup(e.srv.CloseStreams)
	a := openTab(t, browser, e, true)
	b := openTab(t, browser, e, true)
	a.login("owner")
	b.login("owner")
	a.openLive("/items")
	b.openLive("/items")
	row := "#item-" + itoa(e.ids["item"])

	// B deletes Drill with its dialog; A's row leaves with a notice.
	b.click(row + " .delete-button")
	b.dialogReady()
	b.click("dialog[open] .confirm-button")
	b.waitGone(row)
	a.waitGone(row)
	wantText(t, "A's notice", a.text("#toasts"), "Elsewhere:", "“Drill” was moved to the Trash elsewhere.", "Undo")
	if !e.isTrashed("item") {
		t.Fatal("Drill is not in the Trash")
	}
	time.Sleep(1200 * time.Millisecond) // note: what live.js would do with B's own event is done by now
	if txt := b.text("#toasts"); strings.Contains(txt, "elsewhere") {
		t.Errorf("B, which deleted Drill itself, was told it happened elsewhere: %s", txt)
	}

	// A undoes it from the notice: Drill is live again, A's row is back,
	// and B, whose row had gone with its own delete, is told.
	a.click("#toasts .toast-undo")
	a.waitVisible(row)
	if e.isTrashed("item") {
		t.Fatal("Undo from the notice left Drill in the Trash")
	}
	b.waitFor("B to hear of the restore", `[...document.querySelectorAll('#toasts .live-notice')].some((n) => n.textContent.includes('Restored “Drill”'))`)

	// A restore elsewhere brings a row back: another device (the API,
	// with a token) trashes Drill and restores it.
	if r := e.req("owner", "DELETE", "/api/v1/items/{item}", ""); r.status != 204 {
		t.Fatalf("trash through the API: %d %s", r.status, r.body)
	}
	a.waitGone(row)
	if r := e.req("owner", "POST", "/api/v1/trash/{item}/restore", ""); r.status != 200 {
		t.Fatalf("restore through the API: %d %s", r.status, r.body)
	}
	a.waitVisible(row)

	// Another member's deletes never show here.
	if r := e.req("other", "DELETE", "/api/v1/items/{foreign}", ""); r.status != 204 {
		t.Fatalf("other's trash: %d %s", r.status, r.body)
	}
	time.Sleep(500 * time.Millisecond)
	if txt := a.text("#toasts"); strings.Contains(txt, "Foreign") {
		t.Errorf("A heard of another member's delete: %s", txt)
	}
}

func browserLiveItemPageAndTrash(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	t.Cleanup(e.srv.CloseStreams)
	a := openTab(t, browser, e, true)
	a.login("owner")

	// An item's page: trashed elsewhere, it says so; restored, it is back.
	a.openLive("/items/" + itoa(e.ids["item"]))
	if r := e.req("owner", "DELETE", "/api/v1/items/{item}", ""); r.status != 204 {
		t.Fatalf("trash: %d %s", r.status, r.body)
	}
	a.waitVisible(".gone-notice")
	wantText(t, "the item page", a.text(".gone-notice"), "“Drill” is in the Trash")
	if r := e.req("owner", "POST", "/api/v1/trash/{item}/restore", ""); r.status != 200 {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	a.waitGone(".gone-notice")

	// The Trash: a restore or a purge elsewhere takes the row away.
	a.openLive("/trash")
	trashed := "#trash-" + itoa(e.ids["trashed"])
	a.waitVisible(trashed)
	if r := e.req("owner", "POST", "/api/v1/trash/{trashed}/restore", ""); r.status != 200 {
		t.Fatalf("restore from the Trash: %d %s", r.status, r.body)
	}
	a.waitGone(trashed)
	wantText(t, "the Trash's notice", a.text("#toasts"), "Restored “Old charger” from the Trash elsewhere.")
	if r := e.req("owner", "DELETE", "/api/v1/items/{item}", ""); r.status != 204 {
		t.Fatalf("trash again: %d %s", r.status, r.body)
	}
	a.waitFor("a notice of the new row", `document.querySelector('#toasts .live-notice a') !== null`)
}
