package web

import (
	"strings"
	"testing"
)

func TestAPIHolds(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "place on an item", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `{"item_id":{trashed},"reason":"Case 17"}`, status: 201,
			want: []string{`"item_id":{trashed}`, `"user_id":null`, `"reason":"Case 17"`, `"placed_by":{admin_id}`},
			after: func(t *testing.T, e *apiEnv) {
				if n := e.count(`SELECT count(*) FROM holds WHERE item_id = ?`, e.ids["trashed"]); n != 1 {
					t.Errorf("hold rows on the item: want 1, got %d", n)
				}
				if n := e.auditCount("hold.place"); n != 1 {
					t.Errorf("hold.place events: want 1, got %d", n)
				}
			}},
		{name: "place on a user", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `{"user_id":{owner_id},"reason":"Audit"}`, status: 201, want: []string{`"user_id":{owner_id}`, `"item_id":null`}},
		{name: "member may not", as: "owner", method: "POST", path: "/api/v1/holds",
			body: `{"item_id":{item},"reason":"mine"}`, status: 403, unchanged: true},
		{name: "no target", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `{"reason":"why"}`, status: 422, want: []string{`"user_id"`}, unchanged: true},
		{name: "both targets", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `{"user_id":{owner_id},"item_id":{item},"reason":"why"}`, status: 422, unchanged: true},
		{name: "no reason", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `{"item_id":{item},"reason":""}`, status: 422, want: []string{`"reason"`}, unchanged: true},
		{name: "missing item", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `{"item_id":999999,"reason":"why"}`, status: 422, want: []string{`"item_id"`}, unchanged: true},
		{name: "unknown field", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `{"item_id":{item},"reason":"why","until":"never"}`, status: 422, unchanged: true},
		{name: "not JSON", as: "admin", method: "POST", path: "/api/v1/holds",
			body: `item_id=1`, headers: []string{"Content-Type", "text/plain"}, status: 415, unchanged: true},
		{name: "list empty", as: "admin", method: "GET", path: "/api/v1/holds", status: 200, want: []string{`{"holds":[]}`}},
		{name: "list as member", as: "owner", method: "GET", path: "/api/v1/holds", status: 403},
		{name: "get missing", as: "admin", method: "GET", path: "/api/v1/holds/999", status: 404},
		{name: "release missing", as: "admin", method: "DELETE", path: "/api/v1/holds/999", status: 404, unchanged: true},
		{name: "release malformed", as: "admin", method: "DELETE", path: "/api/v1/holds/x", status: 400, unchanged: true},
	})
}

// TestAPIHoldKeepsItems: a hold turns delete forever into 409 with a hold
// blocker, leaves held items in an emptied Trash under blocked, and after
// its release both work again.
func TestAPIHoldKeepsItems(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		res := e.req("admin", "POST", "/api/v1/holds", `{"item_id":{trashed},"reason":"Case 17"}`)
		if res.status != 201 {
			t.Fatalf("place hold: status %d, body %s", res.status, res.body)
		}
		var h struct{ ID int64 }
		res.json(t, &h)
		e.ids["hold"] = h.ID
		if loc := res.header.Get("Location"); loc != e.expand("/api/v1/holds/{hold}") {
			t.Errorf("Location %q", loc)
		}
		if got := e.req("admin", "GET", "/api/v1/holds/{hold}", ""); got.status != 200 || !strings.Contains(string(got.body), `"reason":"Case 17"`) {
			t.Errorf("GET the hold: %d %s", got.status, got.body)
		}
		if got := e.req("admin", "GET", "/api/v1/trash/{trashed}/impact", ""); !strings.Contains(string(got.body), e.expand(`"blockers":[{"type":"hold","id":{hold},"label":"Case 17"}]`)) {
			t.Errorf("purge impact of the held item: %s", got.body)
		}

		before := e.snapshot()
		got := e.req("owner", "DELETE", "/api/v1/trash/{trashed}", "")
		if got.status != 409 || !strings.Contains(string(got.body), `"code":"held"`) ||
			!strings.Contains(string(got.body), e.expand(`"blockers":[{"type":"hold","id":{hold},"label":"Case 17"}]`)) {
			t.Errorf("delete forever a held item: want 409 held with the hold as blocker, got %d %s", got.status, got.body)
		}
		if e.snapshot() != before {
			t.Errorf("a refused delete forever changed the database")
		}
		got = e.req("owner", "DELETE", "/api/v1/trash", "")
		if got.status != 200 || !strings.Contains(string(got.body), e.expand(`"purged":0,"blocked":[{"type":"hold","id":{hold},"label":"Case 17","item_id":{trashed}}]`)) {
			t.Errorf("empty a Trash with a held item: got %d %s", got.status, got.body)
		}
		if !e.isTrashed("trashed") {
			t.Fatalf("the held item left the Trash")
		}

		if got := e.req("owner", "DELETE", "/api/v1/holds/{hold}", ""); got.status != 403 {
			t.Errorf("a member releases a hold: status %d", got.status)
		}
		if got := e.req("admin", "DELETE", "/api/v1/holds/{hold}", ""); got.status != 204 {
			t.Fatalf("release: status %d %s", got.status, got.body)
		}
		if n := e.auditCount("hold.release"); n != 1 {
			t.Errorf("hold.release events: want 1, got %d", n)
		}
		if got := e.req("admin", "GET", "/api/v1/holds/{hold}", ""); got.status != 404 {
			t.Errorf("GET a released hold: status %d", got.status)
		}
		got = e.req("owner", "DELETE", "/api/v1/trash", "")
		if got.status != 200 || !strings.Contains(string(got.body), `"purged":1,"blocked":[]`) || e.exists("trashed") {
			t.Errorf("empty the Trash after release: got %d %s", got.status, got.body)
		}
	})
}
