package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// dbFault makes the database file unavailable to a running server, and
// takes that back.
type dbFault struct {
	name string
	// prepare returns the directory the database lives in, or skips the
	// test when this machine cannot produce the fault.
	prepare func(t *testing.T) string
	inject  func(t *testing.T, p *serverProc, dbPath string)
	remove  func(t *testing.T, p *serverProc, dbPath string)
}

// TestDatabaseFaults makes the SQLite file unavailable under a running
// `shelf serve` in three real ways, and checks that every write then answers
// 503 with Retry-After within 3 s, that nothing partial is written, that the
// process stays up, and that it recovers by itself within 5 s of the fault
// being removed. The faults:
//
//   - read-only: the database and its WAL made immutable (chattr +i), so
//     even the server's open file descriptors are refused writes;
//   - disk full: the database on a small tmpfs, filled to the last byte;
//   - file size limit: the server's RLIMIT_FSIZE set to 0, so every write
//     to a file fails (EFBIG), as on a disk that takes no more data.
func TestDatabaseFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault tests skipped in -short mode")
	}
	bin := buildShelf(t)
	for _, f := range []dbFault{
		{name: "read-only", prepare: immutablePrepare, inject: immutableSet(true), remove: immutableSet(false)},
		{name: "disk full", prepare: tmpfsPrepare, inject: fillDisk, remove: unfillDisk},
		{name: "file size limit", prepare: func(t *testing.T) string { return t.TempDir() }, inject: fsizeLimit(0), remove: fsizeLimit(-1)},
	} {
		t.Run(f.name, func(t *testing.T) { testFault(t, bin, f) })
	}
}

