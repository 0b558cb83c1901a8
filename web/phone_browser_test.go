package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The phone scenarios run Shelf at 390×844, a common phone's CSS size, with
// the page laid out as a phone lays it out (mobile emulation honours the
// viewport meta tag, and a page that is too wide widens the layout).

const phoneWidth, phoneHeight = 390, 844

// phone switches the tab to a phone's viewport.
func (p *tab) phone() {
	p.t.Helper()
	p.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// overflowJS lists what sticks out of the phone's width: the page itself when
// it scrolls sideways, and each visible button, link or field whose box ends
// beyond the right edge or starts before the left (except inside a box that
// scrolls sideways on its own, like the navigation).
const overflowJS = `(() => {
  const out = [];
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > w) out.push('the page is ' + document.documentElement.scrollWidth + 'px wide, the viewport ' + w + 'px');
  const scroller = (n) => { for (let a = n.parentElement; a; a = a.parentElement) { const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  for (const n of document.querySelectorAll('button, a, input, select, textarea, h1, td, th, time')) {
    const r = n.getBoundingClientRect();
    if (r.width === 0 || n.closest('[hidden], .visually-hidden, .skip-link') || scroller(n)) continue;
    if (r.right > w + 0.5 || r.left < -0.5) out.push(n.tagName.toLowerCase() + ' "' + (n.innerText || n.value || n.getAttribute('aria-label') || '').trim().slice(0, 40) + '" spans ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return out;
})()`

// outside lists the visible buttons matching sel that are not wholly inside
// the viewport, so a person cannot reach them without zooming out.
func (p *tab) outside(sel string) []string {
	p.t.Helper()
	return js[[]string](p, `[...document.querySelectorAll(`+quoteJS(sel)+`)].filter((n) => n.getBoundingClientRect().width > 0).flatMap((n) => {
  const r = n.getBoundingClientRect();
  const inside = r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
  return inside ? [] : [n.innerText.trim() + ' at ' + [r.left, r.top, r.right, r.bottom].map(Math.round).join(',')];
})`)
}

// quoteJS quotes s as a JavaScript string literal.
func quoteJS(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// wantFits fails for anything on the page that sticks out of the phone's width.
func (p *tab) wantFits(what string) {
	p.t.Helper()
	if w := js[int](p, `document.documentElement.clientWidth`); w != phoneWidth {
		p.t.Fatalf("%s: the layout viewport is %dpx wide, want the phone's %d", what, w, phoneWidth)
	}
	for _, s := range js[[]string](p, overflowJS) {
		p.t.Errorf("%s at %d×%d: %s", what, phoneWidth, phoneHeight, s)
	}
}

// phonePages are the pages a phone user opens, as the owner.
func phonePages(e *apiEnv) []string {
	item := itoa(e.ids["item"])
	return []string{"/items", "/items/new", "/items/" + item, "/items/" + itoa(e.ids["lent"]),
		"/items/" + item + "/edit", "/items/" + item + "/delete", "/categories", "/trash",
		"/trash/" + itoa(e.ids["trashed"]) + "/delete", "/tokens", "/overview"}
}

func browserPhone(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	long := "A very long item name that would not fit on one line of a phone at all"
	addItem(t, e, "owner", "long", long)
	p := openTab(t, browser, e, true)
	p.phone()
	p.login("owner")
	for _, path := range phonePages(e) {
		if st := p.open(path); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
		p.wantFits(path)
	}

	// On the list, each card shows the name with its Delete button, both on screen.
	p.open("/items")
	p.shot("phone-items.png")
	for _, key := range []string{"item", "long"} {
		row := "#item-" + itoa(e.ids[key])
		p.do("scroll to "+key, chromedp.ScrollIntoView(chromedp.CSS(row)))
		if out := p.outside(row + " a, " + row + " .delete-button"); len(out) > 0 {
			t.Errorf("%s's name or Delete button is off screen: %v", key, out)
		}
	}

	// The dialog and its buttons fit, for a delete that goes through and one
	// that a loan blocks.
	for _, key := range []string{"long", "lent"} {
		row := "#item-" + itoa(e.ids[key])
		p.do("scroll to "+key, chromedp.ScrollIntoView(chromedp.CSS(row+" .delete-button")))
		p.click(row + " .delete-button")
		p.dialogReady()
		if out := p.outside("dialog[open] button:not([hidden])"); len(out) > 0 {
			t.Errorf("deleting %s: dialog buttons outside the viewport: %v", key, out)
		}
		p.wantFits("the dialog for " + key)
		if key == "lent" {
			p.allow(409)
			p.click("dialog[open] .cancel-button")
			p.waitGone("dialog[open]")
			continue
		}
		p.shot("phone-delete-dialog.png")
		p.click("dialog[open] .confirm-button")
		p.waitGone(row)
	}
	p.waitVisible(".toast")
	if out := p.outside(".toast button"); len(out) > 0 {
		t.Errorf("toast buttons outside the viewport: %v", out)
	}
	p.wantFits("the page with a toast")

	// With JavaScript off, the pages fit as well.
	q := openTab(t, browser, e, false)
	q.phone()
	q.login("owner")
	for _, path := range phonePages(e) {
		if st := q.open(path); st != 200 {
			t.Fatalf("GET %s without JavaScript: %d", path, st)
		}
		q.wantFits(path + " without JavaScript")
	}
	if st, _ := q.follow(".logout button"); st != 200 {
		t.Fatalf("log out: %d", st)
	}
	q.login("admin")
	var event int64
	if err := e.queryRow(`SELECT max(id) FROM audit_events WHERE action = 'item.trash'`).Scan(&event); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/items?all=1", "/trash?all=1", "/admin/users", "/admin/audit", "/admin/audit/" + itoa(event),
		"/admin/users/new", "/admin/users/" + itoa(e.users["owner"].ID) + "/password"} {
		if st := q.open(path); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
		q.wantFits(path + " as admin")
	}
}
