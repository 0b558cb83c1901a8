package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store/storetest"
)

// TestEventsAcrossTwoProcesses: two shelf serve processes on one PostgreSQL
// database; a subscriber of one hears of a delete made through the other.
func TestEventsAcrossTwoProcesses(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	db, closeDB := openDB(t, dsn)
	owner := addTokenUser(t, service.New(db), "owner@example.com", "Owner", numbered("Lamp %d", 3)...)
	closeDB()
	token := owner.token

	bin := buildShelf(t)
	a, b := startInstance(t, bin, dsn), startInstance(t, bin, dsn)
	req, _ := http.NewRequest("GET", b+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(sctx))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("subscribe on the second instance: %v %v", res, err)
	}
	defer res.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for _, it := range owner.items {
		id := it.ID
		r := call(ctx, http.DefaultClient, a, token, "DELETE", fmt.Sprintf("/api/v1/items/%d", id), nil)
		if r.status != 204 {
			t.Fatalf("delete %d on the first instance: %d %s %v", id, r.status, r.body, r.err)
		}
		start := time.Now()
		want := fmt.Sprintf(`"entity_id":%d,`, id)
		for found := false; !found; {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the stream ended")
				}
				found = strings.HasPrefix(l, "data: ") && strings.Contains(l, want)
			case <-time.After(5 * time.Second):
				t.Fatalf("the delete of item %d did not reach the other instance's stream within 5 s", id)
			}
		}
		t.Logf("item %d's event crossed instances in %s", id, time.Since(start).Round(time.Millisecond))
	}
}

// TestWebhookDeliveryInFlightDuringCrash: shelf serve is killed (SIGKILL)
// while a receiver holds a delivery open; after a restart the event is sent
// again, with the same webhook-id, once the dead process's claim runs out,
// and the delivery log records the attempt that the receiver answered.
func TestWebhookDeliveryInFlightDuringCrash(t *testing.T) {
	dsn, path := tempDB(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []string
	first := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("webhook-id"))
		n := len(got)
		mu.Unlock()
		if n == 1 {
			once.Do(func() { close(first) })
			<-release // note: the first attempt hangs until the test has killed its sender
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	defer close(release)

	db, closeDB := openDB(t, dsn)
	svc := service.New(db, service.WithWebhookPrivate(true))
	seeded := addTokenUser(t, svc, "owner@example.com", "Owner", "Lamp")
	owner, token, it := seeded.actor, seeded.token, seeded.items[0]
	wh, err := svc.CreateWebhook(ctx, owner, service.WebhookInput{URL: recv.URL, Events: []string{shelf.ActionItemTrash}})
	if err != nil {
		t.Fatal(err)
	}
	closeDB()

	bin := buildShelf(t)
	p := startServer(t, bin, path, "--webhook-allow-private")
	if r := call(ctx, http.DefaultClient, p.base, token, "DELETE", fmt.Sprintf("/api/v1/items/%d", it.ID), nil); r.status != 204 {
		t.Fatalf("delete: %d %s %v", r.status, r.body, r.err)
	}
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook was not called within 10 s")
	}
	p.kill() // note: the delivery is in flight: claimed, sent, not answered
	p = startServer(t, bin, path, "--webhook-allow-private")
	deadline := time.Now().Add(90 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery in flight during the crash was not sent again within 90 s of the restart\n%s", p.tail(2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	ids := append([]string(nil), got...)
	mu.Unlock()
	if ids[0] == "" || ids[1] != ids[0] {
		t.Fatalf("webhook-ids: want the same id again after the crash, got %q", ids)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	db, closeDB = openDB(t, dsn)
	defer closeDB()
	_, ds, err := service.New(db).WebhookDeliveries(ctx, owner, wh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Status == nil || *ds[0].Status != 204 || fmt.Sprint(ds[0].EventID) != ids[0] {
		t.Fatalf("delivery log: want one answered attempt of event %s, got %+v", ids[0], ds)
	}
}
