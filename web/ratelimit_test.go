package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRateLimitHTMLDestructive: the per-user limit holds on the HTML side
// too, answers 429 with Retry-After, and a refused delete deletes nothing.
func TestRateLimitHTMLDestructive(t *testing.T) {
	e := newAPIEnv(t, func(c *Config) { c.RateLimit = 1 })
	c, token := e.sessionClient("owner")
	form := "csrf_token=" + url.QueryEscape(token)
	for i := range 2 {
		if res := e.sessionReq(c, "POST", "/items/999999/delete", form); res.status != http.StatusNotFound {
			t.Fatalf("request %d within the burst: %d, want 404", i, res.status)
		}
	}
	before := e.snapshot()
	res := e.sessionReq(c, "POST", "/items/{item}/delete", form)
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("past the burst: %d, want 429", res.status)
	}
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q, want a whole number of seconds", res.header.Get("Retry-After"))
	}
	if e.snapshot() != before || e.isTrashed("item") {
		t.Error("a rate-limited delete changed the database")
	}
}

// TestRateLimitFloodDoesNotSlowOthers floods destructive calls as one user
// from several connections at once, and checks that another user, meanwhile,
// is neither refused nor held up: the limit is per user, and a refusal
// costs no database work.
func TestRateLimitFloodDoesNotSlowOthers(t *testing.T) {
	e := newAPIEnv(t, func(c *Config) { c.RateLimit = 5 })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				st := e.raw("owner", "DELETE", "/api/v1/items/999999", "").status
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			}
		})
	}
	var lat []time.Duration
	for i := range 10 {
		start := time.Now()
		res := e.raw("other", "DELETE", "/api/v1/items/99999"+strconv.Itoa(i), "")
		lat = append(lat, time.Since(start))
		if res.status != http.StatusNotFound {
			t.Errorf("the other user's request %d during the flood: %d, want 404", i, res.status)
		}
	}
	close(stop)
	wg.Wait()
	if statuses[http.StatusTooManyRequests] == 0 {
		t.Fatalf("the flood was never limited: %v", statuses)
	}
	m := median(lat)
	t.Logf("flood: %v; the other user's median latency meanwhile: %s", statuses, m)
	// note: a wide bound, for busy machines; a shared lock or a sleep in the
	// limiter would blow through it.
	if m > 250*time.Millisecond {
		t.Errorf("the other user's median latency during the flood: %s, want well under 250 ms", m)
	}
}

// loginFrom logs in through the form as a browser at addr would: it fetches
// the login page for a session and its token, then posts the credentials.
func loginFrom(t *testing.T, srv *Server, addr, email, password string) *httptest.ResponseRecorder {
	t.Helper()
	get := httptest.NewRequest("GET", "/login", nil)
	get.RemoteAddr = addr
	page := httptest.NewRecorder()
	srv.ServeHTTP(page, get)
	m := csrfMeta.FindSubmatch(page.Body.Bytes())
	cookies := page.Result().Cookies()
	if m == nil || len(cookies) == 0 {
		t.Fatalf("login page from %s: no session or token (%d)", addr, page.Code)
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf_token": {string(m[1])}}
	post := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.RemoteAddr = addr
	for _, c := range cookies {
		post.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, post)
	return rec
}

// TestLoginThrottlePerAccountAndAddress: failed logins are counted per
// address (whatever accounts they name) and per account (from whatever
// address); past either limit a login answers 429 with Retry-After, even
// with the right password, while other addresses and other accounts log in
// as usual.
func TestLoginThrottlePerAccountAndAddress(t *testing.T) {
	e := newAPIEnv(t)
	const attacker, user, spray, elsewhere = "198.51.100.7:40000", "203.0.113.9:50000", "198.51.100.8:40000", "192.0.2.44:1234"
	throttled := func(what string, rec *httptest.ResponseRecorder) {
		t.Helper()
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("%s: %d, want 429", what, rec.Code)
		}
		if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("%s: Retry-After %q, want seconds", what, rec.Header().Get("Retry-After"))
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == sessionCookie && c.MaxAge >= 0 {
				t.Errorf("%s: a session cookie was set", what)
			}
		}
	}
	// Per address: 20 failures, each on another (unknown) account.
	for i := range 20 {
		if rec := loginFrom(t, e.srv, attacker, "nobody"+strconv.Itoa(i)+"@example.com", "guess"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d from the attacker's address: %d, want 401", i, rec.Code)
		}
	}
	throttled("the right password from the throttled address", loginFrom(t, e.srv, attacker, "owner@example.com", "password-owner"))
	if rec := loginFrom(t, e.srv, user, "owner@example.com", "password-owner"); rec.Code != http.StatusSeeOther {
		t.Errorf("the same account from another address: %d, want 303", rec.Code)
	}

	// Per account: 5 failures on one account, from one address.
	for i := range 5 {
		if rec := loginFrom(t, e.srv, spray, "other@example.com", "guess"+strconv.Itoa(i)); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d on the account: %d, want 401", i, rec.Code)
		}
	}
	throttled("the throttled account from another address", loginFrom(t, e.srv, elsewhere, "OTHER@example.com", "password-other"))
	if rec := loginFrom(t, e.srv, elsewhere, "admin@example.com", "password-admin"); rec.Code != http.StatusSeeOther {
		t.Errorf("another account from that address: %d, want 303", rec.Code)
	}
}
