package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestRunInProcess runs every default workload briefly against an
// in-process Shelf on a small database and checks that each reports
// requests and no errors, with its ratio to the floor.
func TestRunInProcess(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"--items", "3000", "--duration", "150ms", "--warmup", "0s",
		"--connections", "4", "--bulk-size", "10"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	for _, w := range append([]string{"floor"}, defaultWorkloads...) {
		m := regexp.MustCompile(`RESULT round=1 workload=` + w + ` target=\w+ requests=(\d+) .* errors=(\d+)`).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("no RESULT line for %s in:\n%s", w, text)
			continue
		}
		if m[1] == "0" || m[2] != "0" {
			t.Errorf("%s: want requests and no errors, got %s requests and %s errors:\n%s", w, m[1], m[2], text)
		}
	}
	if !strings.Contains(text, "shelf/floor") || !strings.Contains(text, "audit chain:") {
		t.Errorf("want the summary with ratios to the floor and the audit check, got:\n%s", text)
	}
}

// TestRunCustomTarget points one custom workload at a server by base URL
// and path pattern, as for the Flask baseline, and checks the ids it sends.
func TestRunCustomTarget(t *testing.T) {
	seen := make(chan string, 100000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") != "session=abc" {
			http.Error(w, "no cookie", http.StatusUnauthorized)
			return
		}
		select {
		case seen <- r.Method + " " + r.URL.Path:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"--base", srv.URL, "--path", "/api/items/%d", "--method", "delete",
		"--cookie", "session=abc", "--ids", "1001:1003", "--want", "204", "--duration", "200ms", "--warmup", "0s",
		"--connections", "2"}, &out, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	close(seen)
	var got []string
	for s := range seen {
		got = append(got, s)
	}
	if len(got) != 3 || !strings.Contains(strings.Join(got, ","), "DELETE /api/items/1002") {
		t.Errorf("requests: want the three ids 1001 to 1003 deleted once each, got %v", got)
	}
	if !strings.Contains(out.String(), "exhausted=true") {
		t.Errorf("want the run to say it ran out of ids, got:\n%s", out.String())
	}
}

func TestRefusesNonLoopbackTargets(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1:8080", "http://example.com", "https://127.0.0.1:8443", "http://10.0.0.1",
		"http://127.0.0.1:8080/api"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"--base", u, "--path", "/x"}, &out, &out)
		if _, ok := err.(usageError); !ok {
			t.Errorf("--base %s: want a usage error refusing it, got %v", u, err)
		}
		err = run(context.Background(), []string{"--baseline", u, "--baseline-cookie", "c", "--baseline-csrf", "t"}, &out, &out)
		if _, ok := err.(usageError); !ok {
			t.Errorf("--baseline %s: want a usage error refusing it, got %v", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8001", "http://localhost:8001/", "http://[::1]:8001"} {
		if err := checkLoopbackURL(u); err != nil {
			t.Errorf("%s: want it accepted, got %v", u, err)
		}
	}
}
