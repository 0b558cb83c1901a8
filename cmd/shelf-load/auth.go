package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// credentials are what Shelf's workloads authenticate with: a logged-in
// session (cookie and CSRF token) for pages and forms, and a personal API
// token for the JSON API.
type credentials struct {
	cookie string // "shelf_session=…"
	csrf   string
	bearer string // "Bearer shelf_…"
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)

// login logs in through Shelf's own pages, as a browser would (GET /login
// for the login form's cookie and CSRF token, POST /login, then the CSRF
// token of the new session from a page), and creates an API token with that
// session.
func login(ctx context.Context, c *http.Client, base, email, password string) (credentials, error) {
	var cr credentials
	page, cookie, err := get(ctx, c, base+"/login", "")
	if err != nil {
		return cr, fmt.Errorf("GET /login: %w", err)
	}
	m := csrfMeta.FindStringSubmatch(page)
	if m == nil || cookie == "" {
		return cr, fmt.Errorf("GET /login: no session cookie or CSRF token; is %s a Shelf server?", base)
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf_token": {m[1]}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	resp, err := c.Do(req)
	if err != nil {
		return cr, fmt.Errorf("POST /login: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return cr, fmt.Errorf("POST /login as %s: want 303, got %d (wrong --email or --password?)", email, resp.StatusCode)
	}
	cr.cookie = sessionCookie(resp)
	if !strings.HasPrefix(cr.cookie, "shelf_session=") {
		return cr, fmt.Errorf("POST /login: no new session cookie")
	}
	page, _, err = get(ctx, c, base+"/items", cr.cookie)
	if err != nil {
		return cr, fmt.Errorf("GET /items: %w", err)
	}
	if m = csrfMeta.FindStringSubmatch(page); m == nil {
		return cr, fmt.Errorf("GET /items: no CSRF token after login")
	}
	cr.csrf = m[1]

	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/tokens", bytes.NewReader([]byte(`{"name":"shelf-load"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", cr.cookie)
	req.Header.Set("X-CSRF-Token", cr.csrf)
	resp, err = c.Do(req)
	if err != nil {
		return cr, fmt.Errorf("POST /api/v1/tokens: %w", err)
	}
	defer resp.Body.Close()
	var tk struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tk); err != nil || resp.StatusCode != http.StatusCreated || tk.Token == "" {
		return cr, fmt.Errorf("POST /api/v1/tokens: want 201 and a token, got %d (%v)", resp.StatusCode, err)
	}
	cr.bearer = "Bearer " + tk.Token
	return cr, nil
}

// get fetches a page with an optional Cookie header and returns its body and
// the session cookie it set, if any.
func get(ctx context.Context, c *http.Client, u, cookie string) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", "", err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("want 200, got %d", resp.StatusCode)
	}
	return string(b), sessionCookie(resp), nil
}

// sessionCookie returns the session cookie a response set, or else the
// login form's cookie (which carries its CSRF token before any session).
func sessionCookie(resp *http.Response) string {
	found := ""
	for _, ck := range resp.Cookies() {
		switch {
		case ck.Value == "":
		case ck.Name == "shelf_session":
			return ck.Name + "=" + ck.Value
		case ck.Name == "shelf_login":
			found = ck.Name + "=" + ck.Value
		}
	}
	return found
}
