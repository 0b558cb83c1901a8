package web

import (
	"context"
	"encoding/json"
	"net/http"
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
