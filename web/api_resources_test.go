package web

import (
	"net/http"
	"testing"
)

// API scenarios of notes, loans, categories, users and tokens, and of how
// a session and the rate limit guard them.

func TestAPINotesLoansCategories(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "notes list", as: "owner", method: "GET", path: "/api/v1/items/{item}/notes", status: 200, want: []string{`"first note"`, `"second note"`}},
		{name: "notes list other's", as: "other", method: "GET", path: "/api/v1/items/{item}/notes", status: 404},
		{name: "note add", as: "owner", method: "POST", path: "/api/v1/items/{item}/notes", body: `{"body":"third"}`, status: 201, want: []string{`"body":"third"`}},
		{name: "note add empty", as: "owner", method: "POST", path: "/api/v1/items/{item}/notes", body: `{"body":"  "}`, status: 422, unchanged: true},
		{name: "note add on other's", as: "other", method: "POST", path: "/api/v1/items/{item}/notes", body: `{"body":"x"}`, status: 404, unchanged: true},
		{name: "note delete", as: "owner", method: "DELETE", path: "/api/v1/notes/{note}", status: 204,
			after: func(t *testing.T, e *apiEnv) {
				if e.count(`SELECT count(*) FROM notes WHERE id = ?`, e.ids["note"]) != 0 || e.auditCount("note.delete") != 1 {
					t.Error("note not deleted or not audited")
				}
			}},
		{name: "note delete other's", as: "other", method: "DELETE", path: "/api/v1/notes/{note}", status: 404, unchanged: true},
		{name: "note delete admin", as: "admin", method: "DELETE", path: "/api/v1/notes/{foreign_note}", status: 204},

		{name: "lend", as: "owner", method: "POST", path: "/api/v1/items/{item}/loans", body: `{"borrower":"Dan","due_at":"2099-01-01"}`, status: 201,
			want: []string{`"borrower":"Dan"`, `"returned_at":null`}},
		{name: "lend no borrower", as: "owner", method: "POST", path: "/api/v1/items/{item}/loans", body: `{"borrower":""}`, status: 422, unchanged: true},
		{name: "lend bad due", as: "owner", method: "POST", path: "/api/v1/items/{item}/loans", body: `{"borrower":"D","due_at":"soon"}`, status: 422, unchanged: true},
		{name: "lend beyond the quantity", as: "owner", method: "POST", path: "/api/v1/items/{lent}/loans", body: `{"borrower":"Eve"}`, status: 422,
			want: []string{`"code":"invalid_fields"`, `"quantity":"Its one copy is already on loan; mark it returned before lending it again."`}, unchanged: true},
		{name: "lend beyond the quantity as admin", as: "admin", method: "POST", path: "/api/v1/items/{lent}/loans", body: `{"borrower":"Eve"}`, status: 422, unchanged: true},
		{name: "quantity below the loans", as: "owner", method: "PATCH", path: "/api/v1/items/{lent}", body: `{"quantity":0}`, status: 422,
			want: []string{`"quantity":"1 copy is on loan, so the quantity cannot be less than 1 until it comes back."`}, unchanged: true},
		{name: "lend other's", as: "other", method: "POST", path: "/api/v1/items/{item}/loans", body: `{"borrower":"D"}`, status: 404, unchanged: true},
		{name: "loans list", as: "owner", method: "GET", path: "/api/v1/items/{lent}/loans", status: 200, want: []string{`"Bob"`}},
		{name: "return", as: "owner", method: "POST", path: "/api/v1/loans/{loan}/return", status: 200, want: []string{`"returned_at":"`},
			after: func(t *testing.T, e *apiEnv) {
				if e.req("owner", "POST", "/api/v1/loans/{loan}/return", "").status != 409 {
					t.Error("returning twice is not a conflict")
				}
				if e.req("owner", "DELETE", "/api/v1/items/{lent}", "").status != 204 {
					t.Error("a returned loan still blocks the delete")
				}
			}},
		{name: "return other's", as: "other", method: "POST", path: "/api/v1/loans/{loan}/return", status: 404, unchanged: true},

		{name: "categories", as: "owner", method: "GET", path: "/api/v1/categories", status: 200, want: []string{`"name":"Tools"`}},
		{name: "category create", as: "owner", method: "POST", path: "/api/v1/categories", body: `{"name":"Books"}`, status: 201},
		{name: "category duplicate", as: "owner", method: "POST", path: "/api/v1/categories", body: `{"name":"tools"}`, status: 409, unchanged: true},
		{name: "category impact", as: "owner", method: "GET", path: "/api/v1/categories/{cat}/impact", status: 200, want: []string{`"items":1`}},
		{name: "category delete", as: "owner", method: "DELETE", path: "/api/v1/categories/{cat}", status: 204,
			after: func(t *testing.T, e *apiEnv) {
				if e.count(`SELECT count(*) FROM items WHERE category_id IS NOT NULL`) != 0 || !e.exists("item") {
					t.Error("items not uncategorised, or deleted")
				}
				if e.auditCount("category.delete") != 1 {
					t.Error("no audit event")
				}
			}},
		{name: "category delete other's", as: "other", method: "DELETE", path: "/api/v1/categories/{cat}", status: 404, unchanged: true},
	})
}

