package web

import (
	"net/http"
	"testing"
)

// TestHTMLNotFoundKeepsTheLayout: a page that does not exist answers 404
// in the logged-in layout (navigation, log out) for someone logged in, and
// in the plain one for someone who is not.
func TestHTMLNotFoundKeepsTheLayout(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		anon := e.browser()
		p := anon.get("/no-such-page")
		wantPage(t, "anonymous 404", p, http.StatusNotFound, "There is no page at this address.")
		wantLacks(t, "anonymous 404", p, `action="/logout"`, `aria-label="Main"`)

		b := e.login("ann")
		p = b.get("/no-such-page")
		wantPage(t, "logged-in 404", p, http.StatusNotFound, "There is no page at this address.", `action="/logout"`,
			`aria-label="Main"`, `<span class="who">Ann</span>`)
		if st := b.get("/items").status; st != http.StatusOK {
			t.Fatalf("after a 404 the session no longer works: %d", st)
		}
	})
}
