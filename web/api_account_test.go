package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAPIExportAccount: GET /api/v1/me/export answers the caller's own data
// as one JSON document (checked against the OpenAPI document), as an
// attachment: their items live and trashed, notes, loans, categories,
// tokens without secrets and the opened audit events about their things,
// and nothing of anyone else's.
func TestAPIExportAccount(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "own data", as: "owner", method: "GET", path: "/api/v1/me/export", status: 200,
			want: []string{`"format":"shelf-account-export/1"`, `"email":"owner@example.com"`, `"name":"Drill"`, `"name":"Ladder"`,
				`"name":"Old charger"`, `"body":"first note"`, `"body":"broken"`, `"borrower":"Carol"`, `"borrower":"Bob"`,
				`"name":"Tools"`, `"name":"tests"`, `"action":"item.trash"`}},
		{name: "nobody", method: "GET", path: "/api/v1/me/export", status: 401, unchanged: true},
		{name: "wrong method", as: "owner", method: "POST", path: "/api/v1/me/export", body: `{}`, status: 405, unchanged: true},
	})
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		// An admin's note on the owner's item is on the owner's item, so in
		// both exports; the admin's trash of the owner's item is an event
		// about the owner's things, without the admin's address.
		if _, err := e.svc.AddNote(context.Background(), e.actor("admin"), e.ids["item"], "admin remark"); err != nil {
			t.Fatal(err)
		}
		if res := e.req("admin", "DELETE", "/api/v1/items/{item}", ""); res.status != 204 {
			t.Fatalf("admin trashes the owner's item: %d %s", res.status, res.body)
		}
		res := e.req("owner", "GET", "/api/v1/me/export", "")
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment; filename=") {
			t.Fatalf("export: %d, Content-Disposition %q", res.status, res.header.Get("Content-Disposition"))
		}
		for _, s := range []string{"Foreign thing", "Foreign trashed", "theirs", e.tokens["owner"], "127.0.0.1", "admin@example.com"} {
			if strings.Contains(string(res.body), s) {
				t.Errorf("the owner's export holds %q", s)
			}
		}
		var x struct {
			Items []struct {
				Name      string  `json:"name"`
				DeletedAt *string `json:"deleted_at"`
			} `json:"items"`
			AuditEvents []struct {
				Action     string          `json:"action"`
				ActorID    *int64          `json:"actor_id"`
				Snapshot   json.RawMessage `json:"snapshot"`
				RemoteAddr *string         `json:"remote_addr"`
			} `json:"audit_events"`
		}
		res.json(t, &x)
		trashed := map[string]bool{}
		for _, it := range x.Items {
			trashed[it.Name] = it.DeletedAt != nil
		}
		if !trashed["Drill"] || !trashed["Old charger"] || trashed["Ladder"] || len(trashed) != 3 {
			t.Errorf("items and whether trashed: %v", trashed)
		}
		byAdmin := 0
		for _, ev := range x.AuditEvents {
			if ev.ActorID != nil && *ev.ActorID == e.users["admin"].ID {
				byAdmin++
				if ev.RemoteAddr != nil || !strings.Contains(string(ev.Snapshot), "Drill") {
					t.Errorf("the admin's trash of the Drill: remote_addr %v, snapshot %s", ev.RemoteAddr, ev.Snapshot)
				}
			}
		}
		if byAdmin != 1 {
			t.Errorf("events by the admin in the owner's export: %d, want 1", byAdmin)
		}
		adminExport := e.req("admin", "GET", "/api/v1/me/export", "")
		if adminExport.status != 200 || !strings.Contains(string(adminExport.body), "admin remark") ||
			strings.Contains(string(adminExport.body), `"name":"Drill"`) {
			t.Errorf("the admin's export: %d, want their note on the owner's item and none of the owner's items\n%s", adminExport.status, adminExport.body)
		}
	})
}

