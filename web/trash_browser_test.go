package web

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"shelf"
)

func browserDeleteForever(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	ctx, owner := context.Background(), e.actor("owner")
	big := addItem(t, e, "owner", "big", "Big box")
	for i := range shelf.PurgeFriction + 1 {
		if _, err := e.svc.AddNote(ctx, owner, e.ids["big"], "part "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	kettle := addItem(t, e, "owner", "kettle", "Kettle")
	for _, key := range []string{"big", "kettle"} {
		if _, err := e.svc.TrashItem(ctx, owner, e.ids[key], 0); err != nil {
			t.Fatal(err)
		}
	}
	addItem(t, e, "owner", "kettle2", "Kettle") // takes the name of the one in the Trash
	p := openTab(t, browser, e, true)
	p.allow(409) // the restore that collides on the name
	p.login("owner")
	if st := p.open("/trash"); st != 200 {
		t.Fatalf("GET /trash: %d", st)
	}
	p.shot("trash.png")

	// Delete forever, above the threshold: type the name.
	row := "#trash-" + big
	p.click(row + " .purge-link")
	p.dialogReady()
	wantText(t, "purge dialog", p.text("dialog[open]"), "Delete “Big box” forever?", "This cannot be undone.",
		"Big box will be deleted for good, and with it 101 notes.", "Type the item’s name, Big box, to confirm.")
	if got := js[string](p, `document.activeElement.id`); got != "confirm-typed" {
		t.Errorf("focus is on %q, want the field to type the name in", got)
	}
	p.do("type part of the name", chromedp.SendKeys(chromedp.ID("confirm-typed"), "Big\n"))
	p.dialogError()
	wantText(t, "wrong name", p.text("dialog[open] [role=alert]"), "Type the item’s name exactly as shown to confirm.")
	if !e.exists("big") || e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, e.ids["big"]) != shelf.PurgeFriction+1 {
		t.Fatal("a wrong name purged the item")
	}
	js[bool](p, `document.getElementById('confirm-typed').value = '', true`)
	p.do("type the name", chromedp.SendKeys(chromedp.ID("confirm-typed"), "Big box\n"))
	p.waitGone(row)
	if e.exists("big") || e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, e.ids["big"]) != 0 {
		t.Fatal("the confirmed purge left the item or its notes")
	}
	if n := e.auditCount("item.purge"); n != 1 {
		t.Errorf("%d item.purge events, want 1", n)
	}
	wantText(t, "purge toast", p.text("#toasts"), "Deleted “Big box” forever.")

	// Restore, in place.
	old := "#trash-" + itoa(e.ids["trashed"])
	p.click(old + " .restore-form button")
	p.waitGone(old)
	if e.isTrashed("trashed") {
		t.Fatal("the row left the Trash but the item is still trashed")
	}
	wantText(t, "restore toast", p.text(".toast:last-child"), "Restored “Old charger”.")

	// A restore that collides on the name says so in the row, and offers the
	// page that restores under a new name.
	kRow := "#trash-" + kettle
	p.click(kRow + " .restore-form button")
	p.waitVisible(kRow + " .inline-error")
	wantText(t, "restore conflict", p.text(kRow+" .inline-error"), "Error:", "Nothing was restored.")
	if !e.isTrashed("kettle") {
		t.Fatal("a refused restore restored")
	}
	if st, _ := p.follow(kRow + " .inline-error button"); st != 409 || !p.present("input#name") {
		t.Fatalf("Restore under a new name: %d, name field shown %v", st, p.present("input#name"))
	}
	wantText(t, "rename page", p.text("main"), "Restore under this name")
}

func browserNotesCategoriesItemPage(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, true)
	p.login("owner")
	item := itoa(e.ids["item"])
	if st := p.open("/items/" + item); st != 200 {
		t.Fatalf("item page: %d", st)
	}

	note := "#note-" + itoa(e.ids["note"])
	p.click(note + " .delete-link")
	p.dialogReady()
	wantText(t, "note dialog", p.text("dialog[open]"), "Delete this note?", "This note on “Drill” will be deleted for good", "first note")
	p.click("dialog[open] .confirm-button")
	p.waitGone(note)
	if n := e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, e.ids["item"]); n != 1 {
		t.Fatalf("%d notes left on Drill, want 1", n)
	}
	wantText(t, "note toast", p.text("#toasts"), "Deleted the note.")

	// The item's own page has no row: the page says where the item went.
	p.click(".head-actions [data-kind=item]")
	p.dialogReady()
	wantText(t, "item dialog", p.text("dialog[open]"), "1 note and 1 loan will go to the Trash with it")
	p.click("dialog[open] .confirm-button")
	p.waitVisible(".gone-notice")
	wantText(t, "item page after the delete", p.text(".gone-notice"), "“Drill” is in the Trash")
	if !e.isTrashed("item") {
		t.Fatal("Drill is not in the Trash")
	}
	p.click(".toast:last-child .toast-undo")
	p.waitGone(".gone-notice")
	p.waitVisible(".head-actions [data-kind=item]")
	if e.isTrashed("item") {
		t.Fatal("Undo on the item page did not restore Drill")
	}

	if st := p.open("/categories"); st != 200 {
		t.Fatalf("categories: %d", st)
	}
	cat := "#category-" + itoa(e.ids["cat"])
	p.click(cat + " .delete-link")
	p.dialogReady()
	wantText(t, "category dialog", p.text("dialog[open]"), "Delete category “Tools”?",
		"1 item will become uncategorised (those in the Trash too); the items themselves stay.", "This cannot be undone.")
	p.click("dialog[open] .confirm-button")
	p.waitGone(cat)
	if e.count(`SELECT count(*) FROM categories WHERE id = ?`, e.ids["cat"]) != 0 ||
		e.count(`SELECT count(*) FROM items WHERE id = ? AND category_id IS NULL`, e.ids["item"]) != 1 {
		t.Fatal("the category is still there, or Drill is still in it")
	}
	wantText(t, "category toast", p.text("#toasts"), "Deleted category “Tools”; 1 item is now uncategorised.")
}

