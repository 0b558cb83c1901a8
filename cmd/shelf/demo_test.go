package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemoRefusesPublicAddresses: serve --demo listens on loopback only,
// unless --demo-public says otherwise; a refusal is a usage error that
// names the way out, and touches no database.
func TestDemoRefusesPublicAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.10:8080", "[::]:0", "example.com:80"} {
		path := filepath.Join(t.TempDir(), "shelf.db")
		err := run(context.Background(), []string{"serve", "--demo", "--addr", addr, "--db", "sqlite:" + path},
			func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--demo-public") {
			t.Errorf("serve --demo --addr %s: %v, want a usage error naming --demo-public", addr, err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("serve --demo --addr %s: the database was created anyway", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} {
		if err := checkDemoAddr(addr, false); err != nil {
			t.Errorf("--demo on %s: %v, want it allowed", addr, err)
		}
	}
	if err := checkDemoAddr("0.0.0.0:8080", true); err != nil {
		t.Errorf("--demo --demo-public on 0.0.0.0: %v, want it allowed", err)
	}
}

// TestDemoPasswordsAreMadePerDatabase: each demo database gets passwords of
// its own, printed once; they log in, and the fixed ones of old do not.
func TestDemoPasswordsAreMadePerDatabase(t *testing.T) {
	login := regexp.MustCompile(`(?m)^  (\S+) / (\S+) \((admin|member)\)$`)
	seen := map[string]bool{}
	for range 2 {
		svc, closeDB, err := openService(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "shelf.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer closeDB()
		var out bytes.Buffer
		if err := seedDemo(t.Context(), svc, &out); err != nil {
			t.Fatal(err)
		}
		logins := login.FindAllStringSubmatch(out.String(), -1)
		if len(logins) != 2 {
			t.Fatalf("seedDemo printed %q, want two logins", out.String())
		}
		for _, l := range logins {
			email, password := l[1], l[2]
			if len(password) < 20 || seen[password] {
				t.Errorf("demo password %q: want 20 characters or more, new for each database", password)
			}
			seen[password] = true
			if _, err := svc.Login(t.Context(), email, password, "127.0.0.1"); err != nil {
				t.Errorf("log in as %s with the printed password: %v", email, err)
			}
			if _, err := svc.Login(t.Context(), email, "shelf-demo-"+l[3], "127.0.0.1"); err == nil {
				t.Errorf("the fixed demo password of old still logs in as %s", email)
			}
		}
		out.Reset()
		if err := seedDemo(t.Context(), svc, &out); err != nil || login.MatchString(out.String()) {
			t.Errorf("seeding again: %v, printed %q; want nothing added and no password shown", err, out.String())
		}
		for _, want := range []string{"added nothing", demoAdminEmail + " (admin)", demoMemberEmail + " (member)", "To start over"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("seeding again printed %q; want it to say %q", out.String(), want)
			}
		}
	}
}
