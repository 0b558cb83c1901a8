package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// TestHTMLHolds: an admin places a hold from the holds page, the purge
// confirmation then names the hold and offers no delete button (409), a
// posted purge is refused with the page re-rendered, emptying the Trash says
// what stayed, and releasing the hold lets the purge through. Members get 403.
func TestHTMLHolds(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		it := e.newItem("ann", "Ledger")
		if _, err := e.svc.TrashItem(t.Context(), e.actor("ann"), it.ID, 0); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(it.ID, 10)
		admin, ann := e.login("admin"), e.login("ann")

		wantPage(t, "a member's holds page", ann.get("/admin/holds"), http.StatusForbidden)
		wantPage(t, "holds page", admin.get("/admin/holds"), http.StatusOK, "No legal holds are in force.", `<option value="`)

		p := admin.post("/admin/holds", url.Values{"item_id": {id}, "reason": {""}})
		wantPage(t, "place without a reason", p, http.StatusUnprocessableEntity, `id="reason-error"`)
		p = admin.post("/admin/holds", url.Values{"item_id": {"abc"}, "reason": {"Case 17"}})
		wantPage(t, "place on a malformed id", p, http.StatusUnprocessableEntity, `id="item-error"`)
		if n := e.count(`SELECT count(*) FROM holds`); n != 0 {
			t.Fatalf("refused holds left %d rows", n)
		}
		p = admin.post("/admin/holds", url.Values{"user_id": {""}, "item_id": {id}, "reason": {"Case 17"}})
		if p.status != http.StatusSeeOther || p.location != "/admin/holds" {
			t.Fatalf("place a hold: %d → %q, want 303 → /admin/holds\n%s", p.status, p.location, p.body)
		}
		wantPage(t, "holds page with the hold", admin.get("/admin/holds"), http.StatusOK, "Placed legal hold #", "Case 17", "Item #"+id)

		wantPage(t, "purge confirmation of a held item", ann.get("/trash/"+id+"/delete"), http.StatusConflict,
			"Cannot delete forever", `data-blocker-type="hold"`, "Legal hold: Case 17")
		wantLacks(t, "purge confirmation of a held item", ann.get("/trash/"+id+"/delete"), "Delete forever</button>")
		p = ann.post("/trash/"+id+"/delete", nil)
		wantPage(t, "posted purge of a held item", p, http.StatusConflict, "Legal hold: Case 17")
		p = ann.post("/trash/empty", nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("empty Trash: status %d\n%s", p.status, p.body)
		}
		wantPage(t, "Trash after emptying", ann.get("/trash"), http.StatusOK, "Purged 0 items. 1 item stays in the Trash under a legal hold.")
		if !e.itemTrashed(it.ID) {
			t.Fatalf("the held item left the Trash")
		}

		var holdID int64
		if err := e.queryRow(`SELECT id FROM holds`).Scan(&holdID); err != nil {
			t.Fatal(err)
		}
		hid := strconv.FormatInt(holdID, 10)
		wantPage(t, "a member releases", ann.post("/admin/holds/"+hid+"/release", nil), http.StatusForbidden)
		p = admin.post("/admin/holds/"+hid+"/release", nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("release: status %d\n%s", p.status, p.body)
		}
		wantPage(t, "holds page after release", admin.get("/admin/holds"), http.StatusOK, "Released legal hold #"+hid, "No legal holds are in force.")
		wantPage(t, "release again", admin.post("/admin/holds/"+hid+"/release", nil), http.StatusNotFound)
		if p := ann.post("/trash/"+id+"/delete", nil); p.status != http.StatusSeeOther || e.count(`SELECT count(*) FROM items WHERE id = ?`, it.ID) != 0 {
			t.Fatalf("purge after release: status %d\n%s", p.status, p.body)
		}
	})
}
