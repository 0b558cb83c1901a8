package web

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// apiScenario is one API request and what must come of it: the status, body
// fragments, and an after-check on the database.
type apiScenario struct {
	name    string
	as      string // "owner", "other", "admin", or "" for nobody
	method  string
	path    string
	body    string
	headers []string
	status  int
	want    []string // fragments the body must contain
	after   func(t *testing.T, e *apiEnv)
	// unchanged asserts that nothing at all changed in the database.
	unchanged bool
}

func runAPIScenarios(t *testing.T, scenarios []apiScenario) {
	t.Helper()
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		for _, sc := range scenarios {
			runAPIScenario(t, open, sc)
		}
	})
}

func runAPIScenario(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv, sc apiScenario) {
	t.Helper()
	{
		t.Run(sc.name, func(t *testing.T) {
			e := open(t)
			before := e.snapshot()
			res := e.req(sc.as, sc.method, sc.path, sc.body, sc.headers...)
			if res.status != sc.status {
				t.Fatalf("%s %s as %q: status %d, want %d; body %s", sc.method, sc.path, sc.as, res.status, sc.status, res.body)
			}
			for _, w := range sc.want {
				if !strings.Contains(string(res.body), e.expand(w)) {
					t.Errorf("body %s lacks %q", res.body, e.expand(w))
				}
			}
			if res.status >= 400 {
				if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("error Content-Type %q, want application/problem+json", ct)
				}
				for _, leak := range []string{"sqlite", "SQL", "goroutine", "runtime error", ".go:"} {
					if strings.Contains(string(res.body), leak) {
						t.Errorf("error body leaks %q: %s", leak, res.body)
					}
				}
			}
			if sc.unchanged {
				if after := e.snapshot(); after != before {
					t.Errorf("database changed on refusal:\nbefore %s\nafter  %s", before, after)
				}
			}
			if sc.after != nil {
				sc.after(t, e)
			}
		})
	}
}

