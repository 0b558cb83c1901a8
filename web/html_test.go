package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shelf"
)

// newItem creates an item through the service, for setting the scene.
func (e *apiEnv) newItem(who, name string) shelf.Item {
	e.t.Helper()
	it, err := e.svc.CreateItem(context.Background(), e.actor(who), shelf.ItemInput{Name: name, Quantity: 1})
	if err != nil {
		e.t.Fatalf("create %q: %v", name, err)
	}
	return it
}

// itemLive reports whether item id is a live row.
func (e *apiEnv) itemLive(id int64) bool {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM items WHERE id = ? AND deleted_at IS NULL`, id) == 1
}

// itemTrashed reports whether item id is a row in the Trash.
func (e *apiEnv) itemTrashed(id int64) bool {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM items WHERE id = ? AND deleted_at IS NOT NULL`, id) == 1
}

// htmlBrowser is one cookie jar; csrf is the token of the last page it saw.
type htmlBrowser struct {
	e    *apiEnv
	c    *http.Client
	csrf string
}

// htmlPage is what a request got back.
type htmlPage struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (e *apiEnv) browser() *htmlBrowser {
	jar, _ := cookiejar.New(nil)
	return &htmlBrowser{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var metaCSRF = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`)

func (b *htmlBrowser) do(req *http.Request) htmlPage {
	b.e.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := htmlPage{status: res.StatusCode, header: res.Header, body: string(body), location: res.Header.Get("Location")}
	if m := metaCSRF.FindStringSubmatch(p.body); m != nil && m[1] != "" {
		b.csrf = m[1]
	}
	return p
}

func (b *htmlBrowser) get(path string) htmlPage {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.ts.URL+path, nil)
	return b.do(req)
}

// post sends a form with the browser's CSRF token, unless the form sets
// csrf_token itself; headers are name, value pairs.
func (b *htmlBrowser) post(path string, form url.Values, headers ...string) htmlPage {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *htmlBrowser) sessionCookie() string {
	u, _ := url.Parse(b.e.ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// login logs who in through the form and returns their browser, on /items.
func (e *apiEnv) login(who string) *htmlBrowser {
	e.t.Helper()
	b := e.browser()
	b.get("/login")
	p := b.post("/login", url.Values{"email": {who + "@example.com"}, "password": {"password-" + who}})
	if p.status != http.StatusSeeOther || p.location != "/items" {
		e.t.Fatalf("login as %s: %d → %q, want 303 → /items", who, p.status, p.location)
	}
	b.get("/items")
	return b
}

// wantPage checks a page's status and that its body holds every fragment.
func wantPage(t *testing.T, what string, p htmlPage, status int, fragments ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.status, status, p.body)
	}
	for _, f := range fragments {
		if !strings.Contains(p.body, f) {
			t.Fatalf("%s: body lacks %q\n%s", what, f, p.body)
		}
	}
}

func wantLacks(t *testing.T, what string, p htmlPage, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if strings.Contains(p.body, f) {
			t.Fatalf("%s: body has %q, want it not to\n%s", what, f, p.body)
		}
	}
}

// wantSeeOther checks a 303 to a place.
func wantSeeOther(t *testing.T, what string, p htmlPage, to string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.location != to {
		t.Fatalf("%s: %d → %q, want 303 → %q\n%s", what, p.status, p.location, to, p.body)
	}
}

func idOf(it shelf.Item) string { return strconv.FormatInt(it.ID, 10) }

func TestHTMLLogin(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.browser()
		wantPage(t, "login htmlPage", b.get("/login"), http.StatusOK, `name="email"`, `name="password"`, `name="csrf_token"`)
		before := b.sessionCookie()
		if before != "" || b.csrf == "" {
			t.Fatalf("the login page: session cookie %q and CSRF token %q; want no session (nothing stored) and a token", before, b.csrf)
		}

		wrong := b.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"nope-nope"}})
		wantPage(t, "wrong password", wrong, http.StatusUnauthorized, loginFailed, `value="ann@example.com"`)
		unknown := b.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"nope-nope"}})
		wantPage(t, "unknown user", unknown, http.StatusUnauthorized, loginFailed)

		wantSeeOther(t, "login", b.post("/login", url.Values{"email": {"ANN@example.com"}, "password": {"password-ann"}}), "/items")
		after := b.sessionCookie()
		if after == "" || after == before {
			t.Fatalf("session cookie not renewed at login: before %q, after %q", before, after)
		}
		if n := e.count(`SELECT count(*) FROM sessions WHERE user_id IS NULL`); n != 0 {
			t.Errorf("%d anonymous sessions stored", n)
		}
		wantSeeOther(t, "login htmlPage when logged in", b.get("/login"), "/items")
		wantPage(t, "items", b.get("/items"), http.StatusOK, "Ann")

		wantSeeOther(t, "logout", b.post("/logout", nil), "/login")
		wantSeeOther(t, "items after logout", b.get("/items"), "/login")
		if n := e.count(`SELECT count(*) FROM sessions WHERE user_id = ?`, e.users["ann"].ID); n != 0 {
			t.Errorf("logout left %d sessions of the user", n)
		}
	})
}

func TestHTMLLoginThrottled(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.browser()
		b.get("/login")
		for range 5 {
			wantPage(t, "wrong password", b.post("/login", url.Values{"email": {"bob@example.com"}, "password": {"x"}}), http.StatusUnauthorized)
		}
		p := b.post("/login", url.Values{"email": {"bob@example.com"}, "password": {"password-bob"}})
		wantPage(t, "throttled", p, http.StatusTooManyRequests, "Too many")
		if p.header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}

func TestHTMLCSRF(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ann := e.login("ann")
		bob := e.login("bob")
		it := e.newItem("ann", "Vase")
		path := "/items/" + idOf(it) + "/delete"
		before := e.snapshot()
		for _, c := range []struct {
			name    string
			form    url.Values
			headers []string
		}{
			{"no token", url.Values{"csrf_token": nil}, nil},
			{"wrong token", url.Values{"csrf_token": {"not-the-token"}}, nil},
			{"another session's token", url.Values{"csrf_token": {bob.csrf}}, nil},
			{"cross-site fetch", nil, []string{"Sec-Fetch-Site", "cross-site"}},
			{"foreign origin", nil, []string{"Origin", "https://evil.example"}},
		} {
			p := ann.post(path, c.form, c.headers...)
			if p.status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", c.name, p.status)
			}
			if e.snapshot() != before {
				t.Fatalf("%s: the database changed", c.name)
			}
		}
		anon := e.browser()
		anon.get("/login")
		wantPage(t, "login without token", anon.post("/login", url.Values{"csrf_token": nil, "email": {"ann@example.com"},
			"password": {"password-ann"}}), http.StatusForbidden)
		wantSeeOther(t, "with the token", ann.post(path, nil), "/items")
	})
}

var requestIDs = regexp.MustCompile(`[0-9a-f]{32}`)

func TestHTMLOthersThingsAre404(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ann := e.login("ann")
		theirs := e.newItem("bob", "Secret")
		note, err := e.svc.AddNote(context.Background(), e.actor("bob"), theirs.ID, "private")
		if err != nil {
			t.Fatal(err)
		}
		trashed := e.newItem("bob", "Gone")
		if _, err := e.svc.TrashItem(context.Background(), e.actor("bob"), trashed.ID, 0); err != nil {
			t.Fatal(err)
		}
		const missing = "999999"
		before := e.snapshot()
		for _, c := range []struct{ method, path, id string }{
			{"GET", "/items/%s", idOf(theirs)},
			{"GET", "/items/%s/edit", idOf(theirs)},
			{"GET", "/items/%s/delete", idOf(theirs)},
			{"POST", "/items/%s/delete", idOf(theirs)},
			{"POST", "/items/%s", idOf(theirs)},
			{"GET", "/trash/%s/delete", idOf(trashed)},
			{"POST", "/trash/%s/restore", idOf(trashed)},
			{"POST", "/trash/%s/delete", idOf(trashed)},
			{"GET", "/notes/%s/delete", itoa(note.ID)},
			{"POST", "/notes/%s/delete", itoa(note.ID)},
		} {
			send := func(idv string) htmlPage {
				p := strings.Replace(c.path, "%s", idv, 1)
				if c.method == "GET" {
					return ann.get(p)
				}
				return ann.post(p, url.Values{"_method": {"DELETE"}})
			}
			got, none := send(c.id), send(missing)
			if got.status != http.StatusNotFound || none.status != http.StatusNotFound {
				t.Errorf("%s %s: statuses %d (theirs) and %d (missing), want 404", c.method, c.path, got.status, none.status)
				continue
			}
			if a, b := requestIDs.ReplaceAllString(got.body, ""), requestIDs.ReplaceAllString(none.body, ""); a != b {
				t.Errorf("%s %s: another's thing and a missing one differ:\n%s\n---\n%s", c.method, c.path, a, b)
			}
		}
		if e.snapshot() != before {
			t.Fatal("a refused request changed the database")
		}
		for _, p := range []htmlPage{ann.get("/admin/audit"), ann.get("/admin/users"), ann.get("/admin/users/" + itoa(e.users["bob"].ID) + "/delete"),
			ann.post("/admin/users/"+itoa(e.users["bob"].ID)+"/delete", nil)} {
			if p.status != http.StatusForbidden {
				t.Errorf("admin htmlPage for a member: %d, want 403", p.status)
			}
		}
		if e.snapshot() != before {
			t.Fatal("a member changed the database through an admin route")
		}
	})
}

func TestHTMLEscapes(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		const evil, escaped = "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"
		it := e.newItem("ann", evil)
		check := func(what string, p htmlPage) {
			t.Helper()
			wantPage(t, what, p, p.status, escaped)
			wantLacks(t, what, p, evil)
		}
		check("list", b.get("/items"))
		check("item htmlPage", b.get("/items/"+idOf(it)))
		check("edit htmlPage", b.get("/items/"+idOf(it)+"/edit"))
		check("confirm htmlPage", b.get("/items/"+idOf(it)+"/delete"))
		wantSeeOther(t, "delete", b.post("/items/"+idOf(it)+"/delete", nil), "/items")
		check("flash", b.get("/items"))
		check("trash", b.get("/trash"))
		check("purge confirm", b.get("/trash/"+idOf(it)+"/delete"))
	})
}