// TestHTMLDownloadMyData: the account page links to the export, which the
// session cookie downloads.
func TestHTMLDownloadMyData(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		e.newItem("ann", "Ann's kettle")
		ann := e.login("ann")
		wantPage(t, "account page", ann.get("/account"), http.StatusOK, `href="/api/v1/me/export"`, "Download my data", "ann@example.com")
		p := ann.get("/api/v1/me/export")
		wantPage(t, "the download", p, http.StatusOK, `"email":"ann@example.com"`, `"name":"Ann's kettle"`)
		wantLacks(t, "the download", p, "bob@example.com")
	})
}

// TestAPIDeleteOwnAccount: DELETE /api/v1/me with the password stops the
// account at once and answers when its erasure is due; a wrong password is
// 403 and the last admin 409, with nothing changed.
func TestAPIDeleteOwnAccount(t *testing.T) {
	runAPIScenarios(t, []apiScenario{
		{name: "delete", as: "owner", method: "DELETE", path: "/api/v1/me", body: `{"password":"password-owner"}`, status: 202,
			want: []string{`"erase_at":"`},
			after: func(t *testing.T, e *apiEnv) {
				if res := e.req("owner", "GET", "/api/v1/items", ""); res.status != http.StatusUnauthorized {
					t.Errorf("the token after the deletion: %d, want 401", res.status)
				}
				if n := e.auditCount("account.delete"); n != 1 {
					t.Errorf("account.delete events: %d, want 1", n)
				}
				if n := e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, e.users["owner"].ID); n != 3 {
					t.Errorf("the owner's items: %d, want all 3 until the grace period ends", n)
				}
			}},
		{name: "wrong password", as: "owner", method: "DELETE", path: "/api/v1/me", body: `{"password":"password-other"}`, status: 403,
			want: []string{`"code":"forbidden"`}, unchanged: true,
			after: func(t *testing.T, e *apiEnv) {
				if res := e.req("owner", "GET", "/api/v1/items", ""); res.status != 200 {
					t.Errorf("the token after a refused deletion: %d", res.status)
				}
			}},
		{name: "no password", as: "owner", method: "DELETE", path: "/api/v1/me", body: `{}`, status: 422,
			want: []string{`"password"`}, unchanged: true},
		{name: "no body", as: "owner", method: "DELETE", path: "/api/v1/me", status: 415, unchanged: true},
		{name: "last admin", as: "admin", method: "DELETE", path: "/api/v1/me", body: `{"password":"password-admin"}`, status: 409,
			want: []string{`"code":"last_admin"`, `"type":"user","id":{admin_id},"label":"Admin"`}, unchanged: true},
		{name: "nobody", method: "DELETE", path: "/api/v1/me", body: `{"password":"x"}`, status: 401, unchanged: true},
	})
}

