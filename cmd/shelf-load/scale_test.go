package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shelf/store/storetest"
)

// TestScaleRun runs the scale benchmark briefly: SQLite, one PostgreSQL
// instance and two on one database, each must serve every workload with no
// errors, the summary gives the ratios, and afterwards both databases'
// audit logs verify with one trash event per trashed item.
func TestScaleRun(t *testing.T) {
	server := storetest.PostgresURL(t)
	bin := filepath.Join(t.TempDir(), "shelf")
	if out, err := exec.Command("go", "build", "-o", bin, "shelf/cmd/shelf").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"--instances", "2", "--postgres", server, "--shelf-bin", bin, "--users", "3",
		"--items", "3000", "--duration", "200ms", "--warmup", "0s", "--connections", "4"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	for _, w := range scaleWorkloads {
		for _, setup := range []string{"sqlite", "postgres×1", "postgres×2"} {
			m := regexp.MustCompile(`RESULT round=1 workload=` + w + ` target=` + setup + ` requests=(\d+) .* errors=(\d+)`).FindStringSubmatch(text)
			if m == nil || m[1] == "0" || m[2] != "0" {
				t.Errorf("%s on %s: want requests and no errors, got %q in:\n%s", w, setup, m, text)
			}
		}
	}
	for _, want := range []string{"÷ sqlite", "÷ postgres×1", "sqlite: ", "postgres: ", "every lane intact"} {
		if !strings.Contains(text, want) {
			t.Errorf("want %q in the report, got:\n%s", want, text)
		}
	}
}

// TestScaleFlags: the scale benchmark's refusals.
func TestScaleFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--instances", "2"},
		{"--instances", "2", "--postgres", "postgres://postgres@db.example.com/postgres"},
		{"--instances", "2", "--postgres", "http://127.0.0.1:5432"},
		{"--instances", "2", "--postgres", "postgres://127.0.0.1/postgres", "--workloads", "trash-restore"},
		{"--instances", "2", "--postgres", "postgres://127.0.0.1/postgres", "--base", "http://127.0.0.1:8080"},
		{"--instances", "-1"},
		{"--users", "0"},
	} {
		var errOut bytes.Buffer
		if _, err := parseConfig(args, &errOut); err == nil {
			t.Errorf("%v: want a usage error, got none", args)
		}
	}
	c, err := parseConfig([]string{"--instances", "2", "--postgres", "postgres://localhost/postgres"}, &bytes.Buffer{})
	if err != nil || strings.Join(c.workloads, ",") != strings.Join(scaleWorkloads, ",") {
		t.Errorf("scale defaults: want workloads %v, got %v, %v", scaleWorkloads, c.workloads, err)
	}
}
