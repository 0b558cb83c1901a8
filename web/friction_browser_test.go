package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// coveredJS lists the page's visible controls that a toast covers.
const coveredJS = `(() => {
  const out = [];
  for (const t of document.querySelectorAll('.toast')) {
    const b = t.getBoundingClientRect();
    for (const c of document.querySelectorAll('main a[href], main button, main input, main select, main textarea')) {
      const r = c.getBoundingClientRect();
      if (r.width && r.height && r.bottom > b.top && r.top < b.bottom && r.right > b.left && r.left < b.right) out.push((c.innerText || c.getAttribute('aria-label') || c.id).trim().slice(0, 40));
    }
  }
  return out;
})()`

// browserToastsStayClear: with the script, Enter in the bulk delete's reason
// starts a line and does not confirm; the toast of a delete near the end of
// a long list covers no control (the page scrolls it clear); Escape
// dismisses the toast.
func browserToastsStayClear(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	for i := range 14 {
		addItem(t, e, "owner", fmt.Sprintf("n%d", i), fmt.Sprintf("Numbered %02d", i))
	}
	p := openTab(t, browser, e, true)
	p.login("owner")
	p.do("a short window", chromedp.EmulateViewport(1000, 560))

	first := "#item-" + itoa(e.ids["n13"])
	p.click("#select-" + itoa(e.ids["n13"]))
	p.click("#bulk-actions button[form=bulk]")
	p.dialogReady()
	p.do("type a reason and Enter", chromedp.SendKeys(chromedp.ID("bulk-reason"), "moving out\nfor good"))
	if !p.present("dialog[open]") || e.isTrashed("n13") {
		t.Fatal("Enter in the reason confirmed the bulk delete")
	}
	if got := js[string](p, `document.getElementById('bulk-reason').value`); got != "moving out\nfor good" {
		t.Errorf("the reason reads %q, want two lines", got)
	}
	p.click("dialog[open] .cancel-button")
	p.waitGone("dialog[open]")
	p.click("#select-" + itoa(e.ids["n13"]))
	if !p.present(first) {
		t.Fatal("the row went away")
	}

	// The oldest rows are at the end of the list: delete one near it, from
	// the bottom of the page.
	js[bool](p, `window.scrollTo(0, document.body.scrollHeight), true`)
	rows := js[[]string](p, `[...document.querySelectorAll('.items-list tbody tr')].map((r) => r.id)`)
	target := "#" + rows[len(rows)-3]
	p.click(target + " .delete-button")
	p.dialogReady()
	p.click("dialog[open] .confirm-button")
	p.waitGone(target)
	p.waitVisible(".toast")
	if covered := js[[]string](p, coveredJS); len(covered) > 0 {
		t.Errorf("the toast covers %s", strings.Join(covered, ", "))
	}
	if !js[bool](p, `(() => { const r = document.querySelector('#`+rows[len(rows)-1]+` .delete-button').getBoundingClientRect(); return r.bottom <= innerHeight && r.top >= 0; })()`) {
		t.Error("the last row's Delete button is not in view after the toast came")
	}

	p.do("press Escape", chromedp.KeyEvent(kb.Escape))
	p.waitGone(".toast")
	if got := js[string](p, `document.activeElement.id`); got != "main" {
		t.Errorf("after Escape, focus is on %q, want the main region", got)
	}
	if !e.isTrashed("n0") {
		t.Error("the deleted row's item is not in the Trash")
	}
}

