package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestStaticServesFilesNotListings: the static files are served, but their
// directory answers 404 and lists nothing.
func TestStaticServesFilesNotListings(t *testing.T) {
	e := newAPIEnv(t)
	for _, path := range []string{"/static/", "/static//", "/static/nope.js", "/static/app.js/"} {
		res := e.raw("", "GET", path, "")
		if res.status != http.StatusNotFound || strings.Contains(string(res.body), `href="app.js"`) {
			t.Errorf("GET %s: %d, want 404 without a listing; body %.200s", path, res.status, res.body)
		}
	}
	for _, path := range []string{"/static/app.js", "/static/style.css"} {
		if res := e.raw("", "GET", path, ""); res.status != http.StatusOK || len(res.body) == 0 {
			t.Errorf("GET %s: %d, want 200 with the file", path, res.status)
		}
	}
}
