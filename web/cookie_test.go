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
// is on, is made at login and cleared at logout. Before login, the login
// form's cookie (its CSRF token, nothing stored) is HttpOnly,
// SameSite=Strict, Secure likewise, and cleared at login.
func TestSessionCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newAPIEnv(t, func(c *Config) { c.SecureCookies = secure })
		findNamed := func(res *http.Response, name string) *http.Cookie {
			for _, c := range res.Cookies() {
				if c.Name == name {
					return c
				}
			}
			return nil
		}
		find := func(res *http.Response) *http.Cookie { return findNamed(res, sessionCookie) }
		checkAs := func(what string, c *http.Cookie, maxAge int, name string, site http.SameSite) {
			t.Helper()
			if c == nil {
				t.Fatalf("secure=%v, %s: no %s cookie", secure, what, name)
			}
			if !c.HttpOnly || c.SameSite != site || c.Secure != secure || c.Path != "/" || c.MaxAge != maxAge {
				t.Errorf("secure=%v, %s: cookie %+v; want HttpOnly, SameSite=%v, Secure=%v, Path=/, Max-Age=%d",
					secure, what, c, site, secure, maxAge)
			}
		}
		check := func(what string, c *http.Cookie, maxAge int) {
			t.Helper()
			checkAs(what, c, maxAge, sessionCookie, http.SameSiteLaxMode)
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

		// The login page gives the form's cookie, and no session.
		res, token := send("GET", "/login", nil, nil)
		if find(res) != nil {
			t.Errorf("secure=%v: the login page set a session cookie", secure)
		}
		form := findNamed(res, loginCookie)
		checkAs("login page", form, int(loginCookieAge.Seconds()), loginCookie, http.SameSiteStrictMode)

		// Logging in makes the session and clears the form's cookie.
		res, _ = send("POST", "/login", form, url.Values{"email": {"owner@example.com"}, "password": {"password-owner"}, "csrf_token": {token}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("secure=%v, login: status %d, want 303", secure, res.StatusCode)
		}
		user := find(res)
		check("login", user, lifetime)
		checkAs("login", findNamed(res, loginCookie), -1, loginCookie, http.SameSiteStrictMode)

		// Logging out clears it.
		_, token = send("GET", "/items", user, nil)
		res, _ = send("POST", "/logout", user, url.Values{"csrf_token": {token}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("secure=%v, logout: status %d, want 303", secure, res.StatusCode)
		}
		check("logout", find(res), -1)
	}
}
