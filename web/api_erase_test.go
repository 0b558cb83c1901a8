package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestAPIEraseUser(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "erase", as: "admin", method: "POST", path: "/api/v1/users/{other_id}/erase",
			body: `{"confirm_email":"OTHER@example.com"}`, status: 204,
			after: func(t *testing.T, e *apiEnv) {
				id := e.users["other"].ID
				if n := e.count(`SELECT count(*) FROM users WHERE id = ?`, id) + e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, id) +
					e.count(`SELECT count(*) FROM api_tokens WHERE user_id = ?`, id) + e.count(`SELECT count(*) FROM subject_keys WHERE user_id = ?`, id); n != 0 {
					t.Errorf("rows of the erased user left: %d", n)
				}
				if n := e.auditCount("user.erase"); n != 1 {
					t.Errorf("user.erase events: %d, want 1", n)
				}
				if res := e.raw("other", "GET", "/api/v1/items", ""); res.status != http.StatusUnauthorized {
					t.Errorf("the erased user's token: status %d, want 401", res.status)
				}
				wantErasedEvents(t, e, "/api/v1/audit?action=item.trash", id)
			}},
		{name: "wrong email", as: "admin", method: "POST", path: "/api/v1/users/{other_id}/erase",
			body: `{"confirm_email":"owner@example.com"}`, status: 422, want: []string{`"confirm_email"`}, unchanged: true},
		{name: "missing user", as: "admin", method: "POST", path: "/api/v1/users/999999/erase",
			body: `{"confirm_email":"x@example.com"}`, status: 404, unchanged: true},
		{name: "oneself", as: "admin", method: "POST", path: "/api/v1/users/{admin_id}/erase",
			body: `{"confirm_email":"admin@example.com"}`, status: 409, want: []string{`"code":"own_account"`}, unchanged: true},
		{name: "member", as: "owner", method: "POST", path: "/api/v1/users/{other_id}/erase",
			body: `{"confirm_email":"other@example.com"}`, status: 403, unchanged: true},
		{name: "no body", as: "admin", method: "POST", path: "/api/v1/users/{other_id}/erase", status: 415, unchanged: true},
		{name: "empty JSON", as: "admin", method: "POST", path: "/api/v1/users/{other_id}/erase", body: `{}`, status: 422, unchanged: true},
	})
}

// TestAPIEraseHeldUser: a hold on one of their items refuses the erasure
// with the hold as blocker, and nothing changes.
func TestAPIEraseHeldUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		if res := e.req("admin", "POST", "/api/v1/holds", `{"item_id":{foreign},"reason":"Case 8"}`); res.status != 201 {
			t.Fatalf("hold: %d %s", res.status, res.body)
		}
		before := e.snapshot()
		res := e.req("admin", "POST", "/api/v1/users/{other_id}/erase", `{"confirm_email":"other@example.com"}`)
		if res.status != 409 || !strings.Contains(string(res.body), `"code":"held"`) || !strings.Contains(string(res.body), `"type":"hold"`) ||
			!strings.Contains(string(res.body), `"label":"Case 8"`) {
			t.Errorf("erase a held user: %d %s", res.status, res.body)
		}
		if e.snapshot() != before {
			t.Errorf("a refused erasure changed the database")
		}
	})
}

// TestHTMLEraseUser: the admin's confirmation asks for the email typed; a
// wrong one is 422 with the page again, the right one erases and says so
// by id only.
func TestHTMLEraseUser(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		e.newItem("bob", "Bob's drill")
		admin := e.login("admin")
		id := strconv.FormatInt(e.users["bob"].ID, 10)
		wantPage(t, "users page", admin.get("/admin/users"), http.StatusOK, `href="/admin/users/`+id+`/erase"`)
		wantPage(t, "erase page", admin.get("/admin/users/"+id+"/erase"), http.StatusOK, "Type their email", "bob@example.com", "1 live item")
		p := admin.post("/admin/users/"+id+"/erase", url.Values{"confirm_email": {"ann@example.com"}})
		wantPage(t, "erase with the wrong email", p, http.StatusUnprocessableEntity, `id="confirm-error"`)
		if e.count(`SELECT count(*) FROM users WHERE id = ?`, e.users["bob"].ID) != 1 {
			t.Fatal("a refused erasure removed the user")
		}
		p = admin.post("/admin/users/"+id+"/erase", url.Values{"confirm_email": {"bob@example.com"}})
		if p.status != http.StatusSeeOther || p.location != "/admin/users" {
			t.Fatalf("erase: %d → %q\n%s", p.status, p.location, p.body)
		}
		page := admin.get("/admin/users")
		wantPage(t, "users after the erasure", page, http.StatusOK, "Erased user #"+id)
		wantLacks(t, "users after the erasure", page, "bob@example.com", "Bob's drill")
		if e.count(`SELECT count(*) FROM users WHERE id = ?`, e.users["bob"].ID) != 0 {
			t.Error("the erased user is still there")
		}
		ann := e.login("ann")
		wantPage(t, "a member's erase page", ann.get("/admin/users/"+id+"/erase"), http.StatusForbidden)
	})
}

// wantErasedEvents fails unless the audit events at path (an admin's read
// of the API) include some about user id, each with its summary and
// snapshot read as "[erased]".
func wantErasedEvents(t *testing.T, e *apiEnv, path string, id int64) {
	t.Helper()
	res := e.req("admin", "GET", path, "")
	if res.status != 200 {
		t.Fatalf("GET %s: %d", path, res.status)
	}
	var page struct {
		Events []struct {
			OwnerID *int64          `json:"owner_id"`
			Summary string          `json:"summary"`
			Snap    json.RawMessage `json:"snapshot"`
		}
	}
	res.json(t, &page)
	seen := 0
	for _, ev := range page.Events {
		if ev.OwnerID != nil && *ev.OwnerID == id {
			seen++
			if ev.Summary != "[erased]" || string(ev.Snap) != `"[erased]"` {
				t.Errorf("an event about the erased user: want [erased], got %q %s", ev.Summary, ev.Snap)
			}
		}
	}
	if seen == 0 {
		t.Errorf("GET %s: no event about the erased user to check", path)
	}
}
