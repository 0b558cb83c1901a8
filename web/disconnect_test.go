package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shelf/internal/syncbuf"
)

// TestClientDisconnectIsAllOrNothing sends bulk deletes of 500 items (each
// with notes) and hangs up at moments spread over twice the time one takes,
// on both engines. Whenever the client leaves, the request's transaction either
// committed whole (every item trashed, one cohort, one audit event each) or
// left nothing at all; and the server answers the next request normally.
func TestClientDisconnectIsAllOrNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		var logs syncbuf.Buffer
		e := open(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
		ids := e.seedMany(500, 3)
		var started, finished atomic.Int64
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			started.Add(1)
			defer finished.Add(1)
			e.srv.ServeHTTP(w, r)
		}))
		defer ts.Close()
		body := `{"ids":[` + strings.Trim(strings.Join(strings.Fields(fmt.Sprint(ids)), ","), "[]") + `]}`
		send := func(ctx context.Context) (int, error) {
			req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/api/v1/items/bulk-delete", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
			res, err := ts.Client().Do(req)
			if err != nil {
				return 0, err
			}
			res.Body.Close()
			return res.StatusCode, nil
		}
		// How long one takes when nobody hangs up; then undo it.
		start := time.Now()
		if st, err := send(context.Background()); err != nil || st != 200 {
			t.Fatalf("bulk delete: %d, %v", st, err)
		}
		full := time.Since(start)
		e.restoreAll(ids)

		whole, none := 0, 0
		for i := range 10 {
			events := e.count(`SELECT count(*) FROM audit_events`)
			ctx, cancel := context.WithTimeout(context.Background(), full*time.Duration(i+1)/5)
			_, err := send(ctx)
			cancel()
			e.waitHandlers(&started, &finished, int64(i+2))
			trashed := e.count(`SELECT count(*) FROM items WHERE owner_id = ? AND deleted_at IS NOT NULL AND name LIKE 'many %'`, e.users["owner"].ID)
			newEvents := e.count(`SELECT count(*) FROM audit_events`) - events
			switch {
			case trashed == 0 && newEvents == 0:
				none++
			case trashed == len(ids) && newEvents == len(ids):
				whole++
				cohorts := e.count(`SELECT count(DISTINCT deleted_cohort) FROM items WHERE name LIKE 'many %'`)
				if cohorts != 1 {
					t.Errorf("attempt %d: the bulk delete left %d cohorts, want 1", i, cohorts)
				}
				e.restoreAll(ids)
			default:
				t.Fatalf("attempt %d (hung up after %s, err %v): %d of %d items trashed with %d audit events: half a request",
					i, full*time.Duration(i+1)/5, err, trashed, len(ids), newEvents)
			}
		}
		if n := e.count(`SELECT count(*) FROM notes WHERE item_id IN (SELECT id FROM items WHERE name LIKE 'many %')`); n != 3*len(ids) {
			t.Errorf("notes: want %d, got %d", 3*len(ids), n)
		}
		if n, brk, err := e.svc.VerifyAudit(context.Background()); err != nil || brk != nil {
			t.Errorf("audit chain: %d events, %+v, %v", n, brk, err)
		}
		if res := e.raw("owner", "DELETE", "/api/v1/items/{item}", ""); res.status != http.StatusNoContent {
			t.Errorf("the next request after the hang-ups: %d, want 204", res.status)
		}
		// A hang-up is the client's doing: no 500, no error in the log.
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec struct {
				Level  string  `json:"level"`
				Msg    string  `json:"msg"`
				Status float64 `json:"status"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if rec.Level == "ERROR" || rec.Status >= 500 {
				t.Errorf("a hang-up logged as a server failure: %s", line)
			}
		}
		t.Logf("a bulk delete of %d items takes %s; of 10 hang-ups, %d came after the commit, %d before", len(ids), full.Round(time.Millisecond), whole, none)
	})
}

// seedMany gives the owner n more live items named "many N", each with
// notes, written directly in one transaction, and returns their ids.
func (e *apiEnv) seedMany(n, notes int) []int64 {
	e.t.Helper()
	ctx := context.Background()
	tx, err := e.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	owner := e.users["owner"].ID
	ids := make([]int64, 0, n)
	for i := range n {
		var id int64
		if err := tx.QueryRowContext(ctx, e.rebind(`INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at)
			VALUES (?, ?, '', 1, 1, ?, ?) RETURNING id`), owner, fmt.Sprintf("many %d", i), now, now).Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		for j := range notes {
			if _, err := tx.ExecContext(ctx, e.rebind(`INSERT INTO notes (item_id, author_id, body, created_at) VALUES (?, ?, ?, ?)`),
				id, owner, fmt.Sprintf("note %d", j), now); err != nil {
				e.t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// restoreAll brings the items back from the Trash, through the service.
func (e *apiEnv) restoreAll(ids []int64) {
	e.t.Helper()
	var cohort string
	if err := e.queryRow(e.rebind(`SELECT deleted_cohort FROM items WHERE id = ?`), ids[0]).Scan(&cohort); err != nil {
		e.t.Fatal(err)
	}
	res, err := e.svc.RestoreCohort(context.Background(), e.actor("owner"), cohort)
	if err != nil || len(res.Restored) != len(ids) {
		e.t.Fatalf("restore: %d of %d, %v", len(res.Restored), len(ids), err)
	}
}

// waitHandlers waits until the server has begun want requests (or 2 s have
// gone by: a hang-up can come before the request is read) and has finished
// every one it began, so that the transactions they ran are over.
func (e *apiEnv) waitHandlers(started, finished *atomic.Int64, want int64) {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for started.Load() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for finished.Load() < started.Load() {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			e.t.Fatal("a handler did not finish within 30 s of its client leaving")
		}
		time.Sleep(time.Millisecond)
	}
}
