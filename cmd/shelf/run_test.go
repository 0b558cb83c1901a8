package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/service/servicetest"
	"shelf/store"
)

// cliResult is what one run of the command line printed and returned.
type cliResult struct {
	err    error
	code   int
	stdout string
	stderr string // what run wrote, then what exitCode printed
}

// runCLI runs the program in-process as `shelf args…` with the given
// environment and standard input, and returns its outputs and exit status.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(t.Context(), args, getenv, strings.NewReader(stdin), &stdout, &stderr)
	code := exitCode(err, &stderr)
	return cliResult{err: err, code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// wantExit fails the test unless the run ended with the wanted status.
func (r cliResult) wantExit(t *testing.T, want int, what string) {
	t.Helper()
	if r.code != want {
		t.Fatalf("%s: want exit status %d, got %d (err %v)\nstdout: %s\nstderr: %s", what, want, r.code, r.err, r.stdout, r.stderr)
	}
}

// tempDB returns a "sqlite:" database address in a fresh temporary
// directory, and the file's path.
func tempDB(t *testing.T) (dsn, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "shelf.db")
	return "sqlite:" + path, path
}

// openDB opens the database a command works on, migrated, from the test,
// to seed it or check it. It is closed at the end of the test, or earlier
// with the returned function.
func openDB(t *testing.T, dsn string) (*store.DB, func()) {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	closed := false
	closeDB := func() {
		if !closed {
			closed = true
			db.Close()
		}
	}
	t.Cleanup(closeDB)
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db, closeDB
}

// openFixture opens the database with the conformance suite's users added,
// for seeding it.
func openFixture(t *testing.T, dsn string) (*servicetest.Fixture, func()) {
	t.Helper()
	db, closeDB := openDB(t, dsn)
	return servicetest.NewFixture(t, db), closeDB
}

// openCheck opens the database again, adding nothing, for checking what a
// command did.
func openCheck(t *testing.T, dsn string) *servicetest.Fixture {
	t.Helper()
	db, _ := openDB(t, dsn)
	return &servicetest.Fixture{T: t, Ctx: t.Context(), DB: db, Svc: service.New(db)}
}

func TestCLIMigrate(t *testing.T) {
	dsn, path := tempDB(t)
	r := runCLI(t, nil, "", "migrate", "--db", dsn)
	r.wantExit(t, 0, "migrate")
	files, err := filepath.Glob("../../store/migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: want some, got %v (%v)", files, err)
	}
	if want := fmt.Sprintf("Applied %d migrations", len(files)); !strings.Contains(r.stdout, want) {
		t.Errorf("migrate output: want it to say %q, got %q", want, r.stdout)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: want it created, got %v", err)
	}
	r = runCLI(t, nil, "", "migrate", "--db", dsn)
	r.wantExit(t, 0, "migrate again")
	if !strings.Contains(r.stdout, "up to date") {
		t.Errorf("second migrate output: want it to say the database is up to date, got %q", r.stdout)
	}
}

func TestCLIDatabaseFromEnvironment(t *testing.T) {
	envDSN, envPath := tempDB(t)
	flagDSN, flagPath := tempDB(t)

	r := runCLI(t, map[string]string{"SHELF_DB": envDSN}, "", "migrate")
	r.wantExit(t, 0, "migrate with SHELF_DB")
	if _, err := os.Stat(envPath); err != nil {
		t.Fatalf("SHELF_DB: want the database created at %s, got %v", filepath.Base(envPath), err)
	}

	other, otherPath := tempDB(t)
	r = runCLI(t, map[string]string{"SHELF_DB": other}, "", "migrate", "--db", flagDSN)
	r.wantExit(t, 0, "migrate with both --db and SHELF_DB")
	if _, err := os.Stat(flagPath); err != nil {
		t.Errorf("--db: want the flag's database created, got %v", err)
	}
	if _, err := os.Stat(otherPath); err == nil {
		t.Errorf("SHELF_DB: want it ignored when --db is given, but its database was created")
	}

	r = runCLI(t, map[string]string{"SHELF_DB": "nonsense://x"}, "", "migrate")
	if r.code != 1 || !strings.Contains(r.stderr, "unknown database") {
		t.Errorf("a bad SHELF_DB: want exit 1 naming the problem, got %d and %q", r.code, r.stderr)
	}
}

