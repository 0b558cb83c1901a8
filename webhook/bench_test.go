package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store/storetest"
)

// BenchmarkWebhookLag measures how long events wait for their delivery
// under a delete load: 16 callers move b.N items to the Trash (SQLite, one
// sender with its default 4 workers), and a fast loopback receiver notes when
// each event arrives. Lag is the arrival time minus the event's time (its
// transaction's clock). It reports p50 and p99 in milliseconds.
func BenchmarkWebhookLag(b *testing.B) {
	db := storetest.OpenSQLite(b)
	ctx := context.Background()
	svc := service.New(db, service.WithWebhookPrivate(true))
	u, err := svc.AddUser(ctx, service.NewUser{Email: "bench@example.com", Name: "Bench", Password: "bench password", Role: shelf.RoleMember})
	if err != nil {
		b.Fatal(err)
	}
	owner := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "bench"}
	ids := make([]int64, b.N)
	for i := range ids {
		it, err := svc.CreateItem(ctx, owner, shelf.ItemInput{Name: fmt.Sprintf("Bench %d", i), Quantity: 1})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = it.ID
	}
	rc := newReceiver(b)
	var lags []time.Duration
	if _, err := svc.CreateWebhook(ctx, owner, service.WebhookInput{URL: rc.srv.URL, Events: []string{shelf.ActionItemTrash}}); err != nil {
		b.Fatal(err)
	}
	startSender(b, db, time.Now, true)
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) {
					return
				}
				if _, err := svc.TrashItem(ctx, owner, ids[i], 0); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := rc.wait(b, b.N, "every delivery")
	b.StopTimer()
	for _, g := range got {
		var p struct {
			Data shelf.Event `json:"data"`
		}
		if err := json.Unmarshal(g.body, &p); err != nil {
			b.Fatal(err)
		}
		lags = append(lags, g.at.Sub(p.Data.At))
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
}
