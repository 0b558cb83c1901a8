package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIKeyFile: once a database's keys are wrapped with a key file, a
// command without the file, with another one, or with one that is gone
// refuses to run and says why; with the right file it runs.
func TestCLIKeyFile(t *testing.T) {
	dsn, _ := tempDB(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "shelf.key")
	other := filepath.Join(dir, "other.key")
	if err := os.WriteFile(key, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte(strings.Repeat("cd", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	runCLI(t, nil, "", "purge", "--db", dsn, "--key-file", key).wantExit(t, 0, "purge with a key file, the first time")
	runCLI(t, nil, "", "purge", "--db", dsn, "--key-file", key).wantExit(t, 0, "purge with the same key file")

	for _, tc := range []struct {
		what string
		args []string
		want string
	}{
		{"without the key file", nil, "--key-file"},
		{"with another key file", []string{"--key-file", other}, "not the one"},
		{"with a key file that is gone", []string{"--key-file", filepath.Join(dir, "lost.key")}, "key file"},
	} {
		r := runCLI(t, nil, "", append([]string{"audit", "export", "--db", dsn}, tc.args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("audit export %s: want a refusal naming %q, got exit %d, stderr %q", tc.what, tc.want, r.code, r.stderr)
		}
	}
	if err := os.WriteFile(other, []byte("not hex"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, nil, "", "purge", "--db", dsn, "--key-file", other); r.code == 0 || !strings.Contains(r.stderr, "64 hex digits") {
		t.Errorf("a malformed key file: want a refusal, got exit %d, stderr %q", r.code, r.stderr)
	}
}
