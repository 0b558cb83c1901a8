package web

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"shelf/store"
	"shelf/store/storetest"
)

// pgProxy forwards TCP connections to PostgreSQL until it is cut: then it
// drops every open connection and refuses new ones, as a network partition
// or a restarting server would.
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *pgProxy) serve(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.mu.Unlock()
	s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	done := func() {
		c.Close()
		s.Close()
	}
	go func() { _, _ = io.Copy(s, c); done() }()
	go func() { _, _ = io.Copy(c, s); done() }()
}

// cut drops every connection and refuses new ones until restore.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *pgProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// openProxiedPostgres opens a fresh, migrated PostgreSQL database reached
// through a proxy that the test can cut.
func openProxiedPostgres(t *testing.T) (*store.DB, *pgProxy) {
	t.Helper()
	server := storetest.PostgresURL(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "shelf_outage_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})

	proxy := newPGProxy(t, u.Host)
	u.Host, u.Path = proxy.ln.Addr().String(), "/"+name
	ctx := context.Background()
	db, err := store.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, proxy
}

// TestPostgresOutage runs the server on PostgreSQL through a proxy, cuts the
// proxy (every connection dropped, new ones refused) and checks that writes
// answer 503 with Retry-After within 3 s while the server stays up, that
// nothing partial is written, and that it recovers by itself within 5 s of
// the connection coming back.
func TestPostgresOutage(t *testing.T) {
	db, proxy := openProxiedPostgres(t)
	ctx := context.Background()
	e := newAPIEnvOn(t, db)
	before := e.snapshot()

	writes := []struct{ method, path, body string }{
		{"DELETE", "/api/v1/items/{item}", ""},
		{"POST", "/api/v1/items/bulk-delete", `{"ids":[{item}]}`},
		{"POST", "/api/v1/trash/{trashed}/restore", ""},
		{"DELETE", "/api/v1/trash/{trashed}", ""},
		{"POST", "/api/v1/items", `{"name":"made during the outage"}`},
	}
	proxy.cut()
	for round := range 2 { // the first meets dropped connections, the second refused ones
		for _, w := range writes {
			start := time.Now()
			res := e.raw("owner", w.method, w.path, w.body)
			took := time.Since(start)
			if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
				t.Errorf("round %d: %s %s during the outage: want 503 with Retry-After, got %d: %s", round, w.method, w.path, res.status, res.body)
			}
			if took > 3*time.Second {
				t.Errorf("round %d: %s %s during the outage: answered after %s, want within 3 s", round, w.method, w.path, took)
			}
			if strings.Contains(string(res.body), "pgx") || strings.Contains(string(res.body), "dial") {
				t.Errorf("the error body shows the driver's text: %s", res.body)
			}
		}
	}
	if res := e.raw("", "GET", "/healthz", ""); res.status != http.StatusOK {
		t.Errorf("healthz during the outage: %d", res.status)
	}
	if res := e.raw("", "GET", "/readyz", ""); res.status != http.StatusServiceUnavailable {
		t.Errorf("readyz during the outage: %d, want 503", res.status)
	}

	proxy.restore()
	back := time.Now()
	for {
		res := e.raw("", "GET", "/readyz", "")
		if res.status == http.StatusOK {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("not ready 5 s after the outage ended: %d", res.status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if e.snapshot() != before {
		t.Fatal("writes refused during the outage changed the database")
	}
	for {
		res := e.raw("owner", "DELETE", "/api/v1/items/{item}", "")
		if res.status == http.StatusNoContent {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("a write 5 s after the outage ended: %d: %s", res.status, res.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("recovered %s after the connection came back", time.Since(back).Round(time.Millisecond))
	if n, brk, err := e.svc.VerifyAudit(ctx); err != nil || brk != nil {
		t.Errorf("audit chain: %d, %+v, %v", n, brk, err)
	}
}