func TestCLIUserAdd(t *testing.T) {
	dsn, _ := tempDB(t)
	env := map[string]string{"SHELF_DB": dsn}
	r := runCLI(t, env, "a long password\n", "user", "add", "--email", "Ann@Example.com", "--name", "Ann", "--admin")
	r.wantExit(t, 0, "user add")
	if !strings.Contains(r.stdout, "Added admin ann@example.com (Ann)") {
		t.Errorf("user add output: want it to name the new admin, got %q", r.stdout)
	}

	// The same email in another case is refused, clearly, with status 1.
	r = runCLI(t, env, "another password\n", "user", "add", "--email", "ANN@example.COM", "--name", "Ann 2")
	r.wantExit(t, 1, "user add with a taken email")
	if !strings.Contains(r.stderr, "already exists") || !strings.Contains(r.stderr, "ann@example.com") {
		t.Errorf("duplicate email message: want it to say ann@example.com already exists, got %q", r.stderr)
	}
	if strings.Contains(r.stderr, "UNIQUE") || strings.Contains(r.stderr, "constraint") {
		t.Errorf("duplicate email message: want no database internals, got %q", r.stderr)
	}

	// No password on standard input fails before touching the database.
	r = runCLI(t, env, "", "user", "add", "--email", "carl@example.com", "--name", "Carl")
	r.wantExit(t, 1, "user add with empty stdin")
	if !strings.Contains(r.stderr, "standard input") {
		t.Errorf("empty stdin message: want it to say the password is read from standard input, got %q", r.stderr)
	}
	// A blank line is a password too short.
	r = runCLI(t, env, "\n", "user", "add", "--email", "carl@example.com", "--name", "Carl")
	r.wantExit(t, 1, "user add with a blank password")
	if !strings.Contains(r.stderr, "password") || !strings.Contains(r.stderr, strconv.Itoa(service.MinPasswordLen)+" characters") {
		t.Errorf("blank password message: want the password rule, got %q", r.stderr)
	}
	r = runCLI(t, env, "a long password\n", "user", "add", "--name", "Bob")
	r.wantExit(t, 2, "user add without --email")
	r = runCLI(t, env, "a long password\n", "user", "remove")
	r.wantExit(t, 2, "user with an unknown subcommand")

	f := openCheck(t, dsn)
	if n := f.Count("SELECT count(*) FROM users"); n != 1 {
		t.Errorf("users: want only Ann, got %d", n)
	}
	// The password came from standard input, without its newline.
	u, err := f.Svc.Authenticate(f.Ctx, "ann@example.com", "a long password")
	if err != nil || u.Role != shelf.RoleAdmin {
		t.Errorf("log in as Ann with the piped password: want an admin, got %+v, %v", u, err)
	}
}

func TestCLIPurge(t *testing.T) {
	dsn, _ := tempDB(t)
	f, closeDB := openFixture(t, dsn)
	// Three items trashed 40 days ago, one yesterday, one live.
	f.Clock.Set(time.Now().Add(-40 * 24 * time.Hour))
	var old []int64
	for _, name := range []string{"old 1", "old 2", "old 3"} {
		it := f.Item(f.Alice, name)
		f.Note(f.Alice, it.ID, "note")
		f.Trash(f.Alice, it.ID)
		old = append(old, it.ID)
	}
	f.Clock.Set(time.Now().Add(-24 * time.Hour))
	recent := f.Item(f.Bob, "recent")
	f.Trash(f.Bob, recent.ID)
	live := f.Item(f.Bob, "live")
	closeDB()

	r := runCLI(t, nil, "", "purge", "--db", dsn, "--batch", "2")
	r.wantExit(t, 0, "purge")
	if n := purgedCount(t, r.stdout); n != 3 {
		t.Errorf("purge summary: want it to state 3 items, got %d in %q", n, r.stdout)
	}
	// off a terminal, progress is plain lines, one each time the count
	// moves (batches of 2: after 2, then after 3), before the summary
	if want := "progress: 2 of 3 items purged\nprogress: 3 of 3 items purged\nPurged 3 items"; !strings.HasPrefix(r.stdout, want) {
		t.Errorf("purge output off a terminal: want it to begin %q, got %q", want, r.stdout)
	}

	r = runCLI(t, map[string]string{"SHELF_DB": dsn, "SHELF_OLDER_THAN": "1h"}, "", "purge")
	r.wantExit(t, 0, "purge with SHELF_OLDER_THAN")
	if n := purgedCount(t, r.stdout); n != 1 {
		t.Errorf("purge --older-than 1h summary: want 1 item, got %d in %q", n, r.stdout)
	}
	r = runCLI(t, nil, "", "purge", "--db", dsn, "--older-than", "-1h")
	r.wantExit(t, 2, "purge with a negative age")

	g := openCheck(t, dsn)
	for _, id := range append(old, recent.ID) {
		if g.Exists("items", id) {
			t.Errorf("item %d: want purged", id)
		}
	}
	if !g.IsLive(live.ID) || g.Count("SELECT count(*) FROM notes") != 0 {
		t.Errorf("want the live item kept and every note of purged items gone")
	}
	if n := g.Audits(shelf.ActionItemPurge, old[0]); n != 1 {
		t.Errorf("item.purge events of item %d: want 1, got %d", old[0], n)
	}
}

