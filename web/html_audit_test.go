package web

import (
	"context"
	"net/http"
	"regexp"
	"testing"

	"shelf"
)

// auditEventID is the id of the newest audit event with this action.
func (e *apiEnv) auditEventID(action string) int64 {
	e.t.Helper()
	var id int64
	if err := e.queryRow(`SELECT max(id) FROM audit_events WHERE action = ?`, action).Scan(&id); err != nil {
		e.t.Fatalf("audit event %s: %v", action, err)
	}
	return id
}

func TestHTMLAuditLogNamesAndReasons(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		admin := e.login("admin")
		ann, bob := e.users["ann"], e.users["bob"]

		// Ann deletes a drill with a note and a returned loan, then deletes
		// it forever giving a reason.
		drill := e.newItem("ann", "Drill")
		if _, err := e.svc.AddNote(ctx, e.actor("ann"), drill.ID, "chuck key in the case"); err != nil {
			t.Fatal(err)
		}
		loan, err := e.svc.LendItem(ctx, e.actor("ann"), drill.ID, "Cy", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ReturnLoan(ctx, e.actor("ann"), loan.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TrashItem(ctx, e.actor("ann"), drill.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.PurgeItem(ctx, e.actor("ann"), drill.ID, shelf.Confirmation{Reason: "broken beyond repair"}); err != nil {
			t.Fatal(err)
		}
		// Ada deletes one of Bob's categories that held one item.
		cat, err := e.svc.CreateCategory(ctx, e.actor("bob"), "Garden")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CreateItem(ctx, e.actor("bob"), shelf.ItemInput{Name: "Rake", Quantity: 1, CategoryID: &cat.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DeleteCategory(ctx, e.actor("admin"), cat.ID); err != nil {
			t.Fatal(err)
		}

		log := admin.get("/admin/audit")
		wantPage(t, "log", log, http.StatusOK,
			// names, not ids, with the email beside
			`>Ann</a><br><span class="small muted">ann@example.com</span>`, `title="admin@example.com">Ada</a>`,
			// the reason in the row, and one event's own page
			"<td>broken beyond repair</td>", `href="/admin/audit/`+itoa(e.auditEventID(shelf.ActionItemPurge))+`"`,
			"1 item became uncategorised",
			// the picker: anyone, or a user by name
			`<select id="actor" name="actor">`, `<option value="" selected>Anyone</option>`,
			`<option value="`+itoa(bob.ID)+`">Bob (bob@example.com)</option>`)
		wantLacks(t, "log", log, `name="actor" value=`, "1 items")
		if got := len(regexp.MustCompile(`href="/admin/audit/\d+"`).FindAllString(log.body, -1)); got != e.count(`SELECT count(*) FROM audit_events`) {
			t.Errorf("want every event linked to its page, got %d links", got)
		}

		byAnn := admin.get("/admin/audit?actor=" + itoa(ann.ID))
		wantPage(t, "by Ann", byAnn, http.StatusOK, `<option value="`+itoa(ann.ID)+`" selected>Ann (ann@example.com)</option>`, "Drill")
		wantLacks(t, "by Ann", byAnn, "Garden")
		wantPage(t, "bad filter", admin.get("/admin/audit?actor=x&entity_type=item"), http.StatusBadRequest,
			"Not filtered:", "actor must be a user id.", `name="entity_type" value="item"`)

		// The event page: every field, and the before-image laid out.
		purge := admin.get("/admin/audit/" + itoa(e.auditEventID(shelf.ActionItemPurge)))
		wantPage(t, "event", purge, http.StatusOK, "<code>item.purge</code>",
			"<dt>Actor</dt><dd>Ann <span class=\"muted\">(ann@example.com)</span>", "<dt>Reason</dt><dd>broken beyond repair</dd>",
			"<h3>Item</h3>", "<dt>Name</dt><dd>Drill</dd>", "<dt>Description</dt><dd>(empty)</dd>", "<h3>Notes</h3>", "<td>chuck key in the case</td>",
			"<h3>Loans</h3>", "<th scope=\"col\">Borrower</th>", "<td>Cy</td>", "The before-image as JSON", "<dt>Hash</dt>")
		wantPage(t, "category event", admin.get("/admin/audit/"+itoa(e.auditEventID(shelf.ActionCategoryDelete))), http.StatusOK,
			"<dt>Actor</dt><dd>Ada", "<dt>Owner</dt><dd>Bob", "<dt>Items uncategorised</dt><dd>1</dd>", "<h3>Category</h3>", "<dd>Garden</dd>")

		// Members may not read it; a missing or malformed id says so.
		wantPage(t, "member", e.login("bob").get("/admin/audit/"+itoa(e.auditEventID(shelf.ActionItemPurge))), http.StatusForbidden)
		wantPage(t, "missing", admin.get("/admin/audit/999999"), http.StatusNotFound)
		wantPage(t, "malformed", admin.get("/admin/audit/abc"), http.StatusBadRequest)
	})
}

func TestHTMLAuditLogGoneActors(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		admin := e.login("admin")
		ann, bob := e.users["ann"], e.users["bob"]
		for _, who := range []string{"ann", "bob"} {
			it := e.newItem(who, who+"'s lamp")
			if _, err := e.svc.TrashItem(ctx, e.actor(who), it.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		// Ann is deleted (her things given to Ada first); Bob is erased.
		if _, err := e.svc.TransferItems(ctx, e.actor("admin"), ann.ID, e.users["admin"].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DeleteUser(ctx, e.actor("admin"), ann.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.EraseUser(ctx, e.actor("admin"), bob.ID, bob.Email); err != nil {
			t.Fatal(err)
		}
		log := admin.get("/admin/audit?action=item.trash")
		wantPage(t, "log", log, http.StatusOK, ">deleted user #"+itoa(ann.ID)+"</a>", ">[erased]</a>")
		wantLacks(t, "log", log, "bob@example.com", "ann@example.com")
		// a gone actor can still be chosen, by what is left of them
		wantPage(t, "by Ann", admin.get("/admin/audit?actor="+itoa(ann.ID)), http.StatusOK,
			`<option value="`+itoa(ann.ID)+`" selected>deleted user #`+itoa(ann.ID)+`</option>`, "ann&#39;s lamp")
		var bobs int64
		if err := e.queryRow(`SELECT max(id) FROM audit_events WHERE action = ? AND actor_id = ?`, shelf.ActionItemTrash, bob.ID).Scan(&bobs); err != nil {
			t.Fatal(err)
		}
		ev := admin.get("/admin/audit/" + itoa(bobs))
		wantPage(t, "erased event", ev, http.StatusOK, "<dt>Actor</dt><dd>[erased]", "<dt>Summary</dt><dd>[erased]</dd>",
			`aria-label="Before-image"`, "<p>[erased]</p>")
		wantLacks(t, "erased event", ev, "lamp")
	})
}
