package web

import (
	"net/http"
	"testing"
)

// TestHSTSOnlyWithSecureCookies: Strict-Transport-Security is sent when Shelf
// is served over HTTPS (--secure-cookies), on every response, and never
// otherwise (a plain-HTTP deployment must not be locked out of itself).
func TestHSTSOnlyWithSecureCookies(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newAPIEnv(t, func(c *Config) { c.SecureCookies = secure })
		for _, path := range []string{"/healthz", "/login", "/items", "/api/v1/items", "/nowhere"} {
			res, err := http.Get(e.ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := res.Header.Get("Strict-Transport-Security")
			if secure && got != "max-age=31536000" {
				t.Errorf("secure cookies, GET %s: Strict-Transport-Security %q", path, got)
			}
			if !secure && got != "" {
				t.Errorf("plain HTTP, GET %s: Strict-Transport-Security %q", path, got)
			}
		}
	}
}
