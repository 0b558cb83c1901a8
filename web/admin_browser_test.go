package web

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"shelf"
)

// browserAdminUsers: an admin adds a user and sets their password from the
// users page with the keyboard (Enter submits), a typo in the repeated
// password keeps what was typed but the passwords, and each change opens
// as an event of the audit log.
func browserAdminUsers(scripts bool) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browser context.Context) {
		e := newAPIEnv(t)
		p := openTab(t, browser, e, scripts)
		p.allow(422)
		p.login("admin")
		p.open("/admin/users")
		if st, _ := p.follow(`a[href="/admin/users/new"]`); st != 200 || p.path() != "/admin/users/new" {
			t.Fatalf("Add a user led to %s (%d)", p.path(), st)
		}
		p.do("fill in the new user",
			chromedp.SendKeys(chromedp.ID("email"), "cy@example.com"),
			chromedp.SendKeys(chromedp.ID("name"), "Cy"),
			chromedp.SetValue(chromedp.ID("role"), "admin"),
			chromedp.SendKeys(chromedp.ID("password"), "a long password"),
			chromedp.SendKeys(chromedp.ID("password_repeat"), "a long passwort"))
		ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
		res, err := chromedp.RunResponse(ctx, chromedp.SendKeys(chromedp.ID("password_repeat"), "\r"))
		cancel()
		if err != nil || res.Status != 422 {
			t.Fatalf("Enter with passwords that differ: %v, want 422", err)
		}
		wantText(t, "refused", p.text("main"), "The two passwords differ")
		if v := js[string](p, `document.getElementById('email').value + '|' + document.getElementById('name').value + '|' + document.getElementById('role').value + '|' + document.getElementById('password').value`); v != "cy@example.com|Cy|admin|" {
			t.Errorf("the form came back as %q, want what was typed but the password", v)
		}
		p.do("type the passwords again",
			chromedp.SendKeys(chromedp.ID("password"), "a long password"),
			chromedp.SendKeys(chromedp.ID("password_repeat"), "a long password"))
		if st, _ := p.follow(`form.user-form button[type=submit]`); st != 200 || p.path() != "/admin/users" {
			t.Fatalf("add: %d at %s", st, p.path())
		}
		wantText(t, "added", p.text("main"), "Added Cy (cy@example.com) as admin")
		var cy int64
		if err := e.queryRow(`SELECT id FROM users WHERE email = 'cy@example.com'`).Scan(&cy); err != nil {
			t.Fatal(err)
		}

		if st, _ := p.follow(`a[href="/admin/users/` + itoa(cy) + `/password"]`); st != 200 {
			t.Fatalf("Set a new password: %d", st)
		}
		wantText(t, "reset form", p.text("main"), "New password for Cy")
		p.do("type a new password",
			chromedp.SendKeys(chromedp.ID("password"), "another long one"),
			chromedp.SendKeys(chromedp.ID("password_repeat"), "another long one"))
		if st, _ := p.follow(`form.user-form button[type=submit]`); st != 200 || p.path() != "/admin/users" {
			t.Fatalf("reset: %d at %s", st, p.path())
		}
		wantText(t, "reset", p.text("main"), "Set a new password for Cy")

		p.open("/admin/audit?action=" + shelf.ActionUserPasswordReset)
		if st, _ := p.follow(`#event-` + itoa(e.auditEventID(shelf.ActionUserPasswordReset)) + ` a time`); st != 200 {
			t.Fatalf("open the event: %d", st)
		}
		wantText(t, "event", p.text("main"), "user.password_reset", "Reset the password of cy@example.com", "Sessions ended")
	}
}

// browserTransferRename: a transfer that hits a name the recipient uses
// ends on a page that names the clash and offers to transfer and rename,
// which works with the keyboard's and the mouse's plain form posts alike.
func browserTransferRename(scripts bool) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browser context.Context) {
		e := newAPIEnv(t)
		if _, err := e.svc.CreateItem(context.Background(), e.actor("other"), shelf.ItemInput{Name: "drill", Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		p := openTab(t, browser, e, scripts)
		p.allow(409)
		p.login("admin")
		owner := itoa(e.users["owner"].ID)
		if st := p.open("/admin/users/" + owner + "/delete"); st != 409 {
			t.Fatalf("the delete page of a user who owns items: %d, want 409", st)
		}
		p.do("choose who receives", chromedp.SetValue(chromedp.ID("to"), itoa(e.users["other"].ID)))
		if st, _ := p.follow(`form[action$="/transfer"] button.primary`); st != 200 {
			t.Fatalf("Transfer the items…: %d, want the question", st)
		}
		if st, _ := p.follow(`#transfer-confirm button[type=submit]`); st != 409 {
			t.Fatalf("transfer with a clash: %d, want 409", st)
		}
		wantText(t, "clash", p.text("main"), "Not transferred:", "“Drill” becomes “Drill (from Owner)”", "Transfer to Other and rename the clashing items")
		for _, c := range p.unnamedControls() {
			t.Errorf("the clash page: a %s has no accessible name", c)
		}
		if st, _ := p.follow(`#transfer-rename button[type=submit]`); st != 200 || p.path() != "/admin/users/"+owner+"/delete" {
			t.Fatalf("transfer and rename: %d at %s", st, p.path())
		}
		wantText(t, "done", p.text("main"), "Renamed 1 item whose names they already used: “Drill” is now “Drill (from Owner)”.")
		if e.count(`SELECT count(*) FROM items WHERE owner_id = ?`, e.users["owner"].ID) != 0 {
			t.Error("the owner still owns items")
		}
	}
}
