package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestProblemCodesAreDocumented holds the one table to the codes the shelf
// package declares and to the OpenAPI document's enum: a code added without
// a status, a page or a place in the enum fails here.
func TestProblemCodesAreDocumented(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared, blockerTypes []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i >= len(vs.Values) {
				continue
			}
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			switch {
			case strings.HasPrefix(name.Name, "Block"):
				blockerTypes = append(blockerTypes, v)
			case strings.HasPrefix(name.Name, "E"):
				declared = append(declared, v)
			}
		}
		return true
	})
	if len(declared) < 10 {
		t.Fatalf("found only %d codes in error.go: %v", len(declared), declared)
	}
	for _, c := range declared {
		k, ok := problemKinds[c]
		if !ok {
			t.Errorf("code %q has no entry in problemKinds", c)
			continue
		}
		if k.status < 400 || k.title == "" || len(k.about) < 40 {
			t.Errorf("code %q: status %d, title %q, about %q: want an error status, a title and a paragraph", c, k.status, k.title, k.about)
		}
	}
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var enum []string
	for _, v := range doc.Components.Schemas["Problem"].Value.Properties["code"].Value.Enum {
		enum = append(enum, v.(string))
	}
	slices.Sort(enum)
	if !slices.Equal(enum, ProblemCodes()) {
		t.Errorf("openapi.yaml's Problem code enum\n%v\nwant\n%v", enum, ProblemCodes())
	}
	var types []string
	for _, v := range doc.Components.Schemas["Blocker"].Value.Properties["type"].Value.Enum {
		types = append(types, v.(string))
	}
	slices.Sort(types)
	slices.Sort(blockerTypes)
	if !slices.Equal(types, blockerTypes) {
		t.Errorf("openapi.yaml's Blocker type enum %v, want the shelf package's %v", types, blockerTypes)
	}
}

// TestAPIProblemTypes checks that each kind of problem names itself (code,
// absolute type on the request's own host) and that its type answers GET
// with a public page, through the real router on both engines.
func TestAPIProblemTypes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		cases := []struct {
			name, as, method, path, body string
			headers                      []string
			status                       int
			code                         string
		}{
			{"not found", "owner", "GET", "/api/v1/items/999999", "", nil, 404, "not_found"},
			{"malformed id", "owner", "GET", "/api/v1/items/abc", "", nil, 400, "malformed"},
			{"anonymous", "", "GET", "/api/v1/items", "", nil, 401, "unauthorized"},
			{"member on an admin route", "owner", "GET", "/api/v1/users", "", nil, 403, "forbidden"},
			{"wrong method", "owner", "PUT", "/api/v1/items/{item}", "{}", nil, 405, "method_not_allowed"},
			{"name taken", "owner", "POST", "/api/v1/items", `{"name":"drill"}`, nil, 409, "name_taken"},
			{"on loan", "owner", "DELETE", "/api/v1/items/{lent}", "", nil, 409, "on_loan"},
			{"stale If-Match", "owner", "PATCH", "/api/v1/items/{item}", `{"quantity":2}`, []string{"If-Match", `"9"`}, 412, "version_mismatch"},
			{"too large", "owner", "POST", "/api/v1/items", `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, nil, 413, "body_too_large"},
			{"not JSON", "owner", "POST", "/api/v1/items", `{"name":"X"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
			{"invalid", "owner", "POST", "/api/v1/items", `{"name":"X","quantity":-1}`, nil, 422, "invalid_fields"},
			{"cross-site", "", "DELETE", "/api/v1/items/{item}", "", []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross_origin"},
		}
		seen := map[string]string{}
		for _, c := range cases {
			res := e.req(c.as, c.method, c.path, c.body, c.headers...)
			if res.status != c.status {
				t.Fatalf("%s: status %d, want %d; body %s", c.name, res.status, c.status, res.body)
			}
			var p struct {
				Type, Title, Detail, Code string
				Status                    int
				Blockers                  []map[string]any
			}
			res.json(t, &p)
			wantType := e.ts.URL + "/problems/" + strings.ReplaceAll(c.code, "_", "-")
			if p.Code != c.code || p.Type != wantType || p.Status != c.status || p.Title == "" {
				t.Errorf("%s: code %q type %q status %d title %q; want code %q type %q", c.name, p.Code, p.Type, p.Status, p.Title, c.code, wantType)
			}
			if c.status == http.StatusConflict && len(p.Blockers) == 0 {
				t.Errorf("%s: a 409 without blockers: %s", c.name, res.body)
			}
			if other, ok := seen[p.Type]; ok && other != c.code {
				t.Errorf("%s: type %s shared by codes %q and %q", c.name, p.Type, other, c.code)
			}
			seen[p.Type] = c.code
			gotAuth := res.header.Get("WWW-Authenticate")
			if c.status == http.StatusUnauthorized && gotAuth != `Bearer realm="shelf"` {
				t.Errorf("%s: WWW-Authenticate %q, want Bearer realm=\"shelf\"", c.name, gotAuth)
			} else if c.status != http.StatusUnauthorized && gotAuth != "" {
				t.Errorf("%s: WWW-Authenticate %q on a %d", c.name, gotAuth, c.status)
			}

			// The type is a public page that explains the problem.
			page, err := http.Get(p.Type)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, page)
			if page.StatusCode != http.StatusOK || !strings.Contains(page.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(body, p.Title) || !strings.Contains(body, "<code>"+c.code+"</code>") {
				t.Errorf("%s: GET %s → %d %q, want 200 HTML with the title and the code", c.name, p.Type, page.StatusCode, page.Header.Get("Content-Type"))
			}
		}

		// Unknown kinds, and codes spelled with underscores, are no pages.
		for _, path := range []string{"/problems/nothing-like-this", "/problems/name_taken", "/problems/409"} {
			res, err := http.Get(e.ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, res)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
			}
		}

		// The type follows the host the client used; a forwarded scheme is
		// believed only from a trusted proxy.
		req, _ := e.newRequest("owner", "GET", "/api/v1/items/999999", "", "X-Forwarded-Proto", "https")
		req.Host = "shelf.example:8443"
		var p struct{ Type string }
		e.send(req, "").json(t, &p)
		if p.Type != "http://shelf.example:8443/problems/not-found" {
			t.Errorf("type %q, want the request's own host over http (the proxy is not trusted)", p.Type)
		}
		trusted := open(t, func(c *Config) { c.TrustedProxies = []string{"127.0.0.1", "::1"} })
		req, _ = trusted.newRequest("owner", "GET", "/api/v1/items/999999", "", "X-Forwarded-Proto", "https")
		req.Host = "shelf.example"
		trusted.send(req, "").json(t, &p)
		if p.Type != "https://shelf.example/problems/not-found" {
			t.Errorf("type %q behind a trusted proxy, want https://shelf.example/problems/not-found", p.Type)
		}
	})
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
