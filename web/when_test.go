package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// TestHTMLDates: every page writes an instant one way, in UTC and saying so,
// with the RFC 3339 value for the script and the UTC text on hover; a loan's
// due day stays a day.
func TestHTMLDates(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		b := e.login("ann")
		if _, _, err := e.svc.CreateToken(context.Background(), e.actor("ann"), "backup"); err != nil {
			t.Fatal(err)
		}
		tent, gone := e.newItem("ann", "Tent"), e.newItem("ann", "Old tent")
		path := "/items/" + idOf(tent)
		wantSeeOther(t, "lend", b.post(path+"/loans", url.Values{"borrower": {"Bob"}, "due_at": {"2999-03-20"}}), path)
		wantSeeOther(t, "delete", b.post("/items/"+idOf(gone)+"/delete", url.Values{}), "/items")
		const at = "2026-03-04T05:06:07.000000Z"
		e.exec(`UPDATE items SET created_at = ?, updated_at = ? WHERE id = ?`, at, at, tent.ID)
		e.exec(`UPDATE loans SET lent_at = ? WHERE item_id = ?`, at, tent.ID)
		// note: far ahead, so that the purge day is still to come
		e.exec(`UPDATE items SET deleted_at = ? WHERE id = ?`, "2100-01-02T03:04:05.000000Z", gone.ID)

		const instant = `<time datetime="2026-03-04T05:06:07Z" title="4 Mar 2026, 05:06 UTC" data-when>4 Mar 2026, 05:06 UTC</time>`
		wantPage(t, "item page", b.get(path), http.StatusOK,
			`<dt>Added</dt><dd>`+instant+`</dd>`,
			`<dt>Last changed</dt><dd>`+instant+`</dd>`,
			`to Bob, lent `+instant+`, due <time datetime="2999-03-20">20 Mar 2999</time>`)
		const deleted = `<time datetime="2100-01-02T03:04:05Z" title="2 Jan 2100, 03:04 UTC" data-when>2 Jan 2100, 03:04 UTC</time>`
		wantPage(t, "trash", b.get("/trash"), http.StatusOK, `<td>`+deleted+`</td>`,
			`Deleted together `+deleted+`:`,
			// the purge day, 30 days on
			`<td><time datetime="2100-02-01T03:04:05Z" title="1 Feb 2100, 03:04 UTC" data-when>1 Feb 2100, 03:04 UTC</time> <span class="muted">`)
		wantPage(t, "trashed item", b.get("/trash/"+idOf(gone)), http.StatusOK, `<dt>Deleted</dt><dd>`+deleted+`</dd>`)
		for _, page := range []string{path, "/trash", "/trash/" + idOf(gone), "/account", "/tokens"} {
			p := b.get(page)
			wantPage(t, page, p, http.StatusOK, "data-when>")
			wantNoOldDates(t, page, p)
		}

		// The admin pages too: the audit log, an event, the users.
		admin := e.login("admin")
		event := e.count(`SELECT max(id) FROM audit_events WHERE action = 'item.trash'`)
		for _, page := range []string{"/admin/audit", "/admin/audit/" + itoa(int64(event)), "/admin/users"} {
			p := admin.get(page)
			wantPage(t, page, p, http.StatusOK, "data-when>")
			wantNoOldDates(t, page, p)
		}
	})
}

// oldDate is a date as pages wrote it before they had one format.
var oldDate = regexp.MustCompile(`<time datetime="[^"]*">|\d{4}-\d\d-\d\d \d\d:\d\d UTC`)

// wantNoOldDates fails if the page writes a date another way than when or
// day do.
func wantNoOldDates(t *testing.T, what string, p htmlPage) {
	t.Helper()
	for _, m := range oldDate.FindAllString(p.body, -1) {
		if !dayOnly.MatchString(m) {
			t.Errorf("%s: a date written the old way: %s", what, m)
		}
	}
}

// dayOnly is a calendar day's <time>, which day writes.
var dayOnly = regexp.MustCompile(`^<time datetime="\d{4}-\d\d-\d\d">$`)
