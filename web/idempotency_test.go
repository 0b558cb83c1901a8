package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shelf/internal/testimage"
)

// exec runs a statement on the test database.
func (e *apiEnv) exec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.db.SQL().Exec(e.rebind(query), args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

// TestAPIIdempotencyKey: the same key and body replay the first answer and
// act once; another body is 422; keys are per user and route; kept 24 h; a
// second request while the first runs is 409; on both engines, and across
// two servers on one database.
func TestAPIIdempotencyKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		first := e.req("owner", "POST", "/api/v1/items", `{"name":"Saw","quantity":2}`, "Idempotency-Key", "k-1")
		if first.status != http.StatusCreated || first.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first: %d %s (replayed %q)", first.status, first.body, first.header.Get("Idempotent-Replayed"))
		}
		// The same body as a JSON value: other spacing, other key order.
		again := e.req("owner", "POST", "/api/v1/items", `{ "quantity": 2, "name": "Saw" }`, "Idempotency-Key", "k-1")
		if again.status != http.StatusCreated || string(again.body) != string(first.body) ||
			again.header.Get("Location") != first.header.Get("Location") || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s Location %q, want the first answer %s at %q", again.status, again.body,
				again.header.Get("Location"), first.body, first.header.Get("Location"))
		}
		if n := e.count(`SELECT count(*) FROM items WHERE name = 'Saw'`); n != 1 {
			t.Fatalf("%d items named Saw after a replay, want 1", n)
		}
		var saw struct{ ID int64 }
		first.json(t, &saw)
		e.ids["saw"] = saw.ID

		// Another body with the key: 422, nothing done.
		before := e.snapshot()
		res := e.req("owner", "POST", "/api/v1/items", `{"name":"Hammer"}`, "Idempotency-Key", "k-1")
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), `"code":"idempotency_key_reused"`) {
			t.Errorf("another body: %d %s, want 422 idempotency_key_reused", res.status, res.body)
		}
		if e.snapshot() != before {
			t.Error("a refused reuse changed the database")
		}

		// Keys are the user's and the route's own.
		if res := e.req("other", "POST", "/api/v1/items", `{"name":"Saw","quantity":2}`, "Idempotency-Key", "k-1"); res.status != http.StatusCreated ||
			res.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("another user with the key: %d (replayed %q), want a new 201", res.status, res.header.Get("Idempotent-Replayed"))
		}
		if res := e.req("owner", "POST", "/api/v1/categories", `{"name":"Saws"}`, "Idempotency-Key", "k-1"); res.status != http.StatusCreated {
			t.Errorf("another route with the key: %d %s, want 201", res.status, res.body)
		}

		// Refusals are answers too: a 409 replays as a 409.
		dup := e.req("owner", "POST", "/api/v1/items", `{"name":"Drill"}`, "Idempotency-Key", "k-dup")
		if dup.status != http.StatusConflict {
			t.Fatalf("duplicate: %d", dup.status)
		}
		e.req("owner", "DELETE", "/api/v1/items/{item}", "")
		if res := e.req("owner", "POST", "/api/v1/items", `{"name":"Drill"}`, "Idempotency-Key", "k-dup"); res.status != http.StatusConflict ||
			res.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry of a 409: %d (replayed %q), want the 409 replayed", res.status, res.header.Get("Idempotent-Replayed"))
		}

		// A bulk delete retried acts once: one cohort, one set of events.
		bulk := `{"ids":[{lent},{foreign}]}`
		e.req("owner", "POST", "/api/v1/loans/{loan}/return", "")
		b1 := e.req("owner", "POST", "/api/v1/items/bulk-delete", bulk, "Idempotency-Key", "bulk-1")
		events := e.auditCount("item.trash")
		b2 := e.req("owner", "POST", "/api/v1/items/bulk-delete", bulk, "Idempotency-Key", "bulk-1")
		if b1.status != 200 || string(b1.body) != string(b2.body) || e.auditCount("item.trash") != events {
			t.Errorf("bulk retry: %s then %s, events %d then %d", b1.body, b2.body, events, e.auditCount("item.trash"))
		}

		// Kept 24 hours: an older key runs anew.
		e.exec(`UPDATE idempotency_keys SET created_at = ? WHERE key = 'k-dup'`, time.Now().UTC().Add(-25*time.Hour).Format("2006-01-02T15:04:05.000000Z"))
		if res := e.req("owner", "POST", "/api/v1/items", `{"name":"Drill"}`, "Idempotency-Key", "k-dup"); res.status != http.StatusCreated {
			t.Errorf("after 24 h: %d %s, want the request to run (201)", res.status, res.body)
		}

		// While the first request runs, a second is 409; a first request
		// that died (no answer for over a minute) gives way.
		// (A first request is made to look unfinished by clearing its answer.)
		note := `{"body":"busy"}`
		e.req("owner", "POST", "/api/v1/items/{saw}/notes", note, "Idempotency-Key", "busy")
		e.exec(`UPDATE idempotency_keys SET status = 0, body = NULL, created_at = ? WHERE key = 'busy'`, time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"))
		res = e.req("owner", "POST", "/api/v1/items/{saw}/notes", note, "Idempotency-Key", "busy")
		if res.status != http.StatusConflict || !strings.Contains(string(res.body), `"code":"idempotency_key_in_use"`) {
			t.Errorf("while running: %d %s, want 409 idempotency_key_in_use", res.status, res.body)
		}
		e.exec(`UPDATE idempotency_keys SET created_at = ? WHERE key = 'busy'`, time.Now().UTC().Add(-2*time.Minute).Format("2006-01-02T15:04:05.000000Z"))
		if res := e.req("owner", "POST", "/api/v1/items/{saw}/notes", note, "Idempotency-Key", "busy"); res.status != http.StatusCreated ||
			res.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("after the first died: %d %s, want it to run (201)", res.status, res.body)
		}
		if n := e.count(`SELECT count(*) FROM notes WHERE body = 'busy'`); n != 2 {
			t.Errorf("%d notes, want 2 (the first, and the retry that ran in place of its lost answer)", n)
		}

		// Malformed keys are 400.
		for _, k := range []string{strings.Repeat("k", 256), "two words", "clé"} {
			if res := e.req("owner", "POST", "/api/v1/categories", `{"name":"X"}`, "Idempotency-Key", k); res.status != http.StatusBadRequest {
				t.Errorf("key %q: %d, want 400", k, res.status)
			}
		}

		// Another server on the same database replays what this one answered.
		srv2, err := New(Config{Service: e.svc, Logger: e.srv.log})
		if err != nil {
			t.Fatal(err)
		}
		ts2 := httptest.NewServer(srv2)
		defer ts2.Close()
		req, _ := http.NewRequest("POST", ts2.URL+"/api/v1/items", strings.NewReader(`{"name":"Saw","quantity":2}`))
		req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "k-1")
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r2.Body)
		r2.Body.Close()
		if r2.StatusCode != http.StatusCreated || string(b) != string(first.body) || r2.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("the other server: %d %s, want the first answer replayed", r2.StatusCode, b)
		}
	})
}