func browserExpiredCSRF(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, true)
	p.allow(403)
	p.addScript(`addEventListener('pageshow', (e) => { window.__fromCache = e.persisted; });`)
	p.login("owner")
	// rotate gives the session a new CSRF token, as logging in again in
	// another tab would: the token in the open page is stale.
	rotate := func(token string) {
		t.Helper()
		if _, err := e.db.SQL().Exec(e.rebind(`UPDATE sessions SET csrf_token = ? WHERE user_id = ?`), token, e.users["owner"].ID); err != nil {
			t.Fatal(err)
		}
	}

	// fetch: the dialog stays open with a friendly message, and the retry works.
	row := "#item-" + itoa(e.ids["item"])
	p.click(row + " .delete-button")
	p.dialogReady()
	rotate("rotated-by-the-test-1")
	p.click("dialog[open] .confirm-button")
	p.dialogError()
	wantText(t, "stale token in the dialog", p.text("dialog[open] [role=alert]"), "This page had expired", "nothing was deleted", "try again")
	if !p.present(row) || e.isTrashed("item") {
		t.Fatal("a refused delete changed the page or the database")
	}
	if got := js[string](p, `document.querySelector('meta[name=csrf-token]').content`); got != "rotated-by-the-test-1" {
		t.Errorf("the page's token is %q after the refusal, want the session's new one", got)
	}
	p.click("dialog[open] .confirm-button")
	p.waitGone(row)
	if !e.isTrashed("item") {
		t.Fatal("the retry did not delete")
	}

	// A form: the refusal is a friendly page, and what was typed is kept.
	lent := itoa(e.ids["lent"])
	if st := p.open("/items/" + lent); st != 200 {
		t.Fatalf("item page: %d", st)
	}
	const typed = "Bring back the wall hooks too."
	p.do("type a note", chromedp.SendKeys(chromedp.ID("body"), typed))
	rotate("rotated-by-the-test-2")
	if st, _ := p.follow(`form[action$="/notes"] button[type=submit]`); st != 403 {
		t.Fatalf("a form with a stale token: %d, want 403", st)
	}
	wantText(t, "stale form", p.text("main"), "This form has expired or did not come from Shelf, so nothing was changed.")
	if n := e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, e.ids["lent"]); n != 0 {
		t.Fatalf("a refused form wrote %d notes", n)
	}
	// note: the page may come back from the back-forward cache, which
	// fires no load event, so go back as the user does and wait for it.
	js[bool](p, `history.back(), true`)
	p.waitFor("the form to come back", `document.getElementById('body') !== null`)
	if !strings.HasPrefix(p.path(), "/items/"+lent) {
		t.Fatalf("going back landed on %s", p.path())
	}
	t.Logf("back on the form; from the back-forward cache: %v", js[bool](p, `window.__fromCache === true`))
	if got := js[string](p, `document.getElementById('body').value`); got != typed {
		t.Fatalf("after going back the note field holds %q, want what was typed", got)
	}
	// The page on its way back fetched the session's new token for its forms.
	p.waitFor("the form's token to be fresh", `document.querySelector('form[action$="/notes"] [name=csrf_token]').value === 'rotated-by-the-test-2'`)
	// note: Chromium's DOM events do not follow a page restored from the
	// back-forward cache, so the click goes through the page.
	js[bool](p, `document.querySelector('form[action$="/notes"] button[type=submit]').click(), true`)
	p.waitFor("the note to be added", `location.pathname === '/items/`+lent+`' && document.body?.innerText.includes('Note added.')`)
	if n := e.count(`SELECT count(*) FROM notes WHERE item_id = ? AND body = ?`, e.ids["lent"], typed); n != 1 {
		t.Fatalf("%d notes with the typed text, want 1", n)
	}
}
