package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"shelf"
	"shelf/filestore"
	"shelf/service"
	"shelf/store"
	"shelf/store/storetest"
)

// apiEnv is the web package's one test environment: a real server, router
// and middleware over a real store on a fresh database (SQLite, or each
// engine in turn with forEachEngine). The API scenarios get an admin and two
// members who each have an API token, and a few things to delete
// (newAPIEnv); the HTML flows get an admin and two members and nothing else,
// and drive the server as a browser would (htmlOnEachEngine, htmlBrowser).
type apiEnv struct {
	t      *testing.T
	db     *store.DB
	svc    *service.Service
	srv    *Server
	ts     *httptest.Server
	users  map[string]shelf.User // "admin", "owner", "other"
	tokens map[string]string
	ids    map[string]int64 // fixture ids by name
	files  *filestore.Dir   // where photos' files go
}

func newAPIEnv(t *testing.T, cfgs ...func(*Config)) *apiEnv {
	t.Helper()
	return newAPIEnvOn(t, storetest.OpenSQLite(t), cfgs...)
}

// eachEngine runs f as a subtest on SQLite and on PostgreSQL (which skips
// outside CI unless SHELF_TEST_POSTGRES is set), with the helper that opens a
// fresh, migrated database of that engine.
func eachEngine(t *testing.T, f func(t *testing.T, open func(testing.TB) *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.OpenSQLite) })
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresURL(t)
		f(t, storetest.OpenPostgres)
	})
}

// forEachEngine runs f against a fresh API environment on each engine.
func forEachEngine(t *testing.T, f func(t *testing.T, open func(t *testing.T, cfgs ...func(*Config)) *apiEnv)) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f(t, func(t *testing.T, cfgs ...func(*Config)) *apiEnv { return newAPIEnvOn(t, open(t), cfgs...) })
	})
}

// htmlOnEachEngine runs an HTML flow on a fresh HTML environment on each
// engine.
func htmlOnEachEngine(t *testing.T, f func(t *testing.T, e *apiEnv)) {
	eachEngine(t, func(t *testing.T, open func(testing.TB) *store.DB) { f(t, newHTMLEnvOn(t, open(t))) })
}

// person is a user a test environment starts with.
type person struct {
	key, name string
	role      shelf.Role
}

// apiPeople are the API scenarios' users (each with a token); htmlPeople
// the HTML flows'.
var (
	apiPeople  = []person{{"admin", "Admin", shelf.RoleAdmin}, {"owner", "Owner", shelf.RoleMember}, {"other", "Other", shelf.RoleMember}}
	htmlPeople = []person{{"admin", "Ada", shelf.RoleAdmin}, {"ann", "Ann", shelf.RoleMember}, {"bob", "Bob", shelf.RoleMember}}
)

func newAPIEnvOn(t *testing.T, db *store.DB, cfgs ...func(*Config)) *apiEnv {
	t.Helper()
	e := newEnvOn(t, db, apiPeople, cfgs...)
	for _, p := range apiPeople {
		tk, secret, err := e.svc.CreateToken(context.Background(), e.actor(p.key), "tests")
		if err != nil {
			t.Fatalf("token: %v", err)
		}
		e.tokens[p.key] = secret
		e.ids[p.key+"_token"] = tk.ID
	}
	e.seed()
	return e
}

func newHTMLEnvOn(t *testing.T, db *store.DB) *apiEnv {
	t.Helper()
	return newEnvOn(t, db, htmlPeople)
}