func TestAPIItems(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "list own live items", as: "owner", method: "GET", path: "/api/v1/items", status: 200,
			want: []string{`"name":"Drill"`, `"name":"Ladder"`, `"next":null`},
			after: func(t *testing.T, e *apiEnv) {
				res := e.req("owner", "GET", "/api/v1/items", "")
				if strings.Contains(string(res.body), "Foreign") || strings.Contains(string(res.body), "Old charger") {
					t.Errorf("list shows others' or trashed items: %s", res.body)
				}
			}},
		{name: "list paginates with a cursor", as: "owner", method: "GET", path: "/api/v1/items?limit=1", status: 200,
			want: []string{`"name":"Ladder"`},
			after: func(t *testing.T, e *apiEnv) {
				var page struct {
					Next *string `json:"next"`
				}
				e.req("owner", "GET", "/api/v1/items?limit=1", "").json(t, &page)
				if page.Next == nil {
					t.Fatal("next is null on a first page of one")
				}
				res := e.req("owner", "GET", "/api/v1/items?limit=1&after="+*page.Next, "")
				if !strings.Contains(string(res.body), `"name":"Drill"`) {
					t.Errorf("second page %s lacks Drill", res.body)
				}
			}},
		{name: "list search", as: "owner", method: "GET", path: "/api/v1/items?q=dRi", status: 200, want: []string{`"Drill"`}},
		{name: "list by category", as: "owner", method: "GET", path: "/api/v1/items?category={cat}", status: 200, want: []string{`"Drill"`}},
		{name: "list limit over 100", as: "owner", method: "GET", path: "/api/v1/items?limit=101", status: 400},
		{name: "list bad cursor", as: "owner", method: "GET", path: "/api/v1/items?after=zzz", status: 400},
		{name: "list anonymous", method: "GET", path: "/api/v1/items", status: 401},
		{name: "list bad token", method: "GET", path: "/api/v1/items", headers: []string{"Authorization", "Bearer shelf_nope"}, status: 401},

		{name: "create", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":"Saw","quantity":2}`, status: 201,
			want: []string{`"name":"Saw"`, `"quantity":2`, `"version":1`},
			after: func(t *testing.T, e *apiEnv) {
				if e.count(`SELECT count(*) FROM items WHERE name = 'Saw'`) != 1 {
					t.Error("no Saw row")
				}
			}},
		{name: "create duplicate live name", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":"drill"}`, status: 409,
			want: []string{`"blockers"`}, unchanged: true},
		{name: "create reuses a trashed name", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":"Old charger"}`, status: 201},
		{name: "create negative quantity", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":"X","quantity":-1}`, status: 422,
			want: []string{`"quantity"`}, unchanged: true},
		{name: "create empty name", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":"  "}`, status: 422, unchanged: true},
		{name: "create others' category", as: "other", method: "POST", path: "/api/v1/items", body: `{"name":"X","category_id":{cat}}`, status: 422, unchanged: true},
		{name: "create wrong type", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":"X","quantity":"many"}`, status: 422, unchanged: true},
		{name: "create unparsable", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":`, status: 400, unchanged: true},
		{name: "create empty body", as: "owner", method: "POST", path: "/api/v1/items", headers: []string{"Content-Type", "application/json"}, status: 400, unchanged: true},
		{name: "create wrong content type", as: "owner", method: "POST", path: "/api/v1/items", body: `{"name":"X"}`,
			headers: []string{"Content-Type", "text/plain"}, status: 415, unchanged: true},
		{name: "create too large", as: "owner", method: "POST", path: "/api/v1/items",
			body: `{"name":"X","description":"` + strings.Repeat("a", 1<<20) + `"}`, status: 413, unchanged: true},

		{name: "get", as: "owner", method: "GET", path: "/api/v1/items/{item}", status: 200, want: []string{`"name":"Drill"`},
			after: func(t *testing.T, e *apiEnv) {
				if et := e.req("owner", "GET", "/api/v1/items/{item}", "").header.Get("ETag"); et != `"1"` {
					t.Errorf("ETag %q, want \"1\"", et)
				}
			}},
		{name: "get other's", as: "other", method: "GET", path: "/api/v1/items/{item}", status: 404},
		{name: "get admin sees any", as: "admin", method: "GET", path: "/api/v1/items/{item}", status: 200},
		{name: "get trashed", as: "owner", method: "GET", path: "/api/v1/items/{trashed}", status: 404},
		{name: "get malformed id", as: "owner", method: "GET", path: "/api/v1/items/1;DROP%20TABLE%20items", status: 400},
		{name: "get id 2^64", as: "owner", method: "GET", path: "/api/v1/items/18446744073709551616", status: 400},
		{name: "get id zero", as: "owner", method: "GET", path: "/api/v1/items/0", status: 400},
		{name: "get id missing", as: "owner", method: "GET", path: "/api/v1/items/999999", status: 404},

		{name: "patch", as: "owner", method: "PATCH", path: "/api/v1/items/{item}", body: `{"quantity":5,"category_id":null}`,
			headers: []string{"If-Match", `"1"`}, status: 200, want: []string{`"quantity":5`, `"version":2`, `"category_id":null`}},
		{name: "patch stale If-Match", as: "owner", method: "PATCH", path: "/api/v1/items/{item}", body: `{"quantity":5}`,
			headers: []string{"If-Match", `"7"`}, status: 412, unchanged: true},
		{name: "patch other's", as: "other", method: "PATCH", path: "/api/v1/items/{item}", body: `{"quantity":5}`, status: 404, unchanged: true},
		{name: "patch invalid", as: "owner", method: "PATCH", path: "/api/v1/items/{item}", body: `{"quantity":-5}`, status: 422, unchanged: true},
		{name: "patch duplicate name", as: "owner", method: "PATCH", path: "/api/v1/items/{item}", body: `{"name":"LADDER"}`, status: 409, unchanged: true},
		{name: "patch unknown field", as: "owner", method: "PATCH", path: "/api/v1/items/{item}", body: `{"colour":"red"}`, status: 422, unchanged: true},

		{name: "wrong method has Allow", as: "owner", method: "PUT", path: "/api/v1/items/{item}", body: `{}`, status: 405,
			after: func(t *testing.T, e *apiEnv) {
				res := e.req("owner", "PUT", "/api/v1/items/{item}", `{}`)
				if allow := res.header.Get("Allow"); !strings.Contains(allow, "DELETE") || !strings.Contains(allow, "PATCH") {
					t.Errorf("Allow %q", allow)
				}
			}},
		{name: "unknown API path", as: "owner", method: "GET", path: "/api/v1/nothing", status: 404},
	})
}

func TestAPIDelete(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "trash", as: "owner", method: "DELETE", path: "/api/v1/items/{item}", status: 204,
			after: func(t *testing.T, e *apiEnv) {
				if !e.isTrashed("item") {
					t.Error("item not in the Trash")
				}
				if e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, e.ids["item"]) != 2 {
					t.Error("notes did not stay with the trashed item")
				}
				if e.auditCount("item.trash") != 3 { // two from the seed, one now
					t.Errorf("item.trash events %d, want 3", e.auditCount("item.trash"))
				}
				if e.req("owner", "DELETE", "/api/v1/items/{item}", "").status != 404 {
					t.Error("a repeated DELETE did not answer 404")
				}
			}},
		{name: "trash names the cohort", as: "admin", method: "DELETE", path: "/api/v1/items/{item}", status: 204,
			after: func(t *testing.T, e *apiEnv) {
				cohort, err := e.scalar(`SELECT deleted_cohort FROM items WHERE id = ?`, e.ids["item"])
				if err != nil || cohort == "" {
					t.Fatalf("no cohort: %v", err)
				}
				if n := e.count(`SELECT count(*) FROM audit_events WHERE cohort = ? AND actor_id = ?`, cohort, e.users["admin"].ID); n != 1 {
					t.Errorf("%d trash events by the admin in the cohort, want 1", n)
				}
			}},
		{name: "trash other's", as: "other", method: "DELETE", path: "/api/v1/items/{item}", status: 404, unchanged: true},
		{name: "trash anonymous", method: "DELETE", path: "/api/v1/items/{item}", status: 401, unchanged: true},
		{name: "trash anonymous cross-site", method: "DELETE", path: "/api/v1/items/{item}", headers: []string{"Sec-Fetch-Site", "cross-site"},
			status: 403, unchanged: true},
		{name: "trash on loan", as: "owner", method: "DELETE", path: "/api/v1/items/{lent}", status: 409,
			want: []string{`"blockers":[{"type":"loan","id":{loan},"label":"Bob"}]`}, unchanged: true},
		{name: "trash stale If-Match", as: "owner", method: "DELETE", path: "/api/v1/items/{item}", headers: []string{"If-Match", `"9"`}, status: 412, unchanged: true},
		{name: "trash matching If-Match", as: "owner", method: "DELETE", path: "/api/v1/items/{item}", headers: []string{"If-Match", `"1"`}, status: 204},
		{name: "trash already trashed", as: "owner", method: "DELETE", path: "/api/v1/items/{trashed}", status: 404, unchanged: true},
		{name: "trash malformed id", as: "owner", method: "DELETE", path: "/api/v1/items/abc", status: 400, unchanged: true},

		{name: "impact", as: "owner", method: "GET", path: "/api/v1/items/{item}/impact", status: 200,
			want: []string{`"action":"trash"`, `"notes":2`, `"loans":1`, `"active_loans":0`, `"blockers":[]`}},
		{name: "impact blocked", as: "owner", method: "GET", path: "/api/v1/items/{lent}/impact", status: 200,
			want: []string{`"active_loans":1`, `"label":"Bob"`}, unchanged: true},
		{name: "impact other's", as: "other", method: "GET", path: "/api/v1/items/{item}/impact", status: 404},

		{name: "bulk", as: "owner", method: "POST", path: "/api/v1/items/bulk-delete",
			body: `{"ids":[{item},{lent},{trashed},{foreign},999999]}`, status: 200,
			want: []string{`"trashed":[{item}]`, `"not_found":[{trashed},{foreign},999999]`, `"blocked":[{"type":"loan","id":{loan},"label":"Bob","item_id":{lent}}]`},
			after: func(t *testing.T, e *apiEnv) {
				if !e.isTrashed("item") || e.isTrashed("lent") || e.isTrashed("foreign") {
					t.Error("bulk trashed the wrong items")
				}
			}},
		{name: "bulk that trashes nothing has a null cohort", as: "owner", method: "POST", path: "/api/v1/items/bulk-delete",
			body: `{"ids":[{lent},{trashed}]}`, status: 200, want: []string{`"trashed":[]`, `"cohort":null`}, unchanged: true},
		{name: "bulk with a reason", as: "owner", method: "POST", path: "/api/v1/items/bulk-delete",
			body: `{"ids":[{item}],"reason":"sold"}`, status: 200, want: []string{`"trashed":[{item}]`},
			after: func(t *testing.T, e *apiEnv) {
				if n := eventsWith(t, e.svc, "item.trash", `"reason":"sold"`, nil); n != 1 {
					t.Errorf("item.trash events with the reason: %d, want 1", n)
				}
			}},
		{name: "bulk with too long a reason", as: "owner", method: "POST", path: "/api/v1/items/bulk-delete",
			body: `{"ids":[{item}],"reason":"` + strings.Repeat("x", 1001) + `"}`, status: 422, unchanged: true},
		{name: "bulk empty", as: "owner", method: "POST", path: "/api/v1/items/bulk-delete", body: `{"ids":[]}`, status: 422, unchanged: true},
		{name: "bulk too many", as: "owner", method: "POST", path: "/api/v1/items/bulk-delete",
			body: `{"ids":[` + strings.TrimSuffix(strings.Repeat("1,", 1001), ",") + `]}`, status: 422, unchanged: true},
		{name: "bulk not ids", as: "owner", method: "POST", path: "/api/v1/items/bulk-delete", body: `{"ids":["a"]}`, status: 422, unchanged: true},
		{name: "bulk anonymous", method: "POST", path: "/api/v1/items/bulk-delete", body: `{"ids":[{item}]}`, status: 401, unchanged: true},
	})
}

