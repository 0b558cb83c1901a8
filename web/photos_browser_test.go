package web

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"shelf/internal/testimage"
)

// browserPhotos: in Chromium, a photo chosen on the item page is previewed
// and uploaded with a progress bar; the item with its photo goes to the
// Trash and comes back with the photo's file untouched; deleted forever, its
// photo's file is removed once the removal queue runs. With JavaScript off
// the same form uploads by itself.
func browserPhotos(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	img := filepath.Join(t.TempDir(), "IMG_0001.jpg")
	if err := os.WriteFile(img, testimage.EXIFJPEG(640, 480, 6), 0o600); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(t.TempDir(), "not-a-photo.jpg")
	if err := os.WriteFile(text, []byte("just text, named like a photo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	item := itoa(e.ids["item"])
	p := openTab(t, browser, e, true)
	p.allow(415) // the text file, refused on purpose
	p.login("owner")
	if st := p.open("/items/" + item); st != 200 {
		t.Fatalf("item page: %d", st)
	}
	// A refusal is shown at the field, in the server's words, and stores nothing.
	p.do("choose a text file", chromedp.SetUploadFiles(chromedp.CSS("#photo-file"), []string{text}))
	p.click("#photo-form button[type=submit]")
	p.waitVisible("#photo-error")
	wantText(t, "refused upload", p.text("#photo-error"), "Error:", "JPEG, PNG or WebP")
	if n := e.count(`SELECT count(*) FROM photos`); n != 0 || len(e.storedFiles()) != 0 {
		t.Fatalf("a refused upload stored %d rows, files %v", n, e.storedFiles())
	}
	p.do("choose a photo", chromedp.SetUploadFiles(chromedp.CSS("#photo-file"), []string{img}))
	p.waitVisible(".photo-preview img")
	p.waitFor("the preview", `document.querySelector('.photo-preview img').src.startsWith('data:image/jpeg')`)
	p.click("#photo-form button[type=submit]")
	p.waitVisible("ul.photos li img")
	p.waitFor("the thumbnail to load", `document.querySelector('ul.photos li img').complete && document.querySelector('ul.photos li img').naturalWidth > 0`)
	if w := js[int](p, `document.querySelector('ul.photos li img').naturalWidth`); w != 192 {
		t.Errorf("thumbnail width %d, want 192 (480×640 upright, fitted in 256)", w)
	}
	sha, err := e.scalar(`SELECT sha256 FROM photos WHERE item_id = ?`, e.ids["item"])
	if err != nil || !e.files.Has(sha) {
		t.Fatalf("after the upload: row %v, file there %v", err, e.files.Has(sha))
	}

	// To the Trash with its photo, and back.
	p.click(".head-actions [data-kind=item]")
	p.dialogReady()
	p.click("dialog[open] .confirm-button")
	p.waitVisible(".gone-notice")
	if !e.isTrashed("item") || !e.files.Has(sha) {
		t.Fatalf("after the trash: trashed %v, file there %v", e.isTrashed("item"), e.files.Has(sha))
	}
	if st := p.open("/trash"); st != 200 {
		t.Fatalf("GET /trash: %d", st)
	}
	p.click("#trash-" + item + " .restore-form button")
	p.waitGone("#trash-" + item)
	if st := p.open("/items/" + item); st != 200 {
		t.Fatalf("item page after restore: %d", st)
	}
	p.waitFor("the restored photo", `document.querySelector('ul.photos li img') && document.querySelector('ul.photos li img').complete && document.querySelector('ul.photos li img').naturalWidth === 192`)

	// Deleted forever: the row goes at once, the file after the commit.
	p.click(".head-actions [data-kind=item]")
	p.dialogReady()
	p.click("dialog[open] .confirm-button")
	p.waitVisible(".gone-notice")
	p.open("/trash")
	p.click("#trash-" + item + " .purge-link")
	p.dialogReady()
	p.click("dialog[open] .confirm-button")
	p.waitGone("#trash-" + item)
	if e.exists("item") || e.count(`SELECT count(*) FROM photos`) != 0 {
		t.Fatal("the purge left the item or its photo")
	}
	if n := eventsWith(t, e.svc, "item.purge", sha, nil); n != 1 {
		t.Errorf("item.purge events naming the photo's hash: %d, want 1", n)
	}
	if removed, _, err := e.svc.RemoveQueuedFiles(context.Background(), 0); err != nil || removed != 1 || e.files.Has(sha) {
		t.Errorf("removal queue: removed %d (%v), file still there %v", removed, err, e.files.Has(sha))
	}

	// Without JavaScript the form posts the file and the page shows it.
	q := openTab(t, browser, e, false)
	q.login("owner")
	lent := itoa(e.ids["lent"])
	if st := q.open("/items/" + lent); st != 200 {
		t.Fatalf("item page without JavaScript: %d", st)
	}
	q.do("choose a photo", chromedp.SetUploadFiles(chromedp.CSS("#photo-file"), []string{img}))
	if st, _ := q.follow("#photo-form button[type=submit]"); st != 200 {
		t.Fatalf("upload without JavaScript: %d", st)
	}
	q.waitVisible("ul.photos li img")
	wantText(t, "no-script upload flash", q.text("main"), "Photo added.")
}
