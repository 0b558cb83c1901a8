package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/store/storetest"
)

// TestRateLimitHoldsAcrossInstances: on PostgreSQL, two instances (two
// services and servers on one database) share each user's bucket, so a
// limit of 1 a second (bursts of 2) lets 2 deletes through in a burst
// whichever instance serves them, not 2 per instance; the refusal is 429
// with Retry-After and leaves the item alone. Another user's bucket is
// their own. (SQLite is served by one process, whose buckets are in memory.)
func TestRateLimitHoldsAcrossInstances(t *testing.T) {
	storetest.PostgresURL(t)
	limited := func(c *Config) { c.RateLimit = 1 }
	e := newAPIEnvOn(t, storetest.OpenPostgres(t), limited)
	second, err := New(Config{Service: service.New(e.db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(second)
	t.Cleanup(ts2.Close)

	ctx := context.Background()
	var ids []int64
	for i := range 4 {
		it, err := e.svc.CreateItem(ctx, e.actor("owner"), shelf.ItemInput{Name: fmt.Sprint("Burst ", i), Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	del := func(base, who string, id int64) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("DELETE", base+"/api/v1/items/"+itoa(id), nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for i, base := range []string{e.ts.URL, ts2.URL} {
		if res := del(base, "owner", ids[i]); res.StatusCode != http.StatusNoContent {
			t.Fatalf("delete %d of the burst, on instance %d: %d, want 204", i+1, i+1, res.StatusCode)
		}
	}
	for i, base := range []string{e.ts.URL, ts2.URL} {
		res := del(base, "owner", ids[2+i])
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("delete %d of the burst, on instance %d: %d, want 429 (the burst of 2 is the deployment's)", 3+i, i+1, res.StatusCode)
		}
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("429 with Retry-After %q, want seconds", res.Header.Get("Retry-After"))
		}
		if e.count(`SELECT count(*) FROM items WHERE id = ? AND deleted_at IS NULL`, ids[2+i]) != 1 {
			t.Errorf("a refused delete moved item %d to the Trash", ids[2+i])
		}
	}
	if res := del(ts2.URL, "other", e.ids["foreign"]); res.StatusCode != http.StatusNoContent {
		t.Errorf("another user's delete during the flood: %d, want 204", res.StatusCode)
	}
}