// TestOpenAPIConventions holds every operation of the document to the API's
// conventions: a unique operationId; 400, 401, 403, 405 and 503 everywhere;
// 404 with an id; 413, 415 and 422 with a body; 429 and the RateLimit
// headers on each destructive route (read from routes.go, so a new one
// cannot be forgotten); Idempotency-Key, 409 and 422 on every POST; integer
// path ids from 1.
func TestOpenAPIConventions(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	destructive := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(\w+) (/api/\S+)", api\w*Destroy\(`).FindAllStringSubmatch(string(src), -1) {
		destructive[m[1]+" "+m[2]] = true
	}
	if len(destructive) < 5 {
		t.Fatalf("found %d destructive routes in routes.go", len(destructive))
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			} else if other, ok := ids[op.OperationID]; ok {
				t.Errorf("%s and %s share the operationId %s", name, other, op.OperationID)
			}
			ids[op.OperationID] = name
			need := []int{400, 401, 403, 405, 503}
			if strings.Contains(path, "{id}") {
				need = append(need, 404)
			}
			if op.RequestBody != nil {
				need = append(need, 413, 415, 422)
			}
			if destructive[name] {
				need = append(need, 429)
			}
			if method == http.MethodPost {
				need = append(need, 409, 422)
				if op.Parameters.GetByInAndName("header", "Idempotency-Key") == nil {
					t.Errorf("%s does not take Idempotency-Key", name)
				}
			}
			for _, code := range need {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s does not list %d", name, code)
				}
			}
			if destructive[name] {
				for code, res := range op.Responses.Map() {
					if strings.HasPrefix(code, "2") && (res.Value.Headers["RateLimit"] == nil || res.Value.Headers["RateLimit-Policy"] == nil) {
						t.Errorf("%s → %s does not document the RateLimit headers", name, code)
					}
				}
			}
			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, op.Parameters...)
			for _, p := range params {
				if p.Value.In == "path" && p.Value.Name == "id" {
					s := p.Value.Schema.Value
					if !s.Type.Is("integer") || s.Min == nil || *s.Min != 1 {
						t.Errorf("%s: path id is not an integer from 1", name)
					}
				}
			}
		}
	}
}

func TestOpenAPICoversEveryAPIRoute(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
	e := newAPIEnv(t)
	n := 0
	for _, p := range e.srv.patterns {
		method, path, _ := strings.Cut(p, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		n++
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %q is not in openapi.yaml", p)
		}
	}
	if n < 25 {
		t.Errorf("only %d API routes found", n)
	}
	res := e.req("", "GET", "/api/openapi.yaml", "")
	if res.status != 200 || !strings.Contains(string(res.body), "openapi: 3.0") {
		t.Errorf("GET /api/openapi.yaml: %d", res.status)
	}
}
