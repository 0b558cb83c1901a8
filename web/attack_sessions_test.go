package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Attacks on sessions: fixation and replay.

// TestAttackSessionFixation: a session id planted before login is worth
// nothing after it. A made-up cookie is never adopted, and an anonymous
// session the attacker holds is not the one the victim ends up logged in.
func TestAttackSessionFixation(t *testing.T) {
	e := newAPIEnv(t)
	u, _ := url.Parse(e.ts.URL)
	newBrowser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	cookieOf := func(c *http.Client) string {
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == sessionCookie {
				return ck.Value
			}
		}
		return ""
	}

	// A made-up session id is not adopted: the login page drops it.
	victim := newBrowser()
	victim.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "chosen-by-the-attacker", Path: "/"}})
	e.csrfFrom(victim, "/login")
	if got := cookieOf(victim); got != "" {
		t.Errorf("a made-up session id was kept: %q", got)
	}

	// The attacker's own session, planted in the victim's browser, and the
	// attacker's login form token with it.
	attacker := newBrowser()
	attackerToken := e.csrfFrom(attacker, "/login")
	loginOf := func(c *http.Client) *http.Cookie {
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == loginCookie {
				return ck
			}
		}
		return nil
	}
	res := e.sessionReq(attacker, "POST", "/login", "email=other%40example.com&password=password-other&csrf_token="+attackerToken)
	if res.status != http.StatusSeeOther {
		t.Fatalf("the attacker's login: %d", res.status)
	}
	planted := cookieOf(attacker)
	victim = newBrowser()
	formToken := e.csrfFrom(victim, "/login")
	victim.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: planted, Path: "/"}})
	if loginOf(victim) == nil {
		t.Fatal("the login page set no login cookie")
	}
	// note: with the attacker's live session planted, the form the victim
	// posts is judged against that session's token, which the victim's page
	// does not have: refused, and nothing logs the victim in as the attacker.
	if res := e.sessionReq(victim, "POST", "/login", "email=owner%40example.com&password=password-owner&csrf_token="+formToken); res.status != http.StatusForbidden {
		t.Fatalf("a login posted with a planted session: %d, want 403", res.status)
	}
	victim.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1}})
	res = e.sessionReq(victim, "POST", "/login", "email=owner%40example.com&password=password-owner&csrf_token="+formToken)
	if res.status != http.StatusSeeOther {
		t.Fatalf("the victim's login: %d", res.status)
	}
	if got := cookieOf(victim); got == planted || got == "" {
		t.Fatalf("the session id was not renewed at login: %q", got)
	}
	if loginOf(victim) != nil {
		t.Errorf("the login cookie outlived the login")
	}
	// The planted session is still the attacker's alone: the victim's login
	// went into a new session, not into the one planted.
	if res := e.sessionReq(attacker, "GET", "/api/v1/items", ""); res.status != http.StatusOK ||
		strings.Contains(string(res.body), "Drill") || !strings.Contains(string(res.body), "Foreign thing") {
		t.Errorf("the planted session after the victim's login: %d %s, want the attacker's own items only", res.status, res.body)
	}
	if res := e.sessionReq(victim, "GET", "/api/v1/items", ""); res.status != http.StatusOK || !strings.Contains(string(res.body), "Drill") {
		t.Errorf("the victim's new session: %d, want 200 with the victim's items", res.status)
	}
}

// TestAttackSessionReplayAfterLogout: a cookie captured before logout opens
// nothing afterwards, reading or writing, HTML or API.
func TestAttackSessionReplayAfterLogout(t *testing.T) {
	e := newAPIEnv(t)
	c, token := e.sessionClient("owner")
	u, _ := url.Parse(e.ts.URL)
	captured := c.Jar.Cookies(u)
	if res := e.sessionReq(c, "POST", "/logout", "csrf_token="+token); res.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.status)
	}
	before := e.snapshot()
	replay := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	replay.Jar, _ = cookiejar.New(nil)
	replay.Jar.SetCookies(u, captured)
	if res := e.sessionReq(replay, "GET", "/items", ""); res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
		t.Errorf("GET /items with the old cookie: %d → %q, want 303 → /login", res.status, res.header.Get("Location"))
	}
	if res := e.sessionReq(replay, "GET", "/api/v1/items", ""); res.status != http.StatusUnauthorized {
		t.Errorf("API read with the old cookie: %d, want 401", res.status)
	}
	for _, sc := range stateChanges {
		if res := sc.send(e, replay, token, "Sec-Fetch-Site", "same-origin"); res.status < 300 {
			t.Errorf("%s %s with the old cookie and token: %d, want a refusal", sc.method, sc.path, res.status)
		}
	}
	if e.snapshot() != before {
		t.Fatal("a replayed session changed the database")
	}
}
