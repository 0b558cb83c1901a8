package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"
)

// TestAnonymousRequestsStoreNoSessions: asking for the login page, with GET
// or HEAD and without a cookie, writes nothing: 400 requests leave the
// sessions table as it was, and the form still logs in (its CSRF token rides
// in a cookie) while a post without that token, or with another, is 403.
// Both engines.
func TestAnonymousRequestsStoreNoSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		sessions := func() int { return e.count(`SELECT count(*) FROM sessions`) }
		before := sessions()
		for i := range 400 {
			method := []string{"GET", "HEAD"}[i%2]
			res := e.raw("", method, "/login", "")
			if res.status != http.StatusOK {
				t.Fatalf("%s /login: %d", method, res.status)
			}
		}
		if got := sessions(); got != before {
			t.Fatalf("400 cookieless requests for the login page: %d sessions, want %d", got, before)
		}

		newBrowser := func() *http.Client {
			jar, _ := cookiejar.New(nil)
			return &http.Client{Jar: jar, Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
		b := newBrowser()
		token := e.csrfFrom(b, "/login")
		if again := e.csrfFrom(b, "/login"); again != token {
			t.Errorf("the login form's token changed on reload: %q then %q", token, again)
		}
		other := e.csrfFrom(newBrowser(), "/login")
		for _, tc := range []struct{ what, form string }{
			{"no token", ""},
			{"another browser's token", "&csrf_token=" + url.QueryEscape(other)},
		} {
			res := e.sessionReq(b, "POST", "/login", "email=owner%40example.com&password=password-owner"+tc.form)
			if res.status != http.StatusForbidden {
				t.Errorf("login with %s: %d, want 403", tc.what, res.status)
			}
		}
		// Wrong passwords re-render the form with a working token.
		res := e.sessionReq(b, "POST", "/login", "email=owner%40example.com&password=wrong&csrf_token="+url.QueryEscape(token))
		if res.status != http.StatusUnauthorized || !csrfMeta.Match(res.body) {
			t.Fatalf("a wrong password: %d, want 401 and the form again", res.status)
		}
		if got := sessions(); got != before {
			t.Fatalf("refused logins stored %d sessions", got-before)
		}
		res = e.sessionReq(b, "POST", "/login", "email=owner%40example.com&password=password-owner&csrf_token="+url.QueryEscape(token))
		if res.status != http.StatusSeeOther {
			t.Fatalf("login: %d, want 303", res.status)
		}
		if got := sessions(); got != before+1 {
			t.Errorf("after one login: %d sessions, want %d", got, before+1)
		}
		if res := e.sessionReq(b, "GET", "/items", ""); res.status != http.StatusOK {
			t.Errorf("the new session: /items %d, want 200", res.status)
		}
	})
}
