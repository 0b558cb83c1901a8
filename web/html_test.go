package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// htmlEnv is a real server on a fresh SQLite file, driven the way a browser
// with JavaScript off drives it: forms, cookies, and redirects not followed,
// so that every 303 can be checked.
type htmlEnv struct {
	t     *testing.T
	db    *store.DB
	svc   *service.Service
	ts    *httptest.Server
	users map[string]shelf.User // "admin", "ann", "bob"
}

func newHTMLEnv(t *testing.T) *htmlEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "shelf.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	svc := service.New(db, service.WithFiles(testFiles(t)))
	srv, err := New(Config{Service: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &htmlEnv{t: t, db: db, svc: svc, ts: ts, users: map[string]shelf.User{}}
	for _, u := range []struct {
		key, name string
		role      shelf.Role
	}{{"admin", "Ada", shelf.RoleAdmin}, {"ann", "Ann", shelf.RoleMember}, {"bob", "Bob", shelf.RoleMember}} {
		user, err := svc.AddUser(ctx, service.NewUser{Email: u.key + "@example.com", Name: u.name,
			Password: "password-" + u.key, Role: u.role})
		if err != nil {
			t.Fatalf("add user: %v", err)
		}
		e.users[u.key] = user
	}
	return e
}

func (e *htmlEnv) actor(who string) shelf.Actor {
	u := e.users[who]
	return shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "test"}
}

// newItem creates an item through the service, for setting the scene.
func (e *htmlEnv) newItem(who, name string) shelf.Item {
	e.t.Helper()
	it, err := e.svc.CreateItem(context.Background(), e.actor(who), shelf.ItemInput{Name: name, Quantity: 1})
	if err != nil {
		e.t.Fatalf("create %q: %v", name, err)
	}
	return it
}

func (e *htmlEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.SQL().QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (e *htmlEnv) isLive(id int64) bool {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM items WHERE id = ? AND deleted_at IS NULL`, id) == 1
}

func (e *htmlEnv) isTrashed(id int64) bool {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM items WHERE id = ? AND deleted_at IS NOT NULL`, id) == 1
}

// fingerprint sums up every table, to prove that a refused request changed
// nothing.
func (e *htmlEnv) fingerprint() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT group_concat(id || ':' || name || ':' || version || ':' || coalesce(deleted_at, '-') || ':' || coalesce(category_id, '-'), ',') FROM items`,
		`SELECT group_concat(id, ',') FROM notes`,
		`SELECT group_concat(id || ':' || coalesce(returned_at, '-'), ',') FROM loans`,
		`SELECT group_concat(id, ',') FROM categories`,
		`SELECT group_concat(id, ',') FROM users`,
		`SELECT count(*) FROM audit_events`,
	} {
		var s *string
		if err := e.db.SQL().QueryRow(q).Scan(&s); err != nil {
			e.t.Fatalf("%s: %v", q, err)
		}
		if s != nil {
			b.WriteString(*s)
		}
		b.WriteString("|")
	}
	return b.String()
}

// htmlBrowser is one cookie jar; csrf is the token of the last page it saw.
type htmlBrowser struct {
	e    *htmlEnv
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

func (e *htmlEnv) browser() *htmlBrowser {
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
func (e *htmlEnv) login(who string) *htmlBrowser {
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
	e := newHTMLEnv(t)
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
}

func TestHTMLLoginThrottled(t *testing.T) {
	e := newHTMLEnv(t)
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
}

func TestHTMLCSRF(t *testing.T) {
	e := newHTMLEnv(t)
	ann := e.login("ann")
	bob := e.login("bob")
	it := e.newItem("ann", "Vase")
	path := "/items/" + idOf(it) + "/delete"
	before := e.fingerprint()
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
		if e.fingerprint() != before {
			t.Fatalf("%s: the database changed", c.name)
		}
	}
	anon := e.browser()
	anon.get("/login")
	wantPage(t, "login without token", anon.post("/login", url.Values{"csrf_token": nil, "email": {"ann@example.com"},
		"password": {"password-ann"}}), http.StatusForbidden)
	wantSeeOther(t, "with the token", ann.post(path, nil), "/items")
}

var requestIDs = regexp.MustCompile(`[0-9a-f]{32}`)

func TestHTMLOthersThingsAre404(t *testing.T) {
	e := newHTMLEnv(t)
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
	before := e.fingerprint()
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
	if e.fingerprint() != before {
		t.Fatal("a refused request changed the database")
	}
	for _, p := range []htmlPage{ann.get("/admin/audit"), ann.get("/admin/users"), ann.get("/admin/users/" + itoa(e.users["bob"].ID) + "/delete"),
		ann.post("/admin/users/"+itoa(e.users["bob"].ID)+"/delete", nil)} {
		if p.status != http.StatusForbidden {
			t.Errorf("admin htmlPage for a member: %d, want 403", p.status)
		}
	}
	if e.fingerprint() != before {
		t.Fatal("a member changed the database through an admin route")
	}
}

func TestHTMLEscapes(t *testing.T) {
	e := newHTMLEnv(t)
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
}
