package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The attack tests: each sends what an attacker would, asserts the refusal,
// and proves with a snapshot of every table that nothing changed.

// sessionReq sends a request with a logged-in browser's cookie jar: a form
// body for the HTML side, JSON for the API; headers are name, value pairs.
func (e *apiEnv) sessionReq(c *http.Client, method, path, body string, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+e.expand(path), strings.NewReader(e.expand(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		ct := "application/x-www-form-urlencoded"
		if strings.HasPrefix(path, "/api/") {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// raw is req without the OpenAPI check: attack requests go where no
// description promises anything.
func (e *apiEnv) raw(who, method, path, body string, headers ...string) response {
	e.t.Helper()
	req, _ := e.newRequest(who, method, path, body, headers...)
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// stateChange is one state-changing request a logged-in browser may send,
// with the CSRF token put where that side carries it.
type stateChange struct {
	method, path, form string
	ok                 int // the status when nothing is wrong with it
}

func (sc stateChange) send(e *apiEnv, c *http.Client, token string, headers ...string) response {
	e.t.Helper()
	if strings.HasPrefix(sc.path, "/api/") {
		return e.sessionReq(c, sc.method, sc.path, sc.form, append([]string{"X-CSRF-Token", token}, headers...)...)
	}
	form := "csrf_token=" + url.QueryEscape(token)
	if sc.form != "" {
		form += "&" + sc.form
	}
	return e.sessionReq(c, sc.method, sc.path, form, headers...)
}

// stateChanges are the destructive requests of both sides.
var stateChanges = []stateChange{
	{"POST", "/items/{item}/delete", "", 303},
	{"POST", "/items/{item}", "_method=DELETE", 303},
	{"POST", "/items/bulk-delete", "ids={item}&confirmed=1", 303},
	{"POST", "/trash/{trashed}/restore", "", 303},
	{"POST", "/trash/{trashed}/delete", "", 303},
	{"POST", "/trash/empty", "", 303},
	{"POST", "/categories/{cat}/delete", "", 303},
	{"POST", "/notes/{note}/delete", "", 303},
	{"DELETE", "/api/v1/items/{item}", "", 204},
	{"POST", "/api/v1/items/bulk-delete", `{"ids":[{item}]}`, 200},
	{"POST", "/api/v1/trash/{trashed}/restore", "", 200},
	{"DELETE", "/api/v1/trash/{trashed}", "", 204},
	{"DELETE", "/api/v1/trash", "", 200},
	{"DELETE", "/api/v1/categories/{cat}", "", 204},
	{"DELETE", "/api/v1/notes/{note}", "", 204},
}

// TestAttackCrossOrigin sends every destructive request with a valid session
// and CSRF token, but from another origin: cross-site, same-site (a sibling
// host), a foreign Origin, another port of the same host, and a null origin.
// The cross-origin layer alone must refuse them all; the same request from
// the same origin then goes through, so the refusal was the origin's.
func TestAttackCrossOrigin(t *testing.T) {
	for _, sc := range stateChanges {
		t.Run(sc.method+" "+sc.path, func(t *testing.T) {
			e := newAPIEnv(t)
			c, token := e.sessionClient("owner")
			before := e.snapshot()
			for _, h := range [][]string{
				{"Sec-Fetch-Site", "cross-site"},
				{"Sec-Fetch-Site", "same-site"},
				{"Origin", "https://evil.example"},
				{"Origin", "http://127.0.0.1:1"},
				{"Origin", "null"},
				{"Sec-Fetch-Site", "cross-site", "Origin", e.ts.URL},
			} {
				res := sc.send(e, c, token, h...)
				if res.status != http.StatusForbidden {
					t.Errorf("with %v: status %d, want 403: %s", h, res.status, res.body)
				}
				if e.snapshot() != before {
					t.Fatalf("with %v: the database changed", h)
				}
			}
			if res := sc.send(e, c, token, "Sec-Fetch-Site", "same-origin"); res.status != sc.ok {
				t.Errorf("from the same origin: status %d, want %d: %s", res.status, sc.ok, res.body)
			}
		})
	}
}

// TestAttackCSRFTokens sends every destructive request from the same origin
// with a session, but a bad synchronizer token: none, a wrong one, another
// user's, another session's of the same user, the token of the login page
// before the login, and the right one in the query string instead of the
// body or header. All are 403 and change nothing.
func TestAttackCSRFTokens(t *testing.T) {
	for _, sc := range stateChanges {
		t.Run(sc.method+" "+sc.path, func(t *testing.T) {
			e := newAPIEnv(t)
			// the browser's token before login, then after it
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			preLogin := e.csrfFrom(c, "/login")
			login := e.sessionReq(c, "POST", "/login", "email=owner%40example.com&password=password-owner&csrf_token="+preLogin)
			if login.status != http.StatusSeeOther {
				t.Fatalf("login: %d", login.status)
			}
			token := e.csrfFrom(c, "/items")
			_, othersToken := e.sessionClient("other")
			_, secondSession := e.sessionClient("owner")
			if token == preLogin || token == secondSession {
				t.Fatal("tokens are not per session")
			}
			before := e.snapshot()
			for name, tok := range map[string]string{"missing": "", "wrong": flipFirst(token), "another user's": othersToken,
				"another session's": secondSession, "pre-login": preLogin} {
				res := sc.send(e, c, tok, "Sec-Fetch-Site", "same-origin")
				if res.status != http.StatusForbidden {
					t.Errorf("%s token: status %d, want 403: %s", name, res.status, res.body)
				}
			}
			sep := "?"
			if strings.Contains(sc.path, "?") {
				sep = "&"
			}
			inQuery := stateChange{sc.method, sc.path + sep + "csrf_token=" + url.QueryEscape(token), sc.form, sc.ok}
			if res := inQuery.send(e, c, "", "Sec-Fetch-Site", "same-origin"); res.status != http.StatusForbidden {
				t.Errorf("token in the query string: status %d, want 403", res.status)
			}
			if e.snapshot() != before {
				t.Fatal("a request with a bad CSRF token changed the database")
			}
			if res := sc.send(e, c, token, "Sec-Fetch-Site", "same-origin"); res.status != sc.ok {
				t.Errorf("with the session's token: status %d, want %d: %s", res.status, sc.ok, res.body)
			}
		})
	}
}

// TestAttackLoginAndLogoutNeedCSRF: logging someone in or out from another
// site is refused too.
func TestAttackLoginAndLogoutNeedCSRF(t *testing.T) {
	e := newAPIEnv(t)
	c, _ := e.sessionClient("owner")
	before := e.snapshot()
	if res := e.sessionReq(c, "POST", "/logout", "csrf_token=nope"); res.status != http.StatusForbidden {
		t.Errorf("logout with a wrong token: %d, want 403", res.status)
	}
	if res := e.sessionReq(c, "GET", "/items", ""); res.status != http.StatusOK {
		t.Errorf("the session ended by a forged logout: %d", res.status)
	}
	anon := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res := e.sessionReq(anon, "POST", "/login", "email=owner%40example.com&password=password-owner",
		"Origin", "https://evil.example"); res.status != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", res.status)
	}
	if e.snapshot() != before {
		t.Error("the database changed")
	}
}
