package web

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// apiSessionReq sends an API request with a logged-in session's client and
// CSRF token, and checks the response against the OpenAPI document.
func (e *apiEnv) apiSessionReq(c *http.Client, csrf, method, path, body string) response {
	e.t.Helper()
	req, body := e.newRequest("", method, path, body, "X-CSRF-Token", csrf)
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	resp := response{status: res.StatusCode, header: res.Header, body: b}
	validateAgainstOpenAPI(e.t, req, body, resp)
	return resp
}

// TestAPILocationsAnswerGET follows the Location of everything the API
// creates, and of a trashed item, with a GET; on both engines.
func TestAPILocationsAnswerGET(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		follow := func(what string, res response, want ...string) {
			t.Helper()
			if res.status != http.StatusCreated {
				t.Fatalf("%s: status %d, want 201; body %s", what, res.status, res.body)
			}
			loc := res.header.Get("Location")
			got := e.req("owner", "GET", loc, "")
			if got.status != http.StatusOK {
				t.Fatalf("%s: GET %s → %d, want 200; body %s", what, loc, got.status, got.body)
			}
			for _, w := range want {
				if !strings.Contains(string(got.body), e.expand(w)) {
					t.Errorf("%s: GET %s → %s, want %s", what, loc, got.body, e.expand(w))
				}
			}
			if other := e.req("other", "GET", loc, ""); other.status != http.StatusNotFound {
				t.Errorf("%s: another member's GET %s → %d, want 404", what, loc, other.status)
			}
		}
		saw := e.req("owner", "POST", "/api/v1/items", `{"name":"Saw"}`)
		follow("item", saw, `"name":"Saw"`)
		var created struct{ ID int64 }
		saw.json(t, &created)
		e.ids["saw"] = created.ID
		follow("note", e.req("owner", "POST", "/api/v1/items/{item}/notes", `{"body":"oiled"}`), `"body":"oiled"`, `"item_id":{item}`)
		follow("loan", e.req("owner", "POST", "/api/v1/items/{saw}/loans", `{"borrower":"Dora"}`), `"borrower":"Dora"`, `"returned_at":null`)
		follow("category", e.req("owner", "POST", "/api/v1/categories", `{"name":"Garden"}`), `"name":"Garden"`)

		c, csrf := e.sessionClient("owner")
		tok := e.apiSessionReq(c, csrf, "POST", "/api/v1/tokens", `{"name":"laptop"}`)
		follow("token", tok, `"name":"laptop"`, `"last_used_at":null`)
		if got := e.req("owner", "GET", tok.header.Get("Location"), ""); strings.Contains(string(got.body), "shelf_") ||
			strings.Contains(string(got.body), `"token"`) {
			t.Errorf("GET of a token shows its secret: %s", got.body)
		}

		// A trashed item's Location is in the Trash, with its cohort.
		del := e.req("owner", "DELETE", "/api/v1/items/{item}", "")
		cohort := del.header.Get("X-Shelf-Cohort")
		got := e.req("owner", "GET", "/api/v1/trash/{item}", "")
		if got.status != http.StatusOK || !strings.Contains(string(got.body), `"cohort":"`+cohort+`"`) || !strings.Contains(string(got.body), `"name":"Drill"`) {
			t.Errorf("GET /api/v1/trash/{item} → %d %s, want 200 with cohort %s", got.status, got.body, cohort)
		}
		for _, p := range []string{"/api/v1/trash/{foreign_trashed}", "/api/v1/trash/{lent}", "/api/v1/trash/999999"} {
			if got := e.req("owner", "GET", p, ""); got.status != http.StatusNotFound {
				t.Errorf("GET %s → %d, want 404 (another's, live, missing)", p, got.status)
			}
		}
		// A note of a trashed item, like the item, is not found.
		if got := e.req("owner", "GET", "/api/v1/notes/{note}", ""); got.status != http.StatusNotFound {
			t.Errorf("GET a note of a trashed item → %d, want 404", got.status)
		}
	})
}

// TestAPITokensComeFromSessions holds that a token cannot make tokens: a
// leaked token, once revoked, leaves nothing behind.
func TestAPITokensComeFromSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		before := e.snapshot()
		res := e.req("owner", "POST", "/api/v1/tokens", `{"name":"minted"}`)
		if res.status != http.StatusForbidden || !strings.Contains(string(res.body), `"code":"session_required"`) {
			t.Fatalf("token-made token: %d %s, want 403 session_required", res.status, res.body)
		}
		if e.snapshot() != before {
			t.Fatal("a refused token creation changed the database")
		}
		c, csrf := e.sessionClient("owner")
		res = e.apiSessionReq(c, csrf, "POST", "/api/v1/tokens", `{"name":"minted"}`)
		if res.status != http.StatusCreated || !strings.Contains(string(res.body), `"token":"shelf_`) {
			t.Fatalf("session-made token: %d %s, want 201 with the secret", res.status, res.body)
		}
		if e.count(`SELECT count(*) FROM api_tokens WHERE name = 'minted'`) != 1 {
			t.Error("no token row")
		}
		if e.count(`SELECT count(*) FROM api_tokens WHERE secret_hash LIKE 'shelf_%'`) != 0 {
			t.Error("a secret is stored in clear")
		}
	})
}

