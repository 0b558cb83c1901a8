package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// TestAdminUnlocksLogins: five wrong passwords lock an account, the admin's
// too; an admin unlocks it through the API or the users page, after which
// the right password works at once. A member may not unlock (403), a
// missing user is 404, and a malformed id 400. Both engines.
func TestAdminUnlocksLogins(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		lock := func(email string) {
			t.Helper()
			for i := range 5 {
				if rec := loginFrom(t, e.srv, "198.51.100.7:4000", email, "guess"+strconv.Itoa(i)); rec.Code != http.StatusUnauthorized {
					t.Fatalf("wrong password %d: %d, want 401", i, rec.Code)
				}
			}
			if rec := loginFrom(t, e.srv, "192.0.2.1:4000", email, "password-"+email[:len(email)-len("@example.com")]); rec.Code != http.StatusTooManyRequests {
				t.Fatalf("the right password on a locked account: %d, want 429", rec.Code)
			}
		}
		lock("other@example.com")
		for _, tc := range []struct {
			who, path string
			status    int
		}{
			{"owner", "/api/v1/users/{other_id}/unlock", http.StatusForbidden},
			{"admin", "/api/v1/users/999999/unlock", http.StatusNotFound},
			{"admin", "/api/v1/users/abc/unlock", http.StatusBadRequest},
			{"", "/api/v1/users/{other_id}/unlock", http.StatusUnauthorized},
			{"admin", "/api/v1/users/{other_id}/unlock", http.StatusNoContent},
		} {
			if res := e.req(tc.who, "POST", tc.path, ""); res.status != tc.status {
				t.Errorf("POST %s as %q: %d, want %d; %s", tc.path, tc.who, res.status, tc.status, res.body)
			}
		}
		if rec := loginFrom(t, e.srv, "192.0.2.1:4000", "other@example.com", "password-other"); rec.Code != http.StatusSeeOther {
			t.Fatalf("log in after the API unlock: %d, want 303", rec.Code)
		}

		// The admin's own account, unlocked from another admin's users page.
		lock("owner@example.com")
		c, token := e.sessionClient("admin")
		res := e.sessionReq(c, "POST", "/admin/users/{owner_id}/unlock", "csrf_token="+url.QueryEscape(token))
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/users" {
			t.Fatalf("unlock from the users page: %d to %q, want 303 to /admin/users", res.status, res.header.Get("Location"))
		}
		if rec := loginFrom(t, e.srv, "192.0.2.1:4000", "owner@example.com", "password-owner"); rec.Code != http.StatusSeeOther {
			t.Fatalf("log in after the page's unlock: %d, want 303", rec.Code)
		}
		if res := e.sessionReq(c, "GET", "/admin/users", ""); res.status != http.StatusOK {
			t.Fatalf("users page: %d", res.status)
		}
	})
}
