package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"shelf"
	"shelf/service"
	"shelf/store/storetest"
)

// Fuzz targets for everything that reads what a client sends before any
// rule applies: ids, page cursors, JSON and form bodies, and the _method
// override. Seeds are added here and kept in testdata/fuzz/<Target>/; CI
// runs each target for a few seconds (scripts/test); see docs/robustness.md
// for longer runs.

// FuzzParseID: an id is accepted only as 1 to 19 ASCII digits naming a
// positive int64, and then means exactly that number.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "42", "0", "-1", "+1", "01", "9223372036854775807", "9223372036854775808",
		"18446744073709551616", "1;DROP TABLE items", "1\x00", "", " 1", "1e3", "0x1f", "१", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseID(s)
		if err != nil {
			if shelf.ErrorCode(err) != shelf.EMALFORMED {
				t.Fatalf("parseID(%q): error code %q, want %q", s, shelf.ErrorCode(err), shelf.EMALFORMED)
			}
			return
		}
		if id <= 0 || len(s) > 19 || strings.TrimLeft(s, "0123456789") != "" {
			t.Fatalf("parseID(%q) = %d: accepted what is not a positive id", s, id)
		}
		if want := strings.TrimLeft(s, "0"); strconv.FormatInt(id, 10) != want {
			t.Fatalf("parseID(%q) = %d, want %s", s, id, want)
		}
	})
}

// ctypeIsJSON reports whether decodeJSON takes a content type as JSON.
func ctypeIsJSON(ctype string) bool {
	mt, _, err := mime.ParseMediaType(ctype)
	return err == nil && mt == "application/json"
}

// problemStatus is the status an error gets on the wire.
func problemStatus(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return statusOf(he.code)
	}
	return statusOf(shelf.ErrorCode(err))
}

