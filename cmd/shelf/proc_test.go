package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shelf/internal/syncbuf"
	"shelf/store"
)

// What the crash and fault tests share: the real binary, started as a child
// process on a temporary database and driven over HTTP, and checks that read
// the database file once the process is gone.

// buildShelf builds this package's binary into a temporary directory and
// returns its path. The tests run the binary rather than run(), so that a
// SIGKILL or an rlimit hits a real, separate process.
func buildShelf(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go tool is needed to build the binary under test: %v", err)
		}
		t.Skipf("the go tool is not on PATH (%v); skipping the tests that run the binary", err)
	}
	bin := filepath.Join(t.TempDir(), "shelf")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serverProc is one running `shelf serve`.
type serverProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	logs *syncbuf.Buffer
	done chan struct{}
	err  error // what Wait returned, once done is closed
}

// tail returns the last n bytes of the child's logs, for failure messages.
func (p *serverProc) tail(n int) string {
	s := p.logs.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// listenWatcher passes the server's standard output through and reports the
// address of its "Shelf is listening on …" line.
type listenWatcher struct {
	mu   sync.Mutex
	buf  []byte
	addr chan string
	sent bool
}

func (w *listenWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if addr, ok := strings.CutPrefix(line, "Shelf is listening on "); ok {
			w.sent = true
			w.addr <- strings.TrimSpace(addr)
			break
		}
	}
	return len(p), nil
}

// startServer runs `shelf serve` on the SQLite file dbPath with a free port
// and waits for it to listen.
func startServer(t *testing.T, bin, dbPath string, extra ...string) *serverProc {
	t.Helper()
	return startServerOn(t, bin, "sqlite:"+dbPath, extra...)
}

// startInstance runs `shelf serve` on the database dsn (several instances
// may share one PostgreSQL database) and returns its base URL once it is
// healthy. When the test ends the instance is stopped with SIGTERM and must
// exit cleanly.
func startInstance(t *testing.T, bin, dsn string) string {
	t.Helper()
	p := startServerOn(t, bin, dsn)
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("instance did not stop cleanly on SIGTERM: %v\n%s", err, p.tail(3000))
		}
	})
	waitHealthy(t, p.base)
	return p.base
}

// startServerOn runs `shelf serve` on the database dsn with a free port and
// waits for it to listen. The rate limit is off and the retention purge
// idle, so that only the test's own requests change the database.
func startServerOn(t *testing.T, bin, dsn string, extra ...string) *serverProc {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn,
		"--rate-limit", "0", "--purge-interval", "24h"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SHELF_DEMO=")
	w := &listenWatcher{addr: make(chan string, 1)}
	p := &serverProc{t: t, cmd: cmd, logs: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stdout = w
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start shelf serve: %v", err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	select {
	case p.base = <-w.addr:
	case <-p.done:
		t.Fatalf("shelf serve exited before listening: %v\n%s", p.err, p.tail(4000))
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("shelf serve did not listen within 30 s\n%s", p.tail(4000))
	}
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serverProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serverProc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(30 * time.Second):
		p.kill()
		return fmt.Errorf("shelf serve did not stop within 30 s of SIGTERM")
	}
}

// alive reports whether the process is still running.
func (p *serverProc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// httpResult is what one request got back; err is set when no complete
// answer arrived (the request is then unacknowledged).
type httpResult struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// call sends one request with an API token and reads the whole answer.
func call(ctx context.Context, hc *http.Client, base, token, method, path string, body any) httpResult {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return httpResult{err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return httpResult{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := hc.Do(req)
	if err != nil {
		return httpResult{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return httpResult{status: res.StatusCode, err: err}
	}
	return httpResult{status: res.StatusCode, header: res.Header, body: b}
}

// dbHealth checks what a crash must never break, on a database file that no
// process has open: SQLite's own integrity and foreign-key checks, no note or
// loan without its item, and the audit log's hash chain. It returns the
// number of audit events.
func dbHealth(t *testing.T, db *store.DB) int {
	t.Helper()
	ctx := context.Background()
	var integrity string
	if err := db.SQL().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("PRAGMA integrity_check: want ok, got %q (%v)", integrity, err)
	}
	rows, err := db.SQL().QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatalf("PRAGMA foreign_key_check: %v", err)
	}
	bad := 0
	for rows.Next() {
		bad++
	}
	rows.Close()
	if bad != 0 {
		t.Errorf("PRAGMA foreign_key_check: want no violations, got %d", bad)
	}
	for _, q := range []string{
		"SELECT count(*) FROM notes WHERE item_id NOT IN (SELECT id FROM items)",
		"SELECT count(*) FROM loans WHERE item_id NOT IN (SELECT id FROM items)",
	} {
		var n int
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: want 0 orphans, got %d (%v)", q, n, err)
		}
	}
	var total int
	if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM audit_events").Scan(&total); err != nil {
		t.Fatal(err)
	}
	return total
}

// verifyWithBinary runs `shelf audit verify` on the database, as an operator
// would after a crash, and fails the test unless it passes.
func verifyWithBinary(t *testing.T, bin, dbPath string) {
	t.Helper()
	out, err := exec.Command(bin, "audit", "verify", "--db", "sqlite:"+dbPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "intact") {
		t.Errorf("shelf audit verify: want exit 0 and an intact log, got %v: %s", err, out)
	}
}
