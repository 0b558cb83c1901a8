package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"shelf"
)

func TestHTMLAddUser(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		admin := e.login("admin")
		wantPage(t, "users", admin.get("/admin/users"), http.StatusOK, `href="/admin/users/new"`)
		wantPage(t, "form", admin.get("/admin/users/new"), http.StatusOK, `action="/admin/users/new"`, `name="email"`,
			`name="name"`, `<option value="member" selected>`, `name="password"`, `name="password_repeat"`, `minlength="8"`, `name="csrf_token"`)

		before := e.snapshot()
		p := admin.post("/admin/users/new", url.Values{"email": {"not an email"}, "name": {"Cy"}, "role": {"admin"},
			"password": {"short"}, "password_repeat": {"short"}})
		wantPage(t, "invalid", p, http.StatusUnprocessableEntity, "Enter a valid email address.", "at least 8 characters",
			`value="not an email"`, `value="Cy"`, `<option value="admin" selected>`)
		wantLacks(t, "invalid", p, `value="short"`)
		p = admin.post("/admin/users/new", url.Values{"email": {"cy@example.com"}, "name": {"Cy"}, "role": {"member"},
			"password": {"a long password"}, "password_repeat": {"a long passwort"}})
		wantPage(t, "differ", p, http.StatusUnprocessableEntity, "The two passwords differ", `value="cy@example.com"`)
		wantLacks(t, "differ", p, "a long passwor")
		p = admin.post("/admin/users/new", url.Values{"email": {"ANN@example.com"}, "name": {"Ann again"}, "role": {"member"},
			"password": {"a long password"}, "password_repeat": {"a long password"}})
		wantPage(t, "taken", p, http.StatusConflict, "A user with the email ann@example.com already exists.", `value="Ann again"`)
		p = admin.post("/admin/users/new", url.Values{"email": {"cy@example.com"}, "name": {"Cy"}, "role": {"owner"},
			"password": {"a long password"}, "password_repeat": {"a long password"}})
		wantPage(t, "bad role", p, http.StatusUnprocessableEntity, "Role must be admin or member.")
		if e.snapshot() != before {
			t.Fatal("a refused form changed the database")
		}

		// A member may not, with or without the form.
		bob := e.login("bob")
		wantPage(t, "member form", bob.get("/admin/users/new"), http.StatusForbidden)
		wantPage(t, "member post", bob.post("/admin/users/new", url.Values{"email": {"dee@example.com"}, "name": {"Dee"},
			"password": {"a long password"}, "password_repeat": {"a long password"}}), http.StatusForbidden)
		// Without the CSRF token, nothing happens.
		wantPage(t, "no csrf", admin.post("/admin/users/new", url.Values{"email": {"dee@example.com"}, "name": {"Dee"},
			"password": {"a long password"}, "password_repeat": {"a long password"}, "csrf_token": {""}}), http.StatusForbidden)
		if e.snapshot() != before {
			t.Fatal("a forbidden request changed the database")
		}

		wantSeeOther(t, "add", admin.post("/admin/users/new", url.Values{"email": {" Cy@Example.com "}, "name": {"Cy"}, "role": {"admin"},
			"password": {"a long password"}, "password_repeat": {"a long password"}}), "/admin/users")
		wantPage(t, "flash", admin.get("/admin/users"), http.StatusOK, "Added Cy (cy@example.com) as admin; they can log in now.")
		if e.count(`SELECT count(*) FROM users WHERE email = 'cy@example.com' AND role = 'admin'`) != 1 {
			t.Fatal("the user was not added as typed")
		}
		if e.count(`SELECT count(*) FROM audit_events WHERE action = ?`, shelf.ActionUserCreate) != 1 {
			t.Fatal("want one user.create event")
		}
		if e.count(`SELECT count(*) FROM audit_events WHERE action = ? AND snapshot LIKE '%long password%'`, shelf.ActionUserCreate) != 0 {
			t.Fatal("the audit event holds the password")
		}
		ev := admin.get("/admin/audit/" + itoa(e.auditEventID(shelf.ActionUserCreate)))
		wantPage(t, "event", ev, http.StatusOK, "Added user cy@example.com (admin)", "<dd>Cy</dd>")
		wantLacks(t, "event", ev, "long password", "argon2")
		// and Cy logs in with it
		cy := e.browser()
		cy.get("/login")
		wantSeeOther(t, "login", cy.post("/login", url.Values{"email": {"cy@example.com"}, "password": {"a long password"}}), "/items")
	})
}