func testFault(t *testing.T, bin string, f dbFault) {
	dir := f.prepare(t)
	dbPath := filepath.Join(dir, "shelf.db")
	token, ids := seedFaultDB(t, dbPath)
	p := startServer(t, bin, dbPath)
	hc := &http.Client{Timeout: 20 * time.Second}
	defer hc.CloseIdleConnections()
	ctx := context.Background()
	api := func(method, path string, body any) httpResult {
		t.Helper()
		res := call(ctx, hc, p.base, token, method, path, body)
		if res.err != nil {
			t.Fatalf("%s %s: %v\nserver log:\n%s", method, path, res.err, p.tail(3000))
		}
		return res
	}
	if res := api("POST", "/api/v1/items", map[string]any{"name": "warm-up"}); res.status != 201 {
		t.Fatalf("a write before the fault: want 201, got %d: %s", res.status, res.body)
	}
	before := fingerprint(t, dbPath)

	// Every kind of write, each of which must be refused whole.
	writes := []struct {
		method, path string
		body         any
		ok           int
	}{
		{"DELETE", fmt.Sprintf("/api/v1/items/%d", ids["live0"]), nil, 204},
		{"POST", "/api/v1/items/bulk-delete", map[string][]int64{"ids": {ids["live1"], ids["live2"], ids["live3"]}}, 200},
		{"POST", fmt.Sprintf("/api/v1/trash/%d/restore", ids["trashed0"]), nil, 200},
		{"DELETE", fmt.Sprintf("/api/v1/trash/%d", ids["trashed1"]), nil, 204},
		{"DELETE", fmt.Sprintf("/api/v1/categories/%d", ids["category"]), nil, 204},
		{"POST", "/api/v1/items", map[string]any{"name": "made during the fault"}, 201},
		{"POST", fmt.Sprintf("/api/v1/items/%d/notes", ids["live4"]), map[string]string{"body": "written during the fault"}, 201},
	}

	f.inject(t, p, dbPath)
	injected := time.Now()
	for _, wr := range writes {
		start := time.Now()
		res := api(wr.method, wr.path, wr.body)
		took := time.Since(start)
		if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
			t.Errorf("%s %s during the fault: want 503 with Retry-After, got %d (Retry-After %q): %s",
				wr.method, wr.path, res.status, res.header.Get("Retry-After"), res.body)
		}
		if ct := res.header.Get("Content-Type"); res.status >= 400 && ct != "application/problem+json" {
			t.Errorf("%s %s: error Content-Type %q, want application/problem+json", wr.method, wr.path, ct)
		}
		if strings.Contains(strings.ToLower(string(res.body)), "sqlite") {
			t.Errorf("%s %s: the error body shows the database's text: %s", wr.method, wr.path, res.body)
		}
		if took > 3*time.Second {
			t.Errorf("%s %s during the fault: answered after %s, want within 3 s", wr.method, wr.path, took)
		}
	}
	if res := api("GET", "/healthz", nil); res.status != 200 || !p.alive() {
		t.Errorf("during the fault: want the process up and /healthz 200, got %d", res.status)
	}
	// note: reads may go on (the file is still readable) or answer 503; they
	// must not fail any other way.
	if res := api("GET", "/api/v1/items", nil); res.status != 200 && res.status != 503 {
		t.Errorf("a read during the fault: want 200 or 503, got %d: %s", res.status, res.body)
	}
	faultFor := time.Since(injected)

	f.remove(t, p, dbPath)
	removed := time.Now()
	if after := fingerprint(t, dbPath); after != before {
		t.Errorf("the refused writes changed the database:\nbefore %s\nafter  %s", before, after)
	}
	// The server recovers by itself: the first write is retried until it
	// goes through, and must within 5 s.
	var recovered time.Duration
	for {
		res := api(writes[0].method, writes[0].path, writes[0].body)
		if res.status == writes[0].ok {
			recovered = time.Since(removed)
			break
		}
		if time.Since(removed) > 5*time.Second {
			t.Fatalf("no recovery within 5 s of the fault's end: last answer %d: %s\nserver log:\n%s", res.status, res.body, p.tail(3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, wr := range writes[1:] {
		if res := api(wr.method, wr.path, wr.body); res.status != wr.ok {
			t.Errorf("%s %s after recovery: want %d, got %d: %s", wr.method, wr.path, wr.ok, res.status, res.body)
		}
	}
	t.Logf("%s: writes refused with 503 for %s; recovered %s after the fault ended", t.Name(), faultFor.Round(time.Millisecond), recovered.Round(time.Millisecond))
	if err := p.stop(); err != nil {
		t.Errorf("shelf serve after the fault: want a clean exit on SIGTERM, got %v\n%s", err, p.tail(3000))
	}

	db, err := store.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	total := dbHealth(t, db)
	// 2 seeded trashes, then after recovery: 1 + 3 trashes, 1 restore, 1 purge, 1 category delete.
	if want := 2 + 7; total != want {
		t.Errorf("audit events: want %d (the seed's and the retried writes'), got %d", want, total)
	}
	if n, brk, err := service.New(db).VerifyAudit(ctx); err != nil || brk != nil || n != total {
		t.Errorf("audit chain: want %d events intact, got %d, %+v, %v", total, n, brk, err)
	}
}

// seedFaultDB creates a user with a token, five live items with notes, two
// trashed ones and a category, and returns the token and the ids.
func seedFaultDB(t *testing.T, dbPath string) (string, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	svc := service.New(db)
	u, err := svc.AddUser(ctx, service.NewUser{Email: "fault@example.com", Name: "Fault", Password: "fault-password"})
	if err != nil {
		t.Fatal(err)
	}
	a := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "setup"}
	_, token, err := svc.CreateToken(ctx, a, "fault")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	cat, err := svc.CreateCategory(ctx, a, "Shelf")
	if err != nil {
		t.Fatal(err)
	}
	ids["category"] = cat.ID
	for i := range 7 {
		it, err := svc.CreateItem(ctx, a, shelf.ItemInput{Name: fmt.Sprintf("thing %d", i), Quantity: 1, CategoryID: &cat.ID})
		if err != nil {
			t.Fatal(err)
		}
		for n := range 3 {
			if _, err := svc.AddNote(ctx, a, it.ID, fmt.Sprintf("note %d", n)); err != nil {
				t.Fatal(err)
			}
		}
		if i < 5 {
			ids[fmt.Sprintf("live%d", i)] = it.ID
			continue
		}
		if _, err := svc.TrashItem(ctx, a, it.ID, 0); err != nil {
			t.Fatal(err)
		}
		ids[fmt.Sprintf("trashed%d", i-5)] = it.ID
	}
	return token, ids
}

// fingerprint reads every table of the database (while the server runs,
// through a connection of its own) into one string.
func fingerprint(t *testing.T, dbPath string) string {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+dbPath)
	if err != nil {
		t.Fatalf("open for a fingerprint: %v", err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id || ':' || name || ':' || version || ':' || coalesce(deleted_at, '-') || ':' || coalesce(category_id, '-') FROM items ORDER BY id`,
		`SELECT id || ':' || item_id FROM notes ORDER BY id`,
		`SELECT id || ':' || item_id FROM loans ORDER BY id`,
		`SELECT id || ':' || name FROM categories ORDER BY id`,
		`SELECT id || ':' || hash FROM audit_events ORDER BY id`,
	} {
		rows, err := db.SQL().Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + ";")
		}
		rows.Close()
		b.WriteString("|")
	}
	return b.String()
}

// needRoot skips a fault that only root can cause.
func needRoot(t *testing.T, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("%s needs root; skipping", what)
	}
}

// immutablePrepare checks that this file system honours chattr +i against
// descriptors that are already open (ext4 does; tmpfs does not).
func immutablePrepare(t *testing.T) string {
	t.Helper()
	needRoot(t, "chattr +i")
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe")
	fh, err := os.OpenFile(probe, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if out, err := exec.Command("chattr", "+i", probe).CombinedOutput(); err != nil {
		t.Skipf("chattr +i is not available here (%v: %s); skipping", err, out)
	}
	defer func() { _ = exec.Command("chattr", "-i", probe).Run() }()
	if _, err := fh.Write([]byte("x")); err == nil {
		t.Skip("this file system lets open descriptors write to an immutable file; skipping")
	}
	return dir
}

func immutableSet(on bool) func(t *testing.T, p *serverProc, dbPath string) {
	flag := "-i"
	if on {
		flag = "+i"
	}
	return func(t *testing.T, _ *serverProc, dbPath string) {
		t.Helper()
		files := []string{dbPath, dbPath + "-wal"}
		if on {
			// note: taken off again whatever happens, or t.TempDir cannot
			// remove the files.
			t.Cleanup(func() { _ = exec.Command("chattr", append([]string{"-i"}, files...)...).Run() })
		}
		if out, err := exec.Command("chattr", append([]string{flag}, files...)...).CombinedOutput(); err != nil {
			t.Fatalf("chattr %s: %v: %s", flag, err, out)
		}
	}
}

// tmpfsPrepare mounts a small tmpfs for the database, unmounted at the end.
func tmpfsPrepare(t *testing.T) string {
	t.Helper()
	needRoot(t, "mounting a tmpfs")
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); skipping", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a file until the tmpfs has no byte left.
func fillDisk(t *testing.T, _ *serverProc, dbPath string) {
	t.Helper()
	fh, err := os.Create(filepath.Join(filepath.Dir(dbPath), "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := fh.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: want ENOSPC in the end, got %v", err)
			}
			break
		}
	}
	// note: the last, partial chunk may have left a few bytes free.
	for {
		if _, err := fh.Write(chunk[:1]); err != nil {
			break
		}
	}
}

func unfillDisk(t *testing.T, _ *serverProc, dbPath string) {
	t.Helper()
	if err := os.Remove(filepath.Join(filepath.Dir(dbPath), "filler")); err != nil {
		t.Fatal(err)
	}
}

// fsizeLimit sets the server's RLIMIT_FSIZE (the largest file it may write;
// -1 for no limit) from outside, with prlimit(2).
func fsizeLimit(limit int64) func(t *testing.T, p *serverProc, dbPath string) {
	return func(t *testing.T, p *serverProc, _ string) {
		t.Helper()
		lim := syscall.Rlimit{Cur: uint64(limit), Max: ^uint64(0)}
		if limit < 0 {
			lim.Cur = ^uint64(0)
		}
		_, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(p.cmd.Process.Pid), uintptr(syscall.RLIMIT_FSIZE),
			uintptr(unsafe.Pointer(&lim)), 0, 0, 0)
		if errno != 0 {
			t.Fatalf("prlimit RLIMIT_FSIZE=%d: %v", limit, errno)
		}
	}
}
