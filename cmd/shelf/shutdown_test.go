package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"shelf"
	"shelf/service"
)

// TestServeFinishesInFlightRequestsOnSIGTERM: a request in flight when
// SIGTERM arrives (here, a bulk delete whose body is still arriving) is
// served to the end and its work is committed; the server accepts no new
// connection meanwhile, then exits 0.
func TestServeFinishesInFlightRequestsOnSIGTERM(t *testing.T) {
	bin := buildShelf(t)
	dbPath := filepath.Join(t.TempDir(), "shelf.db")
	token, ids := seedFaultDB(t, dbPath)
	p := startServer(t, bin, dbPath)
	addr := strings.TrimPrefix(p.base, "http://")

	body := fmt.Sprintf(`{"ids":[%d,%d],"reason":"moving out"}`, ids["live0"], ids["live1"])
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /api/v1/items/bulk-delete HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + token +
		"\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n"
	half := len(body) / 2
	if _, err := conn.Write([]byte(head + body[:half])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the server is now reading the body
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// While the request is in flight the process stays, and takes no one new.
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err != nil {
			refused = true
			break
		} else {
			c.Close()
		}
	}
	if !refused {
		t.Error("after SIGTERM: new connections still accepted after 5 s")
	}
	if !p.alive() {
		t.Fatalf("shelf serve exited with a request in flight: %v\n%s", p.err, p.tail(3000))
	}

	if _, err := conn.Write([]byte(body[half:])); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no response: %v\n%s", err, p.tail(3000))
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the in-flight bulk delete: status %d, want 200", res.StatusCode)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("shelf serve after SIGTERM: want exit 0, got %v\n%s", p.err, p.tail(3000))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("shelf serve did not exit after its last request")
	}

	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	for _, k := range []string{"live0", "live1"} {
		var trashed bool
		if err := db.SQL().QueryRowContext(context.Background(), `SELECT deleted_at IS NOT NULL FROM items WHERE id = ?`, ids[k]).Scan(&trashed); err != nil || !trashed {
			t.Errorf("%s after the in-flight bulk delete: trashed %v, %v", k, trashed, err)
		}
	}
	// note: snapshots are sealed in the database; the service opens them.
	var events int
	err = service.New(db).ExportAudit(context.Background(), time.Time{}, func(e shelf.AuditEvent) error {
		if e.Action == shelf.ActionItemTrash && strings.Contains(string(e.Snapshot), `"reason":"moving out"`) {
			events++
		}
		return nil
	})
	if err != nil || events != 2 {
		t.Errorf("audit events of the in-flight bulk delete: %d, %v; want 2", events, err)
	}
}
