package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEndToEnd starts the real binary's run() on port 0 and walks what a new
// user does: log in, create, delete, undo, delete again, open the Trash,
// delete forever; then stops it like SIGTERM would.
func TestEndToEnd(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "shelf.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", "sqlite:" + dbPath},
			func(string) string { return "" }, strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	base, adminPassword := "", ""
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		if pw, ok := strings.CutSuffix(strings.TrimPrefix(sc.Text(), "  "+demoAdminEmail+" / "), " (admin)"); ok {
			adminPassword = pw
		}
		if addr, ok := strings.CutPrefix(sc.Text(), "Shelf is listening on "); ok {
			base = addr
			break
		}
	}
	if len(adminPassword) < 20 {
		t.Fatalf("serve --demo printed no admin password of 20 characters or more: %q", adminPassword)
	}
	if base == "" {
		t.Fatalf("server did not start: %v", <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	waitHealthy(t, base)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	csrf := func(page string) string {
		t.Helper()
		m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on page:\n%s", page)
		}
		return m[1]
	}
	post := func(path string, form url.Values, token string) (int, string) {
		t.Helper()
		form.Set("csrf_token", token)
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode, res.Header.Get("Location")
	}

	_, loginPage := get("/login")
	if st, loc := post("/login", url.Values{"email": {"Admin@Example.com"}, "password": {adminPassword}}, csrf(loginPage)); st != 303 || loc != "/items" {
		t.Fatalf("login: %d → %q", st, loc)
	}
	_, items := get("/items")
	token := csrf(items)
	st, loc := post("/items", url.Values{"name": {"E2E lamp"}, "quantity": {"1"}}, token)
	if st != 303 {
		t.Fatalf("create: %d", st)
	}
	id := regexp.MustCompile(`/items/(\d+)`).FindStringSubmatch(loc)
	if id == nil {
		_, items = get("/items")
		id = regexp.MustCompile(`/items/(\d+)">E2E lamp`).FindStringSubmatch(items)
	}
	if id == nil {
		t.Fatalf("cannot find the new item (redirected to %q)", loc)
	}
	if st, body := get("/items/" + id[1] + "/delete"); st != 200 || !strings.Contains(body, "E2E lamp") {
		t.Fatalf("confirmation page: %d", st)
	}
	if st, loc := post("/items/"+id[1]+"/delete", url.Values{}, token); st != 303 || loc != "/items" {
		t.Fatalf("delete: %d → %q", st, loc)
	}
	_, items = get("/items")
	// note: the Undo restores the delete's cohort, as the script's does.
	cohort := regexp.MustCompile(`action="/trash/restore"[^>]*>\s*<input type="hidden" name="csrf_token" value="[^"]*">\s*<input type="hidden" name="cohort" value="([0-9a-f]+)"`).FindStringSubmatch(items)
	if !strings.Contains(items, "Undo") || cohort == nil {
		t.Fatalf("no Undo after delete:\n%s", items)
	}
	if st, _ := post("/trash/restore", url.Values{"cohort": {cohort[1]}}, token); st != 303 {
		t.Fatalf("undo: %d", st)
	}
	if st, _ := get("/items/" + id[1]); st != 200 {
		t.Fatalf("item not back after undo: %d", st)
	}
	if st, _ := post("/items/"+id[1]+"/delete", url.Values{}, token); st != 303 {
		t.Fatalf("second delete: %d", st)
	}
	if _, trash := get("/trash"); !strings.Contains(trash, "E2E lamp") {
		t.Fatal("item not in the Trash")
	}
	if st, loc := post("/trash/"+id[1]+"/delete", url.Values{}, token); st != 303 || loc != "/trash" {
		t.Fatalf("delete forever: %d → %q", st, loc)
	}
	_, trash := get("/trash")
	if strings.Contains(trash, "/trash/"+id[1]+"/restore") {
		t.Fatal("item still in the Trash after delete forever")
	}
	if !strings.Contains(trash, "forever") {
		t.Error("no flash saying the item was deleted forever")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not stop cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	// The audit log tells the same story, and its chain holds.
	var out strings.Builder
	if err := run(context.Background(), []string{"audit", "verify", "--db", "sqlite:" + dbPath}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "export", "--db", "sqlite:" + dbPath}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"item.trash", "item.restore", "item.purge"} {
		if !strings.Contains(out.String(), `"action":"`+action+`"`) {
			t.Errorf("audit export lacks %s", action)
		}
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server never became healthy")
}