func TestHTMLResetPassword(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		admin := e.login("admin")
		bobID := itoa(e.users["bob"].ID)
		bob := e.login("bob")
		wantPage(t, "bob's session", bob.get("/items"), http.StatusOK)
		wantPage(t, "users", admin.get("/admin/users"), http.StatusOK, `href="/admin/users/`+bobID+`/password"`)
		wantPage(t, "form", admin.get("/admin/users/"+bobID+"/password"), http.StatusOK, "New password for Bob", "bob@example.com",
			`action="/admin/users/`+bobID+`/password"`, "Every session they have open ends")

		before := e.snapshot()
		wantPage(t, "short", admin.post("/admin/users/"+bobID+"/password", url.Values{"password": {"short"}, "password_repeat": {"short"}}),
			http.StatusUnprocessableEntity, "The password needs at least 8 characters.", "New password for Bob")
		wantPage(t, "differ", admin.post("/admin/users/"+bobID+"/password", url.Values{"password": {"a long password"}, "password_repeat": {"another one"}}),
			http.StatusUnprocessableEntity, "The two passwords differ")
		wantPage(t, "member", bob.post("/admin/users/"+bobID+"/password", url.Values{"password": {"a long password"}, "password_repeat": {"a long password"}}),
			http.StatusForbidden)
		wantPage(t, "member form", bob.get("/admin/users/"+bobID+"/password"), http.StatusForbidden)
		wantPage(t, "no such user", admin.post("/admin/users/999999/password", url.Values{"password": {"a long password"}, "password_repeat": {"a long password"}}),
			http.StatusNotFound)
		wantPage(t, "no such user, short", admin.post("/admin/users/999999/password", url.Values{"password": {"x"}, "password_repeat": {"x"}}),
			http.StatusNotFound)
		wantPage(t, "bad id", admin.get("/admin/users/abc/password"), http.StatusBadRequest)
		wantPage(t, "no csrf", admin.post("/admin/users/"+bobID+"/password", url.Values{"password": {"a long password"}, "password_repeat": {"a long password"}, "csrf_token": {""}}),
			http.StatusForbidden)
		if e.snapshot() != before {
			t.Fatal("a refused reset changed the database")
		}

		wantSeeOther(t, "reset", admin.post("/admin/users/"+bobID+"/password", url.Values{"password": {"a new long password"}, "password_repeat": {"a new long password"}}),
			"/admin/users")
		wantPage(t, "flash", admin.get("/admin/users"), http.StatusOK, "Set a new password for Bob; 1 session of theirs was ended.")
		// Bob's session is over; the new password works, the old one not.
		if p := bob.get("/items"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
			t.Fatalf("bob's old session after the reset: %d %s, want a redirect to the login page", p.status, p.location)
		}
		again := e.browser()
		again.get("/login")
		wantPage(t, "old password", again.post("/login", url.Values{"email": {"bob@example.com"}, "password": {"password-bob"}}),
			http.StatusUnauthorized, loginFailed)
		wantSeeOther(t, "new password", again.post("/login", url.Values{"email": {"bob@example.com"}, "password": {"a new long password"}}), "/items")
		if e.count(`SELECT count(*) FROM audit_events WHERE action = ? AND entity_id = ?`, shelf.ActionUserPasswordReset, e.users["bob"].ID) != 1 {
			t.Fatal("want one user.password_reset event")
		}
		ev := admin.get("/admin/audit/" + itoa(e.auditEventID(shelf.ActionUserPasswordReset)))
		wantPage(t, "event", ev, http.StatusOK, "Reset the password of bob@example.com; 1 session ended", "<dt>Sessions ended</dt><dd>1</dd>")
		wantLacks(t, "event", ev, "a new long password", "argon2")

		// An account its owner deleted is not brought back by a password.
		if _, err := e.svc.DeleteOwnAccount(context.Background(), e.actor("ann"), "password-ann", nil); err != nil {
			t.Fatal(err)
		}
		before = e.snapshot()
		annID := itoa(e.users["ann"].ID)
		wantPage(t, "deleted account", admin.post("/admin/users/"+annID+"/password", url.Values{"password": {"a long password"}, "password_repeat": {"a long password"}}),
			http.StatusConflict, "Ann deleted their own account; restore it first", "New password for Ann")
		if e.snapshot() != before {
			t.Fatal("a refused reset changed the database")
		}
	})
}
