package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/internal/syncbuf"
)

// Attacks on the logs: forged log lines and rewritten audit rows.

// TestAttackControlCharactersInLogs sends CR, LF and ANSI escapes wherever a
// client can put them (the path, a login email, a note's body, names) and
// checks that the log stays one JSON record per line with none of them raw.
// (The audit export's escaping is TestCLIExportIsOneEventPerLine's.)
func TestAttackControlCharactersInLogs(t *testing.T) {
	var logs syncbuf.Buffer
	e := newAPIEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	evil := "x\r\n{\"level\":\"ERROR\",\"msg\":\"forged\"}\x1b[2J\x1b]0;owned\x07"
	esc := url.PathEscape(evil)
	e.raw("owner", "GET", "/api/v1/items/"+esc, "")
	e.raw("owner", "GET", "/items/"+esc+"/delete", "")
	e.raw("owner", "DELETE", "/api/v1/"+esc, "")
	e.raw("owner", "GET", "/api/v1/items?q="+url.QueryEscape(evil), "")
	e.raw("other", "DELETE", "/api/v1/items/{item}", "")
	for _, name := range []string{evil, "a\rb", "a\nb", "a\x1b[31mb", "a\x7fb"} {
		b, _ := json.Marshal(map[string]string{"name": name})
		if res := e.raw("owner", "POST", "/api/v1/items", string(b)); res.status != http.StatusUnprocessableEntity {
			t.Errorf("a name with control characters %q: %d, want 422", name, res.status)
		}
	}
	b, _ := json.Marshal(map[string]string{"body": evil})
	res := e.raw("owner", "POST", "/api/v1/items/{item}/notes", string(b))
	var note struct {
		ID int64 `json:"id"`
	}
	res.json(t, &note)
	if res := e.raw("owner", "DELETE", "/api/v1/notes/"+itoa(note.ID), ""); res.status != http.StatusNoContent {
		t.Fatalf("delete the note: %d", res.status)
	}
	anon := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	anon.Jar, _ = cookiejar.New(nil)
	tok := e.csrfFrom(anon, "/login")
	e.sessionReq(anon, "POST", "/login", "email="+url.QueryEscape(evil)+"&password=x&csrf_token="+tok)
	// The audit API answers JSON, where the body is escaped too.
	if res := e.raw("admin", "GET", "/api/v1/audit?action=note.delete", ""); strings.ContainsAny(string(res.body), "\r\x1b") {
		t.Errorf("the audit API answers raw control characters: %q", res.body)
	}

	raw := logs.String()
	if strings.ContainsAny(raw, "\r\x1b\x07") {
		t.Errorf("the log holds raw CR or escape characters:\n%q", raw)
	}
	lines := strings.Split(strings.TrimSuffix(raw, "\n"), "\n")
	forged := 0
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line is not one JSON record: %q", line)
			continue
		}
		if rec["msg"] == "forged" {
			forged++
		}
		if p, _ := rec["path"].(string); strings.Contains(p, "forged") && !strings.Contains(p, "\r\n") {
			t.Errorf("the path lost its line break instead of being escaped: %q", p)
		}
	}
	if forged != 0 {
		t.Errorf("%d forged log records", forged)
	}
	if !strings.Contains(raw, `\r\n`) || !strings.Contains(raw, `\u001b`) {
		t.Errorf("the hostile path did not reach the log, escaped:\n%s", raw)
	}
}

// TestAttackAuditLogIsAppendOnly tries to change or remove audit rows
// directly in the database, on both engines: refused, nothing changed, and
// a forged row slipped in behind the triggers' back is caught by verify.
func TestAttackAuditLogIsAppendOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		ctx := context.Background()
		before := e.snapshot()
		stmts := []string{
			`UPDATE audit_events SET summary = 'nothing happened'`,
			`UPDATE audit_events SET hash = prev_hash WHERE id = 1`,
			`DELETE FROM audit_events WHERE id = 2`,
			`DELETE FROM audit_events`,
		}
		if e.db.Engine() == "postgres" {
			stmts = append(stmts, `TRUNCATE audit_events`)
		}
		for _, q := range stmts {
			if _, err := e.db.SQL().ExecContext(ctx, q); err == nil {
				t.Errorf("%s: want the database to refuse it, it succeeded", q)
			}
		}
		if e.snapshot() != before {
			t.Fatal("a refused statement changed the database")
		}
		if n, brk, err := e.svc.VerifyAudit(ctx); err != nil || brk != nil || n == 0 {
			t.Fatalf("verify: want an intact log, got %d, %+v, %v", n, brk, err)
		}
		// Inserts are allowed (that is how events are written), so a forger
		// can append. One that does not link to its lane's head is refused;
		// one that does is named by verify.
		var last, seq int64
		var head string
		if err := e.db.SQL().QueryRowContext(ctx, `SELECT max(id) FROM audit_events`).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if err := e.db.SQL().QueryRowContext(ctx, `SELECT seq, hash FROM audit_lanes WHERE lane = 0`).Scan(&seq, &head); err != nil {
			t.Fatal(err)
		}
		forge := e.rebind(`INSERT INTO audit_events (id, at, action, entity_type, entity_id, cohort, summary, snapshot,
			request_id, remote_addr, prev_hash, hash, lane, seq) VALUES (?, '2026-01-01T00:00:00.000000Z', 'item.restore', 'item', 1, '', 'forged', '{}', '', '', ?, 'y', 0, ?)`)
		if _, err := e.db.SQL().ExecContext(ctx, forge, last+1, "x", seq+1); err == nil {
			t.Errorf("forge an event that does not extend its lane: want the database to refuse it, it succeeded")
		}
		if _, err := e.db.SQL().ExecContext(ctx, forge, last+1, head, seq+1); err != nil {
			t.Fatalf("forge an event: %v", err)
		}
		_, brk, err := e.svc.VerifyAudit(ctx)
		if err != nil || brk == nil || brk.ID != last+1 {
			t.Errorf("verify after a forged event: want a break at %d, got %+v, %v", last+1, brk, err)
		}
	})
}

// flipFirst returns s with its first character changed.
func flipFirst(s string) string {
	if s[0] == 'x' {
		return "y" + s[1:]
	}
	return "x" + s[1:]
}

func shelfError(err error) map[string]string {
	var e *shelf.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