// TestAPIAllIsForAdmins: a member's ?all=1 on any list is 403, an admin's
// lists everyone's.
func TestAPIAllIsForAdmins(t *testing.T) {
	var scenarios []apiScenario
	for _, list := range []string{"/api/v1/items", "/api/v1/trash", "/api/v1/categories", "/api/v1/tokens",
		"/api/v1/items/{item}/notes", "/api/v1/items/{item}/loans"} {
		scenarios = append(scenarios,
			apiScenario{name: "member " + list, as: "owner", method: "GET", path: list + "?all=1", status: 403, want: []string{`"code":"forbidden"`}},
			apiScenario{name: "member true " + list, as: "owner", method: "GET", path: list + "?all=true", status: 403},
			apiScenario{name: "member false " + list, as: "owner", method: "GET", path: list + "?all=0", status: 200},
			apiScenario{name: "bad value " + list, as: "owner", method: "GET", path: list + "?all=yes", status: 400},
			apiScenario{name: "admin " + list, as: "admin", method: "GET", path: list + "?all=1", status: 200})
	}
	scenarios = append(scenarios,
		apiScenario{name: "admin sees everyone's items", as: "admin", method: "GET", path: "/api/v1/items?all=1", status: 200,
			want: []string{`"Drill"`, `"Foreign thing"`}},
		apiScenario{name: "admin sees everyone's Trash", as: "admin", method: "GET", path: "/api/v1/trash?all=1", status: 200,
			want: []string{`"Old charger"`, `"Foreign trashed"`}})
	runAPIScenarios(t, scenarios)
}

// TestAPITrashByCohort: the Trash names each item's cohort and lists one
// delete request with ?cohort=, so a client can undo a bulk delete from the
// Trash alone.
func TestAPITrashByCohort(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		saw := e.req("owner", "POST", "/api/v1/items", `{"name":"Saw"}`)
		var item struct{ ID int64 }
		saw.json(t, &item)
		e.ids["saw"] = item.ID
		var bulk struct{ Cohort string }
		e.req("owner", "POST", "/api/v1/items/bulk-delete", `{"ids":[{item},{saw}]}`).json(t, &bulk)

		var page struct {
			Items []struct {
				ID     int64
				Cohort *string
			}
		}
		e.req("owner", "GET", "/api/v1/trash", "").json(t, &page)
		if len(page.Items) != 3 {
			t.Fatalf("Trash lists %d items, want 3", len(page.Items))
		}
		for _, it := range page.Items {
			if it.Cohort == nil || *it.Cohort == "" {
				t.Errorf("item %d has no cohort in the Trash", it.ID)
			}
		}
		res := e.req("owner", "GET", "/api/v1/trash?cohort="+bulk.Cohort, "")
		page.Items = nil
		res.json(t, &page)
		if len(page.Items) != 2 || page.Items[0].ID != e.ids["saw"] || page.Items[1].ID != e.ids["item"] {
			t.Fatalf("?cohort= lists %s, want the two items of the bulk delete", res.body)
		}
		for _, p := range []string{"/api/v1/trash?cohort=nothing", "/api/v1/trash?cohort=" + bulk.Cohort + "&q=zzz"} {
			if res := e.req("owner", "GET", p, ""); res.status != 200 || !strings.Contains(string(res.body), `{"items":[],"next":null}`) {
				t.Errorf("GET %s → %d %s, want an empty page", p, res.status, res.body)
			}
		}
		if res := e.req("other", "GET", "/api/v1/trash?cohort="+bulk.Cohort, ""); !strings.Contains(string(res.body), `"items":[]`) {
			t.Errorf("another member sees the cohort: %s", res.body)
		}
		// Undo from what the Trash said.
		if res := e.req("owner", "POST", "/api/v1/trash/restore", `{"cohort":"`+*firstCohort(t, e)+`"}`); res.status != 200 {
			t.Fatalf("restore the cohort: %d %s", res.status, res.body)
		}
		if e.isTrashed("item") || e.isTrashed("saw") || !e.isTrashed("trashed") {
			t.Error("the undo did not bring back exactly the bulk delete")
		}
	})
}