// TestAPIRestoreAccount: an admin's restore during the grace period answers
// the user, who logs in again with their password; their old token stays
// revoked; a second restore finds nothing to restore.
func TestAPIRestoreAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		if res := e.req("admin", "POST", "/api/v1/users/{owner_id}/restore", ""); res.status != 404 {
			t.Errorf("restore of an account not deleted: %d %s", res.status, res.body)
		}
		// The admin's list of users says when each account its owner
		// deleted is erased; a restore clears it.
		eraseAt := func() map[string]*string {
			t.Helper()
			var list struct {
				Users []struct {
					Email   string  `json:"email"`
					EraseAt *string `json:"erase_at"`
				} `json:"users"`
			}
			e.req("admin", "GET", "/api/v1/users", "").json(t, &list)
			out := map[string]*string{}
			for _, u := range list.Users {
				out[u.Email] = u.EraseAt
			}
			return out
		}
		if got := eraseAt(); len(got) < 3 || got["owner@example.com"] != nil || got["other@example.com"] != nil {
			t.Fatalf("before any account deletion: want every erase_at null, got %v", got)
		}
		var deleted struct {
			EraseAt string `json:"erase_at"`
		}
		res := e.req("owner", "DELETE", "/api/v1/me", `{"password":"password-owner"}`)
		if res.status != 202 {
			t.Fatalf("delete: %d %s", res.status, res.body)
		}
		res.json(t, &deleted)
		if got := eraseAt(); got["owner@example.com"] == nil || *got["owner@example.com"] != deleted.EraseAt || got["other@example.com"] != nil {
			t.Errorf("after the owner deleted their account: want their erase_at %s and the others null, got %v", deleted.EraseAt, got)
		}
		if res := e.req("other", "POST", "/api/v1/users/{owner_id}/restore", ""); res.status != 403 {
			t.Errorf("a member's restore: %d", res.status)
		}
		if res := e.req("admin", "POST", "/api/v1/users/999999/restore", ""); res.status != 404 {
			t.Errorf("restore of nobody: %d", res.status)
		}
		res = e.req("admin", "POST", "/api/v1/users/{owner_id}/restore", "")
		if res.status != 200 || !strings.Contains(string(res.body), `"email":"owner@example.com"`) {
			t.Fatalf("restore: %d %s", res.status, res.body)
		}
		if got := eraseAt(); got["owner@example.com"] != nil {
			t.Errorf("after the restore: want the owner's erase_at null, got %s", *got["owner@example.com"])
		}
		if n := e.auditCount("account.restore"); n != 1 {
			t.Errorf("account.restore events: %d, want 1", n)
		}
		if res := e.req("owner", "GET", "/api/v1/items", ""); res.status != http.StatusUnauthorized {
			t.Errorf("the old token after the restore: %d, want 401", res.status)
		}
		c, _ := e.sessionClient("owner") // fails the test unless the password logs in
		r, err := c.Get(e.ts.URL + "/api/v1/items")
		if err != nil || r.StatusCode != 200 {
			t.Errorf("the owner's new session: %v %v", r, err)
		}
		if res := e.req("admin", "POST", "/api/v1/users/{owner_id}/restore", ""); res.status != 404 {
			t.Errorf("a second restore: %d", res.status)
		}
	})
}

// TestHTMLDeleteOwnAccount: the account page leads to a form that asks for
// the password and the email typed; each refusal says what is wrong with
// its status, the right answers log the user out for good, and the users
// page lets an admin restore the account.
func TestHTMLDeleteOwnAccount(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ann := e.login("ann")
		wantPage(t, "account page", ann.get("/account"), http.StatusOK, `href="/account/delete"`, "14 days")
		wantPage(t, "delete page", ann.get("/account/delete"), http.StatusOK, "Type your email", "ann@example.com", `name="password"`)
		p := ann.post("/account/delete", url.Values{"password": {"nope"}, "confirm_email": {"ann@example.com"}})
		wantPage(t, "a wrong password", p, http.StatusForbidden, `id="password-error"`)
		p = ann.post("/account/delete", url.Values{"password": {"password-ann"}, "confirm_email": {"bob@example.com"}})
		wantPage(t, "a wrong email", p, http.StatusUnprocessableEntity, `id="confirm-error"`)
		wantPage(t, "still logged in", ann.get("/items"), http.StatusOK)
		p = ann.post("/account/delete", url.Values{"password": {"password-ann"}, "confirm_email": {"ANN@example.com"}})
		wantSeeOther(t, "delete", p, "/login?account=deleted")
		wantPage(t, "the login page after", ann.get("/login?account=deleted"), http.StatusOK, "Your account is closed")
		wantSeeOther(t, "the old session", ann.get("/items"), "/login")

		admin := e.login("admin")
		id := itoa(e.users["ann"].ID)
		wantPage(t, "users page", admin.get("/admin/users"), http.StatusOK, "Account deleted by its owner", `action="/admin/users/`+id+`/restore"`)
		wantSeeOther(t, "restore", admin.post("/admin/users/"+id+"/restore", nil), "/admin/users")
		page := admin.get("/admin/users")
		wantPage(t, "users after the restore", page, http.StatusOK, "Restored Ann’s account")
		wantLacks(t, "users after the restore", page, "Account deleted by its owner")
		wantPage(t, "ann again", e.login("ann").get("/items"), http.StatusOK)

		p = admin.post("/account/delete", url.Values{"password": {"password-admin"}, "confirm_email": {"admin@example.com"}})
		wantPage(t, "the last admin", p, http.StatusConflict, "Not deleted", "last administrator", "Ada")
	})
}