var purgedRE = regexp.MustCompile(`Purged (\d+) items?`)

// purgedCount reads the count from the last line of purge's output.
func purgedCount(t *testing.T, out string) int {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	m := purgedRE.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("purge output: want a last line stating how many items were purged, got %q", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// seedEvents writes a few audit events of different kinds and returns how
// many.
func seedEvents(t *testing.T, f *servicetest.Fixture) int {
	t.Helper()
	a := f.Item(f.Alice, "Lamp \"brass\" ✓")
	b := f.Item(f.Alice, "Rug")
	f.Trash(f.Alice, a.ID)
	f.Trash(f.Alice, b.ID)
	if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, b.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.PurgeItem(f.Ctx, f.Alice, a.ID, shelf.Confirmation{Reason: "broken"}); err != nil {
		t.Fatal(err)
	}
	return 4
}

func TestCLIAuditExport(t *testing.T) {
	dsn, _ := tempDB(t)
	f, closeDB := openFixture(t, dsn)
	want := seedEvents(t, f)
	closeDB()

	r := runCLI(t, nil, "", "audit", "export", "--db", dsn)
	r.wantExit(t, 0, "audit export")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != want {
		t.Fatalf("audit export: want %d lines, one per event, got %d:\n%s", want, len(lines), r.stdout)
	}
	var prev int64
	for i, line := range lines {
		var e shelf.AuditEvent
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %d: want one JSON audit event, got %v: %s", i+1, err, line)
		}
		if e.ID <= prev || e.Action == "" || e.Hash == "" || e.At.IsZero() {
			t.Errorf("line %d: want an event after id %d with action, time and hash, got %+v", i+1, prev, e)
		}
		prev = e.ID
	}
	if !strings.Contains(lines[0], `"action":"item.trash"`) || !strings.Contains(lines[want-1], `"action":"item.purge"`) {
		t.Errorf("export order: want oldest first (trash … purge), got first %s and last %s", lines[0], lines[want-1])
	}

	r = runCLI(t, nil, "", "audit", "export", "--db", dsn, "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	r.wantExit(t, 0, "audit export --since the future")
	if r.stdout != "" {
		t.Errorf("audit export since the future: want nothing, got %q", r.stdout)
	}
	r = runCLI(t, nil, "", "audit", "export", "--db", dsn, "--since", "yesterday")
	r.wantExit(t, 2, "audit export with a bad --since")
}

func TestCLIAuditVerify(t *testing.T) {
	dsn, _ := tempDB(t)
	f, closeDB := openFixture(t, dsn)
	want := seedEvents(t, f)

	r := runCLI(t, nil, "", "audit", "verify", "--db", dsn)
	r.wantExit(t, 0, "audit verify on an intact log")
	if !strings.Contains(r.stdout, "intact") || !strings.Contains(r.stdout, strconv.Itoa(want)+" events") {
		t.Errorf("verify output: want it to say the %d events are intact, got %q", want, r.stdout)
	}
	// The head it prints is the anchor event it wrote once the lanes
	// verified, the newest; given back as --anchor it holds; a head the log
	// no longer reaches fails.
	events := f.Events()
	if len(events) != want+1 || events[want].Action != shelf.ActionAuditAnchor {
		t.Fatalf("verify: want it to append one %s after the %d events, got %d events", shelf.ActionAuditAnchor, want, len(events))
	}
	head := fmt.Sprintf("%d:%s", events[len(events)-1].ID, events[len(events)-1].Hash)
	if !strings.Contains(r.stdout, "Head: "+head+"\n") {
		t.Errorf("verify output: want the head %q, got %q", head, r.stdout)
	}
	r = runCLI(t, nil, "", "audit", "verify", "--db", dsn, "--anchor", head)
	r.wantExit(t, 0, "audit verify anchored at the head")
	if !strings.Contains(r.stdout, fmt.Sprintf("Anchor event %d is there, unchanged.", events[len(events)-1].ID)) {
		t.Errorf("verify --anchor output: want the anchor confirmed, got %q", r.stdout)
	}
	if n := len(f.Events()); n != want+1 {
		t.Errorf("verify again with no lane moved: want no second anchor, got %d events", n)
	}
	later := fmt.Sprintf("%d:%s", want+2, events[0].Hash)
	r = runCLI(t, nil, "", "audit", "verify", "--db", dsn, "--anchor", later)
	if r.code != 1 || !strings.Contains(r.stdout, "newest events were removed") {
		t.Errorf("verify --anchor past the end: want exit 1 saying events were removed, got %d: %q %q", r.code, r.stdout, r.stderr)
	}
	for _, bad := range []string{"", "12", "0:" + events[0].Hash, "3:nothex"} {
		r = runCLI(t, nil, "", "audit", "verify", "--db", dsn, "--anchor", bad)
		r.wantExit(t, 2, "audit verify --anchor "+bad)
		if !strings.Contains(r.stderr, "--anchor") {
			t.Errorf("verify --anchor %q: want the flag named in the error, got %q", bad, r.stderr)
		}
	}

	if !servicetest.Tamper(t, f.DB, 2, "nothing happened") {
		t.Fatal("tamper: SQLite must allow it once the trigger is dropped")
	}
	closeDB()
	r = runCLI(t, nil, "", "audit", "verify", "--db", dsn)
	if r.code == 0 {
		t.Fatalf("audit verify on a tampered log: want a non-zero exit, got 0\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout+r.stderr, "event 2") {
		t.Errorf("verify output: want it to name event 2, got stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func TestCLIUsage(t *testing.T) {
	r := runCLI(t, nil, "", "frobnicate")
	r.wantExit(t, 2, "an unknown command")
	if !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("unknown command: want usage and the command named, got %q", r.stderr)
	}
	runCLI(t, nil, "").wantExit(t, 2, "no command")
	runCLI(t, nil, "", "audit").wantExit(t, 2, "audit without a subcommand")
	runCLI(t, nil, "", "audit", "shred").wantExit(t, 2, "an unknown audit command")
	runCLI(t, nil, "", "migrate", "--no-such-flag").wantExit(t, 2, "an unknown flag")
	runCLI(t, nil, "", "migrate", "extra").wantExit(t, 2, "a stray argument")
	r = runCLI(t, nil, "", "help")
	r.wantExit(t, 0, "help")
	if !strings.Contains(r.stdout, "audit verify") {
		t.Errorf("help: want the command list, got %q", r.stdout)
	}
	r = runCLI(t, nil, "", "migrate", "-h")
	r.wantExit(t, 0, "migrate -h")
	if !strings.Contains(r.stderr, "-db") {
		t.Errorf("migrate -h: want the flags listed, got %q", r.stderr)
	}
	r = runCLI(t, map[string]string{"SHELF_OLDER_THAN": "soon"}, "", "purge", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	r.wantExit(t, 2, "a bad SHELF_OLDER_THAN")
	if !strings.Contains(r.stderr, "SHELF_OLDER_THAN") {
		t.Errorf("bad variable: want it named, got %q", r.stderr)
	}
}

// TestCLIPurgeSummaryOnFailure checks that a purge stopped by a fault
// reports how much it did, truthfully: batches that rolled back count zero.
func TestCLIPurgeSummaryOnFailure(t *testing.T) {
	dsn, _ := tempDB(t)
	f, closeDB := openFixture(t, dsn)
	f.Clock.Set(time.Now().Add(-60 * 24 * time.Hour))
	var ids []int64
	for _, name := range []string{"a", "b", "c"} {
		it := f.Item(f.Alice, name)
		f.Trash(f.Alice, it.ID)
		f.Clock.Advance(time.Hour)
		ids = append(ids, it.ID)
	}
	if !servicetest.FailAuditInserts(t, f.DB, shelf.ActionItemPurge) {
		t.Fatal("inject an audit failure: SQLite must allow it")
	}
	closeDB()
	r := runCLI(t, nil, "", "purge", "--db", dsn, "--batch", "2")
	r.wantExit(t, 1, "purge with a failing audit insert")
	if n := purgedCount(t, r.stdout); n != 0 {
		t.Errorf("purge summary after a rolled-back batch: want 0 items, got %d in %q", n, r.stdout)
	}
	g := openCheck(t, dsn)
	for _, id := range ids {
		if !g.IsTrashed(id) {
			t.Errorf("item %d: want still in the Trash", id)
		}
	}
}

// TestCLIExportIsOneEventPerLine checks that text with line breaks or
// terminal escapes (here, a deleted note's body) cannot forge lines in the
// export or reach a terminal raw.
func TestCLIExportIsOneEventPerLine(t *testing.T) {
	dsn, _ := tempDB(t)
	f, closeDB := openFixture(t, dsn)
	it := f.Item(f.Alice, "Notebook\u2028\u0085")
	n := f.Note(f.Alice, it.ID, "line one\n{\"id\":99}\r\u2028\u001b[2J")
	if _, err := f.Svc.DeleteNote(f.Ctx, f.Alice, n.ID); err != nil {
		t.Fatal(err)
	}
	f.Trash(f.Alice, it.ID)
	closeDB()
	r := runCLI(t, nil, "", "audit", "export", "--db", dsn)
	r.wantExit(t, 0, "audit export")
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	lines := 0
	for sc.Scan() {
		lines++
		if strings.ContainsAny(sc.Text(), "\u001b\r\u2028\u0085") {
			t.Errorf("export line %d: want control characters and line separators escaped, got %q", lines, sc.Text())
		}
		var e shelf.AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Errorf("export line %d: want one JSON event, got %v", lines, err)
		}
	}
	if lines != 2 {
		t.Errorf("export: want 2 lines, got %d:\n%s", lines, r.stdout)
	}
}

// TestCLIEnvironmentVariables: every flag reads its SHELF_* variable (the
// name upper-cased, dashes as underscores), a flag on the command line wins,
// and a bad value is refused naming the variable.
func TestCLIEnvironmentVariables(t *testing.T) {
	dsn, path := tempDB(t)
	env := map[string]string{"SHELF_DB": dsn}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for k, v := range env {
			m[k] = v
		}
		return m
	}
	// Values that serve refuses before it listens show that it read them.
	for _, c := range []struct{ name, value, says string }{
		{"SHELF_RATE_LIMIT", "-1", "--rate-limit cannot be negative"},
		{"SHELF_TRASH_RETENTION", "0s", "--trash-retention must be positive"},
		{"SHELF_SECURE_COOKIES", "maybe", "SHELF_SECURE_COOKIES"},
		{"SHELF_PURGE_INTERVAL", "soon", "SHELF_PURGE_INTERVAL"},
	} {
		r := runCLI(t, with(c.name, c.value), "", "serve")
		r.wantExit(t, 2, c.name+"="+c.value)
		if !strings.Contains(r.stderr, c.says) {
			t.Errorf("%s=%s: want the refusal to say %q, got %q", c.name, c.value, c.says, r.stderr)
		}
	}
	// SHELF_DB chose the database: migrate created it there.
	runCLI(t, env, "", "migrate").wantExit(t, 0, "migrate with SHELF_DB")
	if _, err := os.Stat(path); err != nil {
		t.Errorf("SHELF_DB=%s: no database at %s: %v", dsn, path, err)
	}
	// A variable counts as given: SHELF_OLDER_THAN replaces the retention.
	r0 := runCLI(t, with("SHELF_OLDER_THAN", "-1h"), "", "purge")
	r0.wantExit(t, 2, "SHELF_OLDER_THAN=-1h")
	if !strings.Contains(r0.stderr, "--older-than cannot be negative") {
		t.Errorf("SHELF_OLDER_THAN=-1h: want it used in place of the retention and refused, got %q", r0.stderr)
	}
	// A flag wins over its variable.
	runCLI(t, with("SHELF_OLDER_THAN", "soon"), "", "purge", "--older-than", "1h").wantExit(t, 0, "a flag over a bad variable")
	r := runCLI(t, with("SHELF_OLDER_THAN", "1h"), "", "purge", "--older-than", "-1h")
	r.wantExit(t, 2, "a bad flag over a good variable")
}
