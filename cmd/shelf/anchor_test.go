package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// TestServeAnchorsAuditLanes: shelf serve writes an audit.anchor event on
// its timer once lanes have moved (the demo data trashes an item), which
// binds every lane's head and verifies as the log's head; a bad interval is
// a usage error.
func TestServeAnchorsAuditLanes(t *testing.T) {
	r := runCLI(t, nil, "", "serve", "--audit-anchor-interval", "0s", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	r.wantExit(t, 2, "serve --audit-anchor-interval 0s")

	dbPath := filepath.Join(t.TempDir(), "shelf.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", "sqlite:" + dbPath, "--audit-anchor-interval", "100ms"},
			func(string) string { return "" }, strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	started := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Shelf is listening on ") {
			started = true
			break
		}
	}
	if !started {
		t.Fatalf("server did not start: %v", <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()

	db, err := store.Open(context.Background(), "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := service.New(db)
	deadline := time.Now().Add(15 * time.Second)
	var c store.AuditCheck
	for time.Now().Before(deadline) {
		if c, err = svc.CheckAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if c.Head.ID != 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c.Break != nil || c.Head.ID == 0 {
		t.Fatalf("want an anchor written by serve within 15 s and an intact log, got %+v", c)
	}
	page, err := svc.AuditEvents(context.Background(), shelf.System("test"), shelf.AuditFilter{Action: shelf.ActionAuditAnchor})
	if err != nil || len(page.Events) == 0 || page.Events[0].ID != c.Head.ID || page.Events[0].Lane != 0 {
		t.Errorf("the anchor: want the newest %s event in lane 0 as the head %v, got %+v, %v", shelf.ActionAuditAnchor, c.Head, page.Events, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after cancel: want a clean stop, got %v", err)
	}
}