// browserNoScriptEnterInReason: without the script, Enter in the reason of
// an irreversible confirmation starts a new line; nothing is deleted until
// the button is pressed.
func browserNoScriptEnterInReason(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, false)
	p.login("owner")
	if st := p.open("/trash/" + itoa(e.ids["trashed"]) + "/delete"); st != 200 {
		t.Fatalf("the purge confirmation: %d", st)
	}
	p.do("type a reason and Enter", chromedp.SendKeys(chromedp.ID("reason"), "broken\nbeyond repair"))
	if p.path() != "/trash/"+itoa(e.ids["trashed"])+"/delete" || !e.exists("trashed") {
		t.Fatal("Enter in the reason confirmed the delete forever")
	}
	if st, _ := p.follow(".confirm-form button.danger"); st != 200 || p.path() != "/trash" {
		t.Fatalf("confirm: %d at %s", st, p.path())
	}
	if e.exists("trashed") {
		t.Fatal("the confirmed purge left the item")
	}
	if n := eventsWith(t, e.svc, "item.purge", "broken\\nbeyond repair", nil); n != 1 {
		t.Errorf("item.purge events keeping the two-line reason: %d, want 1", n)
	}
}

// browserRevokeTokenAsks: revoking a token asks first and says it cannot be
// undone, in the dialog with the script and on a page without it.
func browserRevokeTokenAsks(scripts bool) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browser context.Context) {
		e := newAPIEnv(t)
		p := openTab(t, browser, e, scripts)
		p.login("owner")
		p.open("/tokens")
		row := "#token-" + itoa(e.ids["owner_token"])
		if scripts {
			p.click(row + " button")
			p.dialogReady()
			wantText(t, "revoke dialog", p.text("dialog[open]"), "Revoke the token “tests”?", "stop working at once", "This cannot be undone.")
			if e.count(`SELECT count(*) FROM api_tokens WHERE id = ?`, e.ids["owner_token"]) != 1 {
				t.Fatal("opening the dialog revoked the token")
			}
			p.click("dialog[open] .confirm-button")
			p.waitGone(row)
			wantText(t, "revoke toast", p.text("#toasts"), "Revoked the token “tests”; it no longer works.")
		} else {
			if st, _ := p.follow(row + " button"); st != 200 || !strings.HasPrefix(p.path(), "/tokens/"+itoa(e.ids["owner_token"])+"/delete") {
				t.Fatalf("Revoke led to %s (%d), want its confirmation page", p.path(), st)
			}
			wantText(t, "revoke page", p.text("main"), "Revoke the token “tests”?", "This cannot be undone.")
			if e.count(`SELECT count(*) FROM api_tokens WHERE id = ?`, e.ids["owner_token"]) != 1 {
				t.Fatal("the confirmation page revoked the token")
			}
			if st, _ := p.follow(".confirm-form button.danger"); st != 200 || p.path() != "/tokens" {
				t.Fatalf("confirm: %d at %s", st, p.path())
			}
			wantText(t, "after the revoke", p.text("main"), "Revoked the token “tests”; it no longer works.")
		}
		if e.count(`SELECT count(*) FROM api_tokens WHERE id = ?`, e.ids["owner_token"]) != 0 {
			t.Fatal("the token still exists")
		}
	}
}

// browserCopyNewToken: a new token's Copy button puts the secret on the
// clipboard and says so; without the script there is no button that could
// not work.
func browserCopyNewToken(scripts bool) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browserCtx context.Context) {
		e := newAPIEnv(t)
		p := openTab(t, browserCtx, e, scripts)
		p.login("owner")
		p.open("/tokens")
		p.do("name a token", chromedp.SendKeys(chromedp.ID("name"), "backup"))
		if st, _ := p.follow(`form[action="/tokens"] button[type=submit]`); st != 201 {
			t.Fatalf("make a token: %d, want 201", st)
		}
		if !scripts {
			if p.present(".copy-button:not([hidden])") {
				t.Error("without the script, a Copy button is shown that cannot copy")
			}
			return
		}
		p.do("allow the clipboard", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			for _, name := range []string{"clipboard-read", "clipboard-write"} {
				if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
					Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted,
					Origin: e.ts.URL, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID}); err != nil {
					return err
				}
			}
			return nil
		}))
		p.click(".copy-button")
		p.waitVisible(".toast")
		wantText(t, "copy toast", p.text(".toast"), "Copied the token.")
		secret := js[string](p, `document.getElementById('secret').value`)
		got := run(p, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		if secret == "" || got != secret {
			t.Errorf("the clipboard holds %q, want the new token %q", got, secret)
		}
	}
}
