package web

import (
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"shelf/internal/syncbuf"
)

// TestTextMustBeUTF8 sends bytes that are not UTF-8 in every text field and
// query parameter, through the API (JSON bodies), the HTML forms and the
// query strings of both lists, and before login: each answers 400, the
// database is unchanged, and nothing is logged at ERROR. PostgreSQL would
// refuse the bytes (SQLSTATE 22021, a 500 before) and SQLite would store
// them (two names that display alike); both engines answer the same.
func TestTextMustBeUTF8(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		var logs syncbuf.Buffer
		e := open(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
		browser, csrf := e.sessionClient("owner")
		const bad = "Spoof\xff"
		esc := url.QueryEscape(bad) // Spoof%FF
		api := []struct{ method, path, body string }{
			{"POST", "/api/v1/items", `{"name":"` + bad + `","quantity":1}`},
			{"POST", "/api/v1/items", `{"name":"Ok","description":"` + bad + `","quantity":1}`},
			{"PATCH", "/api/v1/items/{item}", `{"name":"` + bad + `"}`},
			{"POST", "/api/v1/items/{item}/notes", `{"body":"` + bad + `"}`},
			{"POST", "/api/v1/items/{item}/loans", `{"borrower":"` + bad + `"}`},
			{"POST", "/api/v1/categories", `{"name":"` + bad + `"}`},
			{"POST", "/api/v1/trash/{trashed}/restore", `{"name":"` + bad + `"}`},
			{"POST", "/api/v1/trash/restore", `{"cohort":"` + bad + `"}`},
			{"POST", "/api/v1/items/bulk-delete", `{"ids":[{item}],"reason":"` + bad + `"}`},
			{"DELETE", "/api/v1/trash", `{"reason":"` + bad + `"}`},
			{"DELETE", "/api/v1/trash/{trashed}", `{"reason":"` + bad + `"}`},
			{"GET", "/api/v1/items?q=" + esc, ""},
			{"GET", "/api/v1/items?category=" + esc, ""},
			{"GET", "/api/v1/items?after=" + esc, ""},
			{"GET", "/api/v1/trash?q=" + esc, ""},
			{"GET", "/api/v1/audit?action=" + esc, ""},
			{"GET", "/api/v1/items/{item}?x=" + esc, ""},
		}
		for _, rq := range api {
			who := "owner"
			if strings.Contains(rq.path, "audit") {
				who = "admin"
			}
			before := e.snapshot()
			res := e.raw(who, rq.method, rq.path, rq.body)
			if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "UTF-8") {
				t.Errorf("%s %s %q: %d %s, want 400 naming UTF-8", rq.method, rq.path, rq.body, res.status, res.body)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("%s %s: the database changed", rq.method, rq.path)
			}
		}
		// A token is made from a logged-in session, with its CSRF header.
		if res := e.sessionReq(browser, "POST", "/api/v1/tokens", `{"name":"`+bad+`"}`, "X-CSRF-Token", csrf); res.status != http.StatusBadRequest {
			t.Errorf("POST /api/v1/tokens with a name that is not UTF-8: %d %s, want 400", res.status, res.body)
		}

		forms := []struct{ path, form string }{
			{"/items", "name=" + esc + "&quantity=1"},
			{"/items", "name=Ok&description=" + esc + "&quantity=1"},
			{"/items/{item}", "name=" + esc + "&quantity=1"},
			{"/items/{item}/notes", "body=" + esc},
			{"/items/{item}/loans", "borrower=" + esc},
			{"/categories", "name=" + esc},
			{"/tokens", "name=" + esc},
			{"/trash/{trashed}/restore", "name=" + esc},
			{"/trash/restore", "cohort=" + esc},
			{"/items/bulk-delete", "ids={item}&reason=" + esc},
			{"/trash/empty", "reason=" + esc},
			{"/items", esc + "=1&name=Ok&quantity=1"}, // a key, too
		}
		for _, f := range forms {
			before := e.snapshot()
			res := e.sessionReq(browser, "POST", f.path, "csrf_token="+url.QueryEscape(csrf)+"&"+f.form)
			if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "UTF-8") {
				t.Errorf("POST %s %q: %d, want 400 naming UTF-8", f.path, f.form, res.status)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("POST %s: the database changed", f.path)
			}
		}
		for _, path := range []string{"/items?q=" + esc, "/trash?q=" + esc, "/items?category=" + esc, "/admin/audit?action=" + esc} {
			if res := e.sessionReq(browser, "GET", path, ""); res.status != http.StatusBadRequest {
				t.Errorf("GET %s: %d, want 400", path, res.status)
			}
		}

		// Before login, with nothing but the login form.
		anon := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		anon.Jar, _ = cookiejar.New(nil)
		tok := e.csrfFrom(anon, "/login")
		before := e.snapshot()
		for _, form := range []string{"email=a%FF@x&password=x", "email=owner%40example.com&password=" + esc} {
			res := e.sessionReq(anon, "POST", "/login", form+"&csrf_token="+url.QueryEscape(tok))
			if res.status != http.StatusBadRequest {
				t.Errorf("POST /login %q: %d, want 400", form, res.status)
			}
		}
		if res := e.sessionReq(anon, "GET", "/login?next="+esc, ""); res.status != http.StatusBadRequest {
			t.Errorf("GET /login with a query that is not UTF-8: %d, want 400", res.status)
		}
		if after := e.snapshot(); after != before {
			t.Errorf("logins that are not UTF-8 changed the database")
		}
		if strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("text that is not UTF-8 was logged as an error:\n%s", logs.String())
		}
	})
}