// newEnvOn starts a server over db with people as its users.
func newEnvOn(t *testing.T, db *store.DB, people []person, cfgs ...func(*Config)) *apiEnv {
	t.Helper()
	ctx := context.Background()
	files := testFiles(t)
	svc := service.New(db, service.WithFiles(files))
	cfg := Config{Service: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range cfgs {
		f(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &apiEnv{t: t, db: db, svc: svc, srv: srv, ts: ts, users: map[string]shelf.User{}, tokens: map[string]string{}, ids: map[string]int64{}, files: files}
	for _, p := range people {
		user, err := svc.AddUser(ctx, service.NewUser{Email: p.key + "@example.com", Name: p.name,
			Password: "password-" + p.key, Role: p.role})
		if err != nil {
			t.Fatalf("add user: %v", err)
		}
		e.users[p.key] = user
	}
	return e
}

func (e *apiEnv) actor(who string) shelf.Actor {
	u := e.users[who]
	return shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "test"}
}

// seed creates the owner's things: "item" (2 notes, a returned loan, in
// category "cat"), "lent" (on loan to Bob), "trashed" (in the Trash, with a
// note) and the other member's "foreign".
func (e *apiEnv) seed() {
	t, ctx := e.t, context.Background()
	t.Helper()
	owner := e.actor("owner")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	cat, err := e.svc.CreateCategory(ctx, owner, "Tools")
	must(err)
	e.ids["cat"] = cat.ID
	item, err := e.svc.CreateItem(ctx, owner, shelf.ItemInput{Name: "Drill", Quantity: 1, CategoryID: &cat.ID})
	must(err)
	e.ids["item"] = item.ID
	n, err := e.svc.AddNote(ctx, owner, item.ID, "first note")
	must(err)
	e.ids["note"] = n.ID
	_, err = e.svc.AddNote(ctx, owner, item.ID, "second note")
	must(err)
	l, err := e.svc.LendItem(ctx, owner, item.ID, "Carol", nil)
	must(err)
	_, err = e.svc.ReturnLoan(ctx, owner, l.ID)
	must(err)
	lent, err := e.svc.CreateItem(ctx, owner, shelf.ItemInput{Name: "Ladder", Quantity: 1})
	must(err)
	e.ids["lent"] = lent.ID
	loan, err := e.svc.LendItem(ctx, owner, lent.ID, "Bob", nil)
	must(err)
	e.ids["loan"] = loan.ID
	tr, err := e.svc.CreateItem(ctx, owner, shelf.ItemInput{Name: "Old charger", Quantity: 3})
	must(err)
	_, err = e.svc.AddNote(ctx, owner, tr.ID, "broken")
	must(err)
	_, err = e.svc.TrashItem(ctx, owner, tr.ID, 0)
	must(err)
	e.ids["trashed"] = tr.ID
	f, err := e.svc.CreateItem(ctx, e.actor("other"), shelf.ItemInput{Name: "Foreign thing", Quantity: 1})
	must(err)
	e.ids["foreign"] = f.ID
	fn, err := e.svc.AddNote(ctx, e.actor("other"), f.ID, "theirs")
	must(err)
	e.ids["foreign_note"] = fn.ID
	ftr, err := e.svc.CreateItem(ctx, e.actor("other"), shelf.ItemInput{Name: "Foreign trashed", Quantity: 1})
	must(err)
	_, err = e.svc.TrashItem(ctx, e.actor("other"), ftr.ID, 0)
	must(err)
	e.ids["foreign_trashed"] = ftr.ID
}

// expand replaces {name} in a path with fixture ids.
func (e *apiEnv) expand(s string) string {
	return regexp.MustCompile(`\{(\w+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		if id, ok := e.ids[name]; ok {
			return itoa(id)
		}
		if u, ok := e.users[strings.TrimSuffix(name, "_id")]; ok {
			return itoa(u.ID)
		}
		return m
	})
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// req sends a request as who ("admin", "owner", "other" with their API
// token, or "" for nobody) and checks API responses against the OpenAPI
// description.
func (e *apiEnv) req(who, method, path, body string, headers ...string) response {
	e.t.Helper()
	req, body := e.newRequest(who, method, path, body, headers...)
	return e.send(req, body)
}

// newRequest builds a request as who (see req), with the ids in path and
// body expanded and headers given as name, value pairs. It returns the body
// as sent.
func (e *apiEnv) newRequest(who, method, path, body string, headers ...string) (*http.Request, string) {
	e.t.Helper()
	body = e.expand(body)
	req, err := http.NewRequest(method, e.ts.URL+e.expand(path), strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req, body
}

func (e *apiEnv) send(req *http.Request, body string) response {
	e.t.Helper()
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	resp := response{status: res.StatusCode, header: res.Header, body: b}
	if strings.HasPrefix(req.URL.Path, "/api/v1/") {
		validateAgainstOpenAPI(e.t, req, body, resp)
	}
	return resp
}

var (
	openAPIOnce   sync.Once
	openAPIRouter routers.Router
	openAPIErr    error
)

func loadOpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDoc)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
}

// validateAgainstOpenAPI fails the test when a response does not match what
// the OpenAPI description promises for its operation and status.
func validateAgainstOpenAPI(t *testing.T, req *http.Request, body string, resp response) {
	t.Helper()
	openAPIOnce.Do(func() {
		for _, ct := range []string{"image/jpeg", "image/png"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
		}
		doc, err := loadOpenAPI()
		if err != nil {
			openAPIErr = err
			return
		}
		openAPIRouter, openAPIErr = legacy.NewRouter(doc)
	})
	if openAPIErr != nil {
		t.Fatalf("openapi.yaml: %v", openAPIErr)
	}
	// note: the router matches on the path alone; the description's server is "/".
	r2, _ := http.NewRequest(req.Method, req.URL.Path+"?"+req.URL.RawQuery, strings.NewReader(body))
	r2.Header = req.Header.Clone()
	route, params, err := openAPIRouter.FindRoute(r2)
	if err != nil {
		if resp.status == http.StatusMethodNotAllowed || resp.status == http.StatusNotFound {
			return // a method or path the API does not have
		}
		t.Errorf("%s %s: not in openapi.yaml: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.status, Header: resp.header,
		Body: io.NopCloser(bytes.NewReader(resp.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.status, err, resp.body)
	}
}

// rebind turns '?' placeholders into the engine's own.
func (e *apiEnv) rebind(q string) string {
	if e.db.Engine() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + itoa(int64(n)))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// count returns a number from a SQL query on the raw database.
func (e *apiEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.queryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// queryRow runs a query with '?' placeholders on the raw database.
func (e *apiEnv) queryRow(query string, args ...any) *sql.Row {
	return e.db.SQL().QueryRow(e.rebind(query), args...)
}

// scalar reads one text value from a SQL query on the raw database.
func (e *apiEnv) scalar(query string, args ...any) (string, error) {
	var s string
	err := e.queryRow(query, args...).Scan(&s)
	return s, err
}

func (e *apiEnv) isTrashed(name string) bool {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM items WHERE id = ? AND deleted_at IS NOT NULL`, e.ids[name]) == 1
}

func (e *apiEnv) exists(name string) bool {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM items WHERE id = ?`, e.ids[name]) == 1
}

func (e *apiEnv) auditCount(action string) int {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM audit_events WHERE action = ?`, action)
}

// snapshot is a fingerprint of every table, to prove a refusal changed nothing.
func (e *apiEnv) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, name, version, coalesce(deleted_at, '-'), coalesce(category_id, 0) FROM items ORDER BY id`,
		`SELECT id, body FROM notes ORDER BY id`,
		`SELECT id, coalesce(returned_at, '-') FROM loans ORDER BY id`,
		`SELECT id, name FROM categories ORDER BY id`,
		`SELECT id, email FROM users ORDER BY id`,
		`SELECT id, hash FROM audit_events ORDER BY id`,
		`SELECT id, name FROM api_tokens ORDER BY id`,
		`SELECT id, sha256, coalesce(deleted_at, '-') FROM photos ORDER BY id`,
		`SELECT sha256 FROM file_removals ORDER BY sha256`,
	} {
		rows, err := e.db.SQL().Query(q)
		if err != nil {
			e.t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			fmt.Fprintf(&b, "%v;", vals)
		}
		rows.Close()
		b.WriteString("|")
	}
	return b.String()
}

// sessionClient logs in through the HTML form and returns a client with the
// session cookie and the session's CSRF token.
func (e *apiEnv) sessionClient(who string) (*http.Client, string) {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := e.csrfFrom(c, "/login")
	form := "email=" + who + "%40example.com&password=password-" + who + "&csrf_token=" + token
	req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login as %s: status %d, want 303", who, res.StatusCode)
	}
	return c, e.csrfFrom(c, "/items")
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)

func (e *apiEnv) csrfFrom(c *http.Client, path string) string {
	e.t.Helper()
	res, err := c.Get(e.ts.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := csrfMeta.FindSubmatch(b)
	if m == nil {
		e.t.Fatalf("GET %s (%d): no csrf-token meta tag", path, res.StatusCode)
	}
	return string(m[1])
}