// TestAPIIdempotentTokenKeepsNoSecret: a token made under an Idempotency-Key
// replays without its secret, and the secret is stored nowhere.
func TestAPIIdempotentTokenKeepsNoSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		c, csrf := e.sessionClient("owner")
		req := func() response {
			r, body := e.newRequest("", "POST", "/api/v1/tokens", `{"name":"ci"}`, "X-CSRF-Token", csrf, "Idempotency-Key", "tok-1")
			res, err := c.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			resp := response{status: res.StatusCode, header: res.Header, body: b}
			validateAgainstOpenAPI(t, r, body, resp)
			return resp
		}
		first, again := req(), req()
		if first.status != 201 || !strings.Contains(string(first.body), `"token":"shelf_`) {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		if again.status != 201 || !strings.Contains(string(again.body), `"token":null`) || again.header.Get("Location") != first.header.Get("Location") {
			t.Errorf("replay: %d %s, want 201 with the same Location and a null token", again.status, again.body)
		}
		if n := e.count(`SELECT count(*) FROM api_tokens WHERE name = 'ci'`); n != 1 {
			t.Errorf("%d tokens named ci, want 1", n)
		}
		var secret struct{ Token string }
		first.json(t, &secret)
		rows, err := e.db.SQL().Query(`SELECT body FROM idempotency_keys`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), secret.Token) {
				t.Error("the token's secret is stored with its idempotency key")
			}
		}
	})
}

// TestAPIIdempotentPhotoUpload: a retried upload (a new multipart boundary,
// the same photo) replays the first answer and stores one photo.
func TestAPIIdempotentPhotoUpload(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		img := testimage.EXIFJPEG(64, 48, 1)
		send := func() response {
			body, ct := multipartFile("file", "photo.jpg", img)
			return e.req("owner", "POST", "/api/v1/items/{item}/photos", body, "Content-Type", ct, "Idempotency-Key", "upload-1")
		}
		first, again := send(), send()
		if first.status != http.StatusCreated || again.status != http.StatusCreated || string(first.body) != string(again.body) ||
			again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("upload twice with a key: %d %s then %d %s (replayed %q)", first.status, first.body, again.status, again.body,
				again.header.Get("Idempotent-Replayed"))
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE item_id = ?`, e.ids["item"]); n != 1 {
			t.Errorf("%d photos after a retried upload, want 1", n)
		}
	})
}
