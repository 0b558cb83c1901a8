package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shelf"
	"shelf/internal/syncbuf"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newAPIEnv(t)
	if res := e.req("", "GET", "/healthz", ""); res.status != 200 {
		t.Errorf("healthz %d", res.status)
	}
	if res := e.req("", "GET", "/readyz", ""); res.status != 200 {
		t.Errorf("readyz %d", res.status)
	}
	e.db.Close()
	res := e.req("", "GET", "/readyz", "")
	if res.status != 503 || res.header.Get("Retry-After") == "" {
		t.Errorf("readyz with the database closed: %d, Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
}

func TestRequestIDLogLineAndAudit(t *testing.T) {
	var logs syncbuf.Buffer
	e := newAPIEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	res := e.req("owner", "DELETE", "/api/v1/items/{item}", "")
	id := res.header.Get("X-Request-Id")
	if res.status != 204 || len(id) < 16 {
		t.Fatalf("status %d, request id %q", res.status, id)
	}
	var stored string
	if err := e.queryRow(`SELECT request_id FROM audit_events WHERE entity_id = ? AND action = 'item.trash'`, e.ids["item"]).Scan(&stored); err != nil || stored != id {
		t.Errorf("audit request id %q (%v), want %q", stored, err, id)
	}
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(line, id) {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["route"] == "DELETE /api/v1/items/{id}" && rec["status"] == float64(204) {
			found = true
		}
	}
	if !found {
		t.Errorf("no request log line with id %s, route and status:\n%s", id, logs.String())
	}
}

func TestRefusalsAreLogged(t *testing.T) {
	var logs syncbuf.Buffer
	e := newAPIEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	res := e.req("other", "DELETE", "/api/v1/items/{item}", "")
	if res.status != 404 {
		t.Fatalf("status %d", res.status)
	}
	if !strings.Contains(logs.String(), `"refused":true`) {
		t.Errorf("refused authorization not logged:\n%s", logs.String())
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newAPIEnv(t)
	res := e.req("", "GET", "/healthz", "")
	csp := res.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows unsafe-inline: %q", csp)
	}
	if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("Referrer-Policy") == "" {
		t.Errorf("headers %v", res.header)
	}
}

// TestMetrics checks the request metrics, and that deletes, restores and
// purges are counted once whichever door they came through: an HTML form
// delete counts like an API DELETE.
func TestMetrics(t *testing.T) {
	e := newAPIEnv(t)
	before := e.metricsBody()
	extra, err := e.svc.CreateItem(t.Context(), e.actor("owner"), shelf.ItemInput{Name: "Form-deleted", Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.req("owner", "DELETE", "/api/v1/items/{item}", "")
	e.req("owner", "DELETE", "/api/v1/items/999999", "")
	e.req("owner", "POST", "/api/v1/trash/{trashed}/restore", "")
	e.req("owner", "DELETE", "/api/v1/trash/{item}", "")
	c, csrf := e.sessionClient("owner")
	res, err := c.PostForm(e.ts.URL+"/items/"+itoa(extra.ID)+"/delete", url.Values{"csrf_token": {csrf}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("HTML delete: %v, %v; want 303", res, err)
	}
	res.Body.Close()
	body := e.metricsBody()
	for _, want := range []string{
		`shelf_http_requests_total{method="DELETE",route="DELETE /api/v1/items/{id}",status="204"} 1`,
		`shelf_http_requests_total{method="DELETE",route="DELETE /api/v1/items/{id}",status="404"} 1`,
		`shelf_http_requests_total{method="POST",route="POST /items/{id}/delete",status="303"} 1`,
		`shelf_http_request_duration_seconds_bucket{route="DELETE /api/v1/items/{id}",status="204",le="2.5"} 1`,
		`shelf_http_request_duration_seconds_count{route="DELETE /api/v1/items/{id}",status="404"} 1`,
		`shelf_trash_items 2`, // as the first scrape counted it (refreshed at most every 15 s)
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for series, delta := range map[string]float64{
		`shelf_deletes_total{kind="item_trash"}`: 2, // one API DELETE, one form
		`shelf_restores_total{kind="item"}`:      1,
		`shelf_purges_total{kind="item"}`:        1,
	} {
		if got := metricValue(body, series) - metricValue(before, series); got != delta {
			t.Errorf("%s rose by %v, want %v", series, got, delta)
		}
	}
}

// metricsBody reads /metrics.
func (e *apiEnv) metricsBody() string {
	e.t.Helper()
	res := e.req("", "GET", "/metrics", "")
	if res.status != 200 {
		e.t.Fatalf("metrics %d", res.status)
	}
	return string(res.body)
}

// metricValue reads one series' value from a Prometheus text page (0 when
// the series is not there yet).
func metricValue(body, series string) float64 {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