// firstCohort is the cohort of the most recently trashed item in the owner's Trash.
func firstCohort(t *testing.T, e *apiEnv) *string {
	var page struct{ Items []struct{ Cohort *string } }
	e.req("owner", "GET", "/api/v1/trash?limit=1", "").json(t, &page)
	if len(page.Items) == 0 || page.Items[0].Cohort == nil {
		t.Fatal("no cohort in the Trash")
	}
	return page.Items[0].Cohort
}

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// TestAPILinkNext follows Link: rel="next" through the items, the Trash and
// the audit log, and finds none on the last page.
func TestAPILinkNext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		for _, c := range []struct{ who, path string }{
			{"owner", "/api/v1/items?limit=1&q=%20"}, // "q= " is trimmed: every item
			{"admin", "/api/v1/trash?limit=1&all=1"},
			{"admin", "/api/v1/audit?limit=1"},
		} {
			url, pages, seen := e.ts.URL+c.path, 0, map[string]bool{}
			for url != "" {
				pages++
				if pages > 50 {
					t.Fatalf("%s: more than 50 pages", c.path)
				}
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+e.tokens[c.who])
				res := e.send(req, "")
				if res.status != 200 {
					t.Fatalf("GET %s → %d", url, res.status)
				}
				if seen[string(res.body)] {
					t.Fatalf("GET %s repeats a page", url)
				}
				seen[string(res.body)] = true
				var page struct{ Next *string }
				res.json(t, &page)
				link := res.header.Get("Link")
				m := nextLink.FindStringSubmatch(link)
				switch {
				case page.Next == nil && link != "":
					t.Errorf("%s: Link %q on the last page", url, link)
				case page.Next != nil && m == nil:
					t.Fatalf("%s: next %q but Link %q", url, *page.Next, link)
				}
				url = ""
				if m != nil {
					url = m[1]
					if !strings.HasPrefix(url, e.ts.URL+"/api/v1/") || !strings.Contains(url, "limit=") {
						t.Errorf("Link %q: want an absolute URL keeping the query", url)
					}
				}
			}
			if pages < 2 {
				t.Errorf("%s: %d page, want several", c.path, pages)
			}
		}
	})
}

// TestAPIRateLimitHeaders: destructive routes state their limit in the
// structured-field RateLimit headers, next to 429's Retry-After.
func TestAPIRateLimitHeaders(t *testing.T) {
	e := newAPIEnv(t, func(c *Config) { c.RateLimit = 2 })
	res := e.req("owner", "DELETE", "/api/v1/items/999999", "")
	if got := res.header.Get("RateLimit-Policy"); got != `"default";q=2;w=1` {
		t.Errorf("RateLimit-Policy %q, want \"default\";q=2;w=1", got)
	}
	if got := res.header.Get("RateLimit"); got != `"default";r=2;t=0` {
		t.Errorf("RateLimit %q after one of a burst of four, want \"default\";r=2;t=0", got)
	}
	var last response
	for i := 0; i < 5; i++ {
		last = e.req("owner", "DELETE", "/api/v1/items/999999", "")
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("after a burst: %d, want 429", last.status)
	}
	if got := last.header.Get("RateLimit"); !regexp.MustCompile(`^"default";r=0;t=[1-9]\d*$`).MatchString(got) ||
		last.header.Get("Retry-After") == "" || !strings.HasSuffix(got, "t="+last.header.Get("Retry-After")) {
		t.Errorf("429: RateLimit %q, Retry-After %q; want r=0 and t equal to Retry-After", got, last.header.Get("Retry-After"))
	}
	if res := e.req("owner", "GET", "/api/v1/items", ""); res.header.Get("RateLimit") != "" {
		t.Errorf("a read carries RateLimit %q", res.header.Get("RateLimit"))
	}
}

// TestAPINullNotEmpty: absent values are null, never "".
func TestAPINullNotEmpty(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		if res := e.req("owner", "DELETE", "/api/v1/categories/{cat}", ""); res.status != http.StatusNoContent {
			t.Fatalf("delete a category: %d", res.status)
		}
		if res := e.req("owner", "DELETE", "/api/v1/tokens/{owner_token}", ""); res.status != http.StatusNoContent {
			t.Fatalf("revoke a token: %d", res.status)
		}
		for _, action := range []string{"token.delete", "category.delete"} {
			res := e.req("admin", "GET", "/api/v1/audit?action="+action, "")
			if !strings.Contains(string(res.body), `"cohort":null`) || strings.Contains(string(res.body), `""`) {
				t.Errorf("%s: %s, want a null cohort and no empty string", action, res.body)
			}
		}
	})
}
