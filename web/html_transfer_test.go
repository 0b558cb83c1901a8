package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shelf"
)

func TestHTMLTransferRenamesClashes(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		admin := e.login("admin")
		bob := e.users["bob"]
		path := "/admin/users/" + itoa(bob.ID)
		drill := e.newItem("bob", "Drill")
		e.newItem("bob", "Tent")
		e.newItem("admin", "drill")
		to := url.Values{"to": {itoa(e.users["admin"].ID)}, "confirmed": {"1"}}

		before := e.snapshot()
		p := admin.post(path+"/transfer", to)
		wantPage(t, "clash", p, http.StatusConflict, "Not transferred:", "Ada already has live items with these names",
			"for example, “Drill” becomes “Drill (from Bob)”", `data-blocker-type="item" data-blocker-id="`+idOf(drill)+`">Drill<`,
			`id="transfer-rename"`, `name="rename" value="1"`, "Transfer to Ada and rename the clashing items", `name="csrf_token"`)
		if e.snapshot() != before {
			t.Fatal("a refused transfer changed the database")
		}
		// A member may not, renaming or not; without the CSRF token, nothing.
		rename := func() url.Values { return url.Values{"to": to["to"], "confirmed": {"1"}, "rename": {"1"}} }
		wantPage(t, "member", e.login("ann").post(path+"/transfer", rename()), http.StatusForbidden)
		wantPage(t, "no csrf", admin.post(path+"/transfer", url.Values{"to": to["to"], "confirmed": {"1"}, "rename": {"1"}, "csrf_token": {""}}), http.StatusForbidden)
		wantPage(t, "rename to nobody", admin.post(path+"/transfer", url.Values{"to": {"999999"}, "confirmed": {"1"}, "rename": {"1"}}),
			http.StatusUnprocessableEntity, "That user does not exist.")
		if e.snapshot() != before {
			t.Fatal("a refused transfer changed the database")
		}

		wantSeeOther(t, "transfer and rename", admin.post(path+"/transfer", rename()), path+"/delete")
		wantPage(t, "flash", admin.get(path+"/delete"), http.StatusOK, "Transferred 2 items to Ada.",
			"Renamed 1 item whose names they already used: “Drill” is now “Drill (from Bob)”.")
		if e.count(`SELECT count(*) FROM items WHERE id = ? AND owner_id = ? AND name = 'Drill (from Bob)'`, drill.ID, e.users["admin"].ID) != 1 {
			t.Fatal("the clashing item was not renamed and moved")
		}
		if e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, bob.ID) != 0 {
			t.Fatal("Bob still owns items")
		}
		ev := admin.get("/admin/audit/" + itoa(e.auditEventID(shelf.ActionItemsTransfer)))
		wantPage(t, "event", ev, http.StatusOK, "renamed 1 item that clashed", "<h3>Renamed</h3>",
			`<th scope="col">From</th>`, "<td>Drill</td>", "<td>Drill (from Bob)</td>")
	})
}

func TestAPITransferRenamesClashes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T, cfgs ...func(*Config)) *apiEnv) {
		e := open(t)
		// the owner's "Drill" clashes once the other member has one too
		if res := e.req("other", "POST", "/api/v1/items", `{"name":"drill","quantity":1}`); res.status != 201 {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
		before := e.snapshot()
		res := e.req("admin", "POST", "/api/v1/users/{owner_id}/transfer", `{"to":{other_id}}`)
		if res.status != 409 || !bodyHas(res, `"code":"name_taken"`, `"label":"Drill"`) {
			t.Fatalf("transfer with a clash: %d %s", res.status, res.body)
		}
		if e.snapshot() != before {
			t.Fatal("a refused transfer changed the database")
		}
		res = e.req("admin", "POST", "/api/v1/users/{owner_id}/transfer", `{"to":{other_id},"rename_clashes":true}`)
		if res.status != 200 || !bodyHas(res, `"transferred":3`, `"from":"Drill"`, `"to":"Drill (from Owner)"`) {
			t.Fatalf("transfer renaming: %d %s", res.status, res.body)
		}
		if e.count(`SELECT count(*) FROM items WHERE id = ? AND name = 'Drill (from Owner)' AND owner_id = ?`, e.ids["item"], e.users["other"].ID) != 1 {
			t.Fatal("the item was not renamed and moved")
		}
		if res := e.req("admin", "POST", "/api/v1/users/{other_id}/transfer", `{"to":{owner_id}}`); res.status != 200 || !bodyHas(res, `"renamed":[]`) {
			t.Fatalf("a transfer without clashes: %d %s, want \"renamed\":[]", res.status, res.body)
		}
	})
}

// bodyHas reports whether a response's body holds every fragment.
func bodyHas(r response, fragments ...string) bool {
	for _, f := range fragments {
		if !strings.Contains(string(r.body), f) {
			return false
		}
	}
	return true
}
