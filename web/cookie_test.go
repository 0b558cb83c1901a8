package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shelf/service"
)

// TestSessionCookieFlags: the session cookie is HttpOnly and SameSite=Lax,
// lives no longer than the session, is Secure exactly when --secure-cookies
// is on, is renewed at login and cleared at logout.
func TestSessionCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newAPIEnv(t, func(c *Config) { c.SecureCookies = secure })
		find := func(res *http.Response) *http.Cookie {
			for _, c := range res.Cookies() {
				if c.Name == sessionCookie {
					return c
				}
			}
			return nil
		}
		check := func(what string, c *http.Cookie, maxAge int) {
			t.Helper()
			if c == nil {
				t.Fatalf("secure=%v, %s: no %s cookie", secure, what, sessionCookie)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" || c.MaxAge != maxAge {
				t.Errorf("secure=%v, %s: cookie %+v; want HttpOnly, SameSite=Lax, Secure=%v, Path=/, Max-Age=%d",
					secure, what, c, secure, maxAge)
			}
		}
		lifetime := int(service.SessionLifetime.Seconds())

		// note: cookies are sent by hand, as a Secure cookie never goes back
		// over the test server's plain HTTP in a cookie jar.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		send := func(method, path string, c *http.Cookie, form url.Values) (*http.Response, string) {
			t.Helper()
			req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(form.Encode()))
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if c != nil {
				req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			csrf := ""
			if m := csrfMeta.FindSubmatch(b); m != nil {
				csrf = string(m[1])
			}
			return res, csrf
		}

		// The login page gives an anonymous session (for its CSRF token).
		res, token := send("GET", "/login", nil, nil)
		anon := find(res)
		check("login page", anon, lifetime)

		// Logging in renews the id.
		res, _ = send("POST", "/login", anon, url.Values{"email": {"owner@example.com"}, "password": {"password-owner"}, "csrf_token": {token}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("secure=%v, login: status %d, want 303", secure, res.StatusCode)
		}
		user := find(res)
		check("login", user, lifetime)
		if user.Value == anon.Value {
			t.Errorf("secure=%v: the session id was not renewed at login", secure)
		}

		// Logging out clears it.
		_, token = send("GET", "/items", user, nil)
		res, _ = send("POST", "/logout", user, url.Values{"csrf_token": {token}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("secure=%v, logout: status %d, want 303", secure, res.StatusCode)
		}
		check("logout", find(res), -1)
	}
}