func TestAPIAdminAndTokens(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "audit admin", as: "admin", method: "GET", path: "/api/v1/audit?action=item.trash", status: 200, want: []string{`"action":"item.trash"`, `"hash":"`}},
		{name: "audit member", as: "owner", method: "GET", path: "/api/v1/audit", status: 403},
		{name: "audit bad filter", as: "admin", method: "GET", path: "/api/v1/audit?actor=x", status: 400},
		{name: "users admin", as: "admin", method: "GET", path: "/api/v1/users", status: 200, want: []string{`"owner@example.com"`}},
		{name: "users member", as: "owner", method: "GET", path: "/api/v1/users", status: 403},
		{name: "delete user owning items", as: "admin", method: "DELETE", path: "/api/v1/users/{owner_id}", status: 409, want: []string{`"blockers"`}, unchanged: true},
		{name: "delete user as member", as: "other", method: "DELETE", path: "/api/v1/users/{owner_id}", status: 403, unchanged: true},
		{name: "delete missing user", as: "admin", method: "DELETE", path: "/api/v1/users/999999", status: 404, unchanged: true},
		{name: "transfer then delete", as: "admin", method: "POST", path: "/api/v1/users/{other_id}/transfer", body: `{"to":{admin_id}}`, status: 200,
			want: []string{`"transferred":2`},
			after: func(t *testing.T, e *apiEnv) {
				if e.req("admin", "DELETE", "/api/v1/users/{other_id}", "").status != 204 {
					t.Fatal("delete after transfer failed")
				}
				if e.req("other", "GET", "/api/v1/items", "").status != 401 {
					t.Error("a deleted user's token still works")
				}
				if e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, e.users["admin"].ID) != 2 {
					t.Error("items did not move, trashed ones included")
				}
			}},
		{name: "transfer to nobody", as: "admin", method: "POST", path: "/api/v1/users/{other_id}/transfer", body: `{}`, status: 422,
			want: []string{`"to":"Choose who receives the items."`}, unchanged: true},
		{name: "transfer as member", as: "owner", method: "POST", path: "/api/v1/users/{other_id}/transfer", body: `{"to":{owner_id}}`, status: 403, unchanged: true},
		{name: "tokens list", as: "owner", method: "GET", path: "/api/v1/tokens", status: 200, want: []string{`"name":"tests"`}},
		{name: "token create with a token", as: "owner", method: "POST", path: "/api/v1/tokens", body: `{"name":"ci"}`, status: 403,
			want: []string{`"code":"session_required"`}, unchanged: true},
		{name: "token delete other's", as: "other", method: "DELETE", path: "/api/v1/tokens/{owner_token}", status: 404, unchanged: true},
		{name: "token delete own", as: "owner", method: "DELETE", path: "/api/v1/tokens/{owner_token}", status: 204,
			after: func(t *testing.T, e *apiEnv) {
				if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'token.delete' AND entity_id = ? AND actor_id = ?`,
					e.ids["owner_token"], e.users["owner"].ID); n != 1 {
					t.Errorf("token.delete events naming the owner: %d, want 1", n)
				}
				if res := e.req("owner", "GET", "/api/v1/items", ""); res.status != http.StatusUnauthorized {
					t.Errorf("the revoked token: want 401, got %d", res.status)
				}
			}},
	})
}

func TestAPISessionNeedsCSRF(t *testing.T) {
	e := newAPIEnv(t)
	c, token := e.sessionClient("owner")
	before := e.snapshot()
	do := func(headers ...string) int {
		req, _ := http.NewRequest("DELETE", e.ts.URL+e.expand("/api/v1/items/{item}"), nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := do(); got != 403 {
		t.Errorf("no CSRF header: %d, want 403", got)
	}
	if got := do("X-CSRF-Token", "wrong"); got != 403 {
		t.Errorf("wrong CSRF header: %d, want 403", got)
	}
	if got := do("X-CSRF-Token", token, "Sec-Fetch-Site", "cross-site"); got != 403 {
		t.Errorf("cross-site: %d, want 403", got)
	}
	if got := do("X-CSRF-Token", token, "Origin", "https://evil.example"); got != 403 {
		t.Errorf("foreign origin: %d, want 403", got)
	}
	if after := e.snapshot(); after != before {
		t.Fatalf("refused requests changed the database")
	}
	if got := do("X-CSRF-Token", token, "Sec-Fetch-Site", "same-origin"); got != 204 {
		t.Errorf("with the token: %d, want 204", got)
	}
	if !e.isTrashed("item") {
		t.Error("item not trashed")
	}
}

func TestAPIRateLimit(t *testing.T) {
	e := newAPIEnv(t, func(c *Config) { c.RateLimit = 1 })
	statuses := map[int]int{}
	var retry string
	for i := 0; i < 4; i++ {
		res := e.req("owner", "DELETE", "/api/v1/items/999999", "")
		statuses[res.status]++
		if res.status == 429 {
			retry = res.header.Get("Retry-After")
		}
	}
	if statuses[429] == 0 || retry == "" {
		t.Fatalf("no 429 with Retry-After after a burst: %v", statuses)
	}
	// another user's budget is their own
	if res := e.req("other", "DELETE", "/api/v1/items/999999", ""); res.status != 404 {
		t.Errorf("other user limited too: %d", res.status)
	}
}