// FuzzDecodeJSON: whatever the body and content type, decoding answers 400,
// 413, 415 or 422 or succeeds, and only succeeds on one valid JSON value in
// UTF-8 (a body that is not UTF-8 is 400, never silently repaired).
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"ids":[1,2,3]}`), "application/json", uint8(0))
	f.Add([]byte(`{"name":"Saw","quantity":2,"category_id":null}`), "application/json; charset=utf-8", uint8(1))
	f.Add([]byte(`{"quantity":"many"}`), "application/json", uint8(2))
	f.Add([]byte(`{"ids":[1e400]}`), "application/json", uint8(0))
	f.Add([]byte(`{"ids":[1]} {}`), "application/json", uint8(0))
	f.Add([]byte(`[[[[[[[[[[`), "application/json", uint8(2))
	f.Add([]byte(`{"colour":"red"}`), "application/json", uint8(1))
	f.Add([]byte("{\"name\":\"\xff\"}"), "application/json", uint8(1))
	f.Add([]byte("{\"name\":\"Spoof\xfe\",\"quantity\":1}"), "application/json", uint8(1))
	f.Add([]byte("{\"name\":\"\xed\xa0\x80\"}"), "application/json", uint8(2)) // an encoded surrogate
	f.Add([]byte("{\"name\":\"\xc0\xaf\"}"), "application/json", uint8(1))     // an overlong '/'
	f.Add([]byte("{\"name\":\"gpj.\u202eexe\"}"), "application/json", uint8(1))
	f.Add([]byte("{\"name\":\"a\u2066b\u2069\u200b\"}"), "application/json", uint8(2))
	f.Add([]byte(`{"name":"\ud800"}`), "application/json", uint8(1))
	f.Add([]byte(`{"ids":[1]}`), "text/plain", uint8(0))
	f.Add([]byte(``), "application/json", uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, ctype string, target uint8) {
		r := httptest.NewRequest("POST", "/api/v1/items/bulk-delete", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		var v any
		switch target % 3 {
		case 0:
			v = &struct {
				IDs []int64 `json:"ids"`
			}{}
		case 1:
			v = &shelf.ItemInput{}
		default:
			v = &itemPatch{}
		}
		err := decodeJSON(w, r, v)
		if err == nil {
			if !json.Valid(bytes.TrimSpace(body)) {
				t.Fatalf("decodeJSON accepted invalid JSON %q", body)
			}
			if !utf8.Valid(body) {
				t.Fatalf("decodeJSON accepted a body that is not UTF-8: %q", body)
			}
			return
		}
		if !utf8.Valid(body) && len(body) <= maxBody && ctypeIsJSON(ctype) && len(bytes.TrimSpace(body)) > 0 {
			if st := problemStatus(err); st != http.StatusBadRequest {
				t.Fatalf("decodeJSON(%q): status %d for a body that is not UTF-8, want 400", body, st)
			}
		}
		switch st := problemStatus(err); st {
		case 400, 413, 415, 422:
		default:
			t.Fatalf("decodeJSON(%q, %q): status %d, want 400, 413, 415 or 422 (%v)", body, ctype, st, err)
		}
	})
}

// FuzzParseForm: a form body is read or refused with 400, 413 or 415, the
// query string never fills the posted form, and every field read is UTF-8.
func FuzzParseForm(f *testing.F) {
	f.Add("csrf_token=abc&ids=1&ids=2", "application/x-www-form-urlencoded", "_method=DELETE")
	f.Add("a=%zz", "application/x-www-form-urlencoded", "")
	f.Add("a=1;b=2", "application/x-www-form-urlencoded; charset=utf-8", "")
	f.Add("--x\r\n", "multipart/form-data; boundary=x", "")
	f.Add(`{"ids":[1]}`, "application/json", "")
	f.Add("", "", "csrf_token=from-the-query")
	f.Add("name=Spoof%FF", "application/x-www-form-urlencoded", "")
	f.Add("n%FEame=x", "application/x-www-form-urlencoded", "")
	f.Add("name=%ED%A0%80", "application/x-www-form-urlencoded", "")
	f.Add("name=gpj.%E2%80%AEexe", "application/x-www-form-urlencoded", "")
	f.Add("name=a%E2%81%A6b%C2%85", "application/x-www-form-urlencoded", "")
	f.Add("name=Spoof\xff", "application/x-www-form-urlencoded", "")
	f.Fuzz(func(t *testing.T, body, ctype, query string) {
		r := httptest.NewRequest("POST", "/items/bulk-delete?"+url.PathEscape(query), strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		w := httptest.NewRecorder()
		err := parseForm(w, r)
		if err != nil {
			switch st := problemStatus(err); st {
			case 400, 413, 415:
			default:
				t.Fatalf("parseForm(%q, %q): status %d, want 400, 413 or 415", body, ctype, st)
			}
			return
		}
		q, _ := url.ParseQuery(body)
		if !valuesUTF8(r.PostForm) {
			t.Fatalf("parseForm(%q) read a field that is not UTF-8: %q", body, r.PostForm)
		}
		for k, vs := range r.PostForm {
			if len(q[k]) != len(vs) {
				t.Fatalf("parseForm(%q) with query %q: PostForm[%q] = %q, want only the body's %q", body, query, k, vs, q[k])
			}
		}
	})
}

// fuzzServer is a real server with one member logged in and one live item.
type fuzzServer struct {
	svc    *service.Service
	ts     *httptest.Server
	c      *http.Client
	token  string // the session's CSRF token
	secret string // an API token
	admin  string // the admin's API token
	item   int64
	actor  shelf.Actor
}

func newFuzzServer(f *testing.F) *fuzzServer {
	f.Helper()
	ctx := context.Background()
	db := storetest.OpenSQLite(f)
	svc := service.New(db)
	srv, err := New(Config{Service: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	f.Cleanup(ts.Close)
	fs := &fuzzServer{svc: svc, ts: ts}
	for _, role := range []shelf.Role{shelf.RoleMember, shelf.RoleAdmin} {
		u, err := svc.AddUser(ctx, service.NewUser{Email: string(role) + "@example.com", Name: "Fuzz", Password: "password-fuzz", Role: role})
		if err != nil {
			f.Fatal(err)
		}
		a := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "fuzz"}
		_, secret, err := svc.CreateToken(ctx, a, "fuzz")
		if err != nil {
			f.Fatal(err)
		}
		if role == shelf.RoleAdmin {
			fs.admin = secret
			continue
		}
		fs.actor, fs.secret = a, secret
		it, err := svc.CreateItem(ctx, a, shelf.ItemInput{Name: "Target", Quantity: 1})
		if err != nil {
			f.Fatal(err)
		}
		fs.item = it.ID
		if _, err := svc.TrashItems(ctx, a, []int64{mustItem(f, svc, a, "Trashed").ID}, shelf.Confirmation{}); err != nil {
			f.Fatal(err)
		}
	}
	jar, _ := cookiejar.New(nil)
	fs.c = &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := fs.metaToken(f, "/login")
	form := url.Values{"email": {"member@example.com"}, "password": {"password-fuzz"}, "csrf_token": {token}}
	res, err := fs.c.PostForm(ts.URL+"/login", form)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		f.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()
	fs.token = fs.metaToken(f, "/items")
	return fs
}

func mustItem(f *testing.F, svc *service.Service, a shelf.Actor, name string) shelf.Item {
	it, err := svc.CreateItem(context.Background(), a, shelf.ItemInput{Name: name, Quantity: 1})
	if err != nil {
		f.Fatal(err)
	}
	return it
}

func (fs *fuzzServer) metaToken(f *testing.F, path string) string {
	res, err := fs.c.Get(fs.ts.URL + path)
	if err != nil {
		f.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := csrfMeta.FindSubmatch(b)
	if m == nil {
		f.Fatalf("no CSRF token on %s", path)
	}
	return string(m[1])
}

func (fs *fuzzServer) trashed(t *testing.T) bool {
	it, err := fs.svc.Item(context.Background(), fs.actor, fs.item)
	switch shelf.ErrorCode(err) {
	case "":
		return it.Trashed()
	case shelf.ENOTFOUND:
		return true
	}
	t.Fatal(err)
	return false
}

// FuzzMethodOverride posts the item's page with every _method value, and
// gets it with _method in the query: only a POST whose body says DELETE (in
// any case) moves the item to the Trash; anything else leaves it live.
func FuzzMethodOverride(f *testing.F) {
	for _, m := range []string{"DELETE", "delete", " DeLeTe ", "PUT", "PATCH", "GET", "POST", "", "DELETE\r\n", "DELETE\x00", "DEL", "DELETEE"} {
		f.Add(m)
	}
	fs := newFuzzServer(f)
	path := fs.ts.URL + "/items/" + strconv.FormatInt(fs.item, 10)
	f.Fuzz(func(t *testing.T, override string) {
		res, err := fs.c.Get(path + "?_method=" + url.QueryEscape(override))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// note: a query string that is not UTF-8 is refused (400) before any route runs.
		wantGet := http.StatusOK
		if !utf8.ValidString(override) {
			wantGet = http.StatusBadRequest
		}
		if res.StatusCode != wantGet || fs.trashed(t) {
			t.Fatalf("GET with _method=%q: status %d, trashed %v; want %d and nothing changed", override, res.StatusCode, fs.trashed(t), wantGet)
		}
		form := url.Values{"csrf_token": {fs.token}, "_method": {override}}
		res, err = fs.c.PostForm(path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		wantDelete := strings.EqualFold(strings.TrimSpace(override), "DELETE")
		switch trashed := fs.trashed(t); {
		case wantDelete && (res.StatusCode != http.StatusSeeOther || !trashed):
			t.Fatalf("POST _method=%q: status %d, trashed %v; want 303 and the item in the Trash", override, res.StatusCode, trashed)
		case !wantDelete && (res.StatusCode < 400 || trashed):
			t.Fatalf("POST _method=%q: status %d, trashed %v; want a refusal (the form is no edit) and nothing changed", override, res.StatusCode, trashed)
		case trashed:
			if _, err := fs.svc.RestoreItem(context.Background(), fs.actor, fs.item, ""); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzListCursor sends any text as the after cursor of every keyset-paged
// list: the answer is a page (200) or 400, never a server error.
func FuzzListCursor(f *testing.F) {
	for _, c := range []string{"", "MQ", "OTk5OTk5", "MjAyNi0wMy0wMVQwOTowMDowMC4wMDAwMDBafDE", "zzz", "%00", "LTE",
		"OTIyMzM3MjAzNjg1NDc3NTgwOA", "fDE", "MjAyNi0xMy0wMVQwOTowMDowMC4wMDAwMDBafDE", "' OR 1=1 --"} {
		f.Add(c)
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, after string) {
		for _, path := range []string{"/api/v1/items", "/api/v1/trash", "/api/v1/audit"} {
			req, _ := http.NewRequest("GET", fs.ts.URL+path+"?limit=2&after="+url.QueryEscape(after), nil)
			secret := fs.secret
			if path == "/api/v1/audit" {
				secret = fs.admin
			}
			req.Header.Set("Authorization", "Bearer "+secret)
			res, err := fs.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusBadRequest {
				t.Fatalf("GET %s after=%q: status %d, want 200 or 400: %s", path, after, res.StatusCode, b)
			}
		}
	})
}
