package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service"
)

// API scenarios of the Trash: listing, restore, undo by cohort, purge.

func TestAPITrash(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "list", as: "owner", method: "GET", path: "/api/v1/trash", status: 200, want: []string{`"Old charger"`, `"deleted_at"`, `"deleted_by"`}},
		{name: "list by category", as: "owner", method: "GET", path: "/api/v1/trash?category={cat}", status: 200, want: []string{`{"items":[],"next":null}`}},
		{name: "list hides others'", as: "other", method: "GET", path: "/api/v1/trash", status: 200,
			after: func(t *testing.T, e *apiEnv) {
				if strings.Contains(string(e.req("other", "GET", "/api/v1/trash", "").body), "Old charger") {
					t.Error("other sees the owner's Trash")
				}
			}},
		{name: "restore", as: "owner", method: "POST", path: "/api/v1/trash/{trashed}/restore", status: 200, want: []string{`"Old charger"`},
			after: func(t *testing.T, e *apiEnv) {
				if e.isTrashed("trashed") || e.auditCount("item.restore") != 1 {
					t.Error("not restored, or no audit event")
				}
			}},
		{name: "restore under a new name", as: "owner", method: "POST", path: "/api/v1/trash/{trashed}/restore", body: `{"name":"Charger"}`, status: 200,
			want: []string{`"name":"Charger"`}},
		{name: "restore a live item", as: "owner", method: "POST", path: "/api/v1/trash/{item}/restore", status: 404, unchanged: true},
		{name: "restore other's", as: "other", method: "POST", path: "/api/v1/trash/{trashed}/restore", status: 404, unchanged: true},
		{name: "restore admin", as: "admin", method: "POST", path: "/api/v1/trash/{trashed}/restore", status: 200},
		{name: "restore bad body", as: "owner", method: "POST", path: "/api/v1/trash/{trashed}/restore", body: `nope`, status: 400, unchanged: true},

		{name: "purge", as: "owner", method: "DELETE", path: "/api/v1/trash/{trashed}", status: 204,
			after: func(t *testing.T, e *apiEnv) {
				if e.exists("trashed") || e.count(`SELECT count(*) FROM notes WHERE item_id = ?`, e.ids["trashed"]) != 0 {
					t.Error("item or its notes survived the purge")
				}
				snap, err := eventSnapshot(t, e.svc, "item.purge", e.ids["trashed"]), error(nil)
				if err != nil {
					t.Fatalf("no purge event: %v", err)
				}
				if !strings.Contains(snap, `"broken"`) || !strings.Contains(snap, `"Old charger"`) {
					t.Errorf("snapshot lacks the before-image: %s", snap)
				}
			}},
		{name: "purge with a reason", as: "owner", method: "DELETE", path: "/api/v1/trash/{trashed}", body: `{"reason":"broken beyond repair","confirm_name":"Old charger"}`, status: 204,
			after: func(t *testing.T, e *apiEnv) {
				snap, err := eventSnapshot(t, e.svc, "item.purge", e.ids["trashed"]), error(nil)
				if err != nil || !strings.Contains(snap, "broken beyond repair") {
					t.Errorf("audit snapshot lacks the reason: %s (%v)", snap, err)
				}
			}},
		{name: "purge with the wrong name", as: "owner", method: "DELETE", path: "/api/v1/trash/{trashed}", body: `{"confirm_name":"Old"}`, status: 422, unchanged: true},
		{name: "purge a live item", as: "owner", method: "DELETE", path: "/api/v1/trash/{item}", status: 404, unchanged: true},
		{name: "purge other's", as: "other", method: "DELETE", path: "/api/v1/trash/{trashed}", status: 404, unchanged: true},
		{name: "purge impact", as: "owner", method: "GET", path: "/api/v1/trash/{trashed}/impact", status: 200, want: []string{`"action":"purge"`, `"notes":1`}},
		{name: "empty", as: "owner", method: "DELETE", path: "/api/v1/trash", status: 200, want: []string{`{"purged":1,"blocked":[]}`},
			after: func(t *testing.T, e *apiEnv) {
				if e.exists("trashed") || !e.exists("foreign_trashed") {
					t.Error("emptied the wrong Trash")
				}
			}},
		{name: "empty with a reason", as: "owner", method: "DELETE", path: "/api/v1/trash", body: `{"reason":"moving out"}`, status: 200, want: []string{`{"purged":1,"blocked":[]}`},
			after: func(t *testing.T, e *apiEnv) {
				if n := eventsWith(t, e.svc, "item.purge", `"reason":"moving out"`, nil); n != 1 {
					t.Errorf("item.purge events with the reason: %d, want 1", n)
				}
			}},
		{name: "empty with too long a reason", as: "owner", method: "DELETE", path: "/api/v1/trash",
			body: `{"reason":"` + strings.Repeat("x", 1001) + `"}`, status: 422, unchanged: true},
		{name: "empty with a bad body", as: "owner", method: "DELETE", path: "/api/v1/trash", body: `{"reason":`, status: 400, unchanged: true},
		{name: "empty with a body not JSON", as: "owner", method: "DELETE", path: "/api/v1/trash", body: `reason=moving`,
			headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415, unchanged: true},
		{name: "empty with a body too large", as: "owner", method: "DELETE", path: "/api/v1/trash",
			body: `{"reason":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413, unchanged: true},
		{name: "empty with an unknown field", as: "owner", method: "DELETE", path: "/api/v1/trash", body: `{"why":"x"}`, status: 422, unchanged: true},
		{name: "empty another's as admin", as: "admin", method: "DELETE", path: "/api/v1/trash?owner={other_id}", status: 200, want: []string{`{"purged":1,"blocked":[]}`},
			after: func(t *testing.T, e *apiEnv) {
				if !e.exists("trashed") || e.exists("foreign_trashed") {
					t.Error("emptied the wrong Trash")
				}
			}},
		{name: "empty another's as member", as: "owner", method: "DELETE", path: "/api/v1/trash?owner={other_id}", status: 404, unchanged: true},
		{name: "empty a missing user's", as: "admin", method: "DELETE", path: "/api/v1/trash?owner=999999", status: 404, unchanged: true},
		{name: "empty a malformed owner", as: "admin", method: "DELETE", path: "/api/v1/trash?owner=x", status: 400, unchanged: true},
		{name: "restore cohort unknown", as: "owner", method: "POST", path: "/api/v1/trash/restore", body: `{"cohort":"nope"}`, status: 404, unchanged: true},
		{name: "restore cohort missing", as: "owner", method: "POST", path: "/api/v1/trash/restore", body: `{}`, status: 422, unchanged: true},
	})
}

// TestAPITrashKeepsDeletedByWhenNull: once the user who trashed an item is
// deleted, deleted_by is null (the foreign key sets it so), and the Trash
// still lists the field.
func TestAPITrashKeepsDeletedByWhenNull(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		ctx := t.Context()
		root := shelf.Actor{UserID: e.users["admin"].ID, Role: shelf.RoleAdmin}
		temp, err := e.svc.AddUser(ctx, service.NewUser{Email: "temp@example.com", Name: "Temp", Password: "password-temp", Role: shelf.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TrashItem(ctx, shelf.Actor{UserID: temp.ID, Role: temp.Role}, e.ids["item"], 0); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DeleteUser(ctx, root, temp.ID); err != nil {
			t.Fatal(err)
		}
		res := e.req("owner", "GET", "/api/v1/trash", "")
		var page struct {
			Items []map[string]json.RawMessage `json:"items"`
		}
		if res.status != http.StatusOK || json.Unmarshal(res.body, &page) != nil {
			t.Fatalf("list the Trash: %d %s", res.status, res.body)
		}
		found := false
		for _, it := range page.Items {
			if string(it["id"]) != itoa(e.ids["item"]) {
				continue
			}
			found = true
			if by, ok := it["deleted_by"]; !ok || string(by) != "null" {
				t.Errorf("deleted_by of an item trashed by a deleted user: want null, got %q (present %v)", by, ok)
			}
			if at, ok := it["deleted_at"]; !ok || string(at) == "null" {
				t.Errorf("deleted_at: want a time, got %q", at)
			}
		}
		if !found {
			t.Fatalf("the trashed item is not in the owner's Trash: %s", res.body)
		}
	})
}

func TestAPIUndoBulkRestoresExactlyThatCohort(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) { testUndoBulk(t, open(t)) })
}

func testUndoBulk(t *testing.T, e *apiEnv) {
	var bulk struct {
		Cohort  string  `json:"cohort"`
		Trashed []int64 `json:"trashed"`
	}
	res := e.req("owner", "POST", "/api/v1/items/bulk-delete", e.expand(`{"ids":[{item}]}`))
	res.json(t, &bulk)
	if res.header.Get("X-Shelf-Cohort") != bulk.Cohort || bulk.Cohort == "" {
		t.Fatalf("cohort header %q, body %q", res.header.Get("X-Shelf-Cohort"), bulk.Cohort)
	}
	var restored struct {
		Restored  []map[string]any `json:"restored"`
		Conflicts []any            `json:"conflicts"`
	}
	e.req("owner", "POST", "/api/v1/trash/restore", `{"cohort":"`+bulk.Cohort+`"}`).json(t, &restored)
	if len(restored.Restored) != 1 || e.isTrashed("item") {
		t.Fatalf("restored %v", restored)
	}
	if !e.isTrashed("trashed") {
		t.Error("undo brought back an item trashed by an earlier request")
	}
}

// TestAPIOptionalBodyOfUnknownLength: the optional body of DELETE
// /api/v1/trash may come chunked (no Content-Length), empty or not.
func TestAPIOptionalBodyOfUnknownLength(t *testing.T) {
	e := newAPIEnv(t)
	send := func(body string) response {
		t.Helper()
		pr, pw := io.Pipe()
		go func() {
			time.Sleep(300 * time.Millisecond) // past the client's probe: sent chunked
			_, _ = pw.Write([]byte(body))
			pw.Close()
		}()
		req, err := http.NewRequest("DELETE", e.ts.URL+"/api/v1/trash", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1
		req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return response{status: res.StatusCode, header: res.Header, body: b}
	}
	if res := send(""); res.status != http.StatusOK || string(res.body) != `{"purged":1,"blocked":[]}`+"\n" {
		t.Errorf("empty chunked body: %d %s, want 200 {\"purged\":1}", res.status, res.body)
	}
	if _, err := e.svc.TrashItem(t.Context(), e.actor("owner"), e.ids["item"], 0); err != nil {
		t.Fatal(err)
	}
	if res := send(`{"reason":"chunked"}`); res.status != http.StatusOK {
		t.Errorf("chunked body with a reason: %d %s, want 200", res.status, res.body)
	}
	if n := eventsWith(t, e.svc, "item.purge", `"reason":"chunked"`, nil); n != 1 {
		t.Errorf("item.purge events with the chunked reason: %d, want 1", n)
	}
}
