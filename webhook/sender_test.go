package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// received is one request a test receiver got.
type received struct {
	id, timestamp, signature string
	body                     []byte
	at                       time.Time
}

// receiver is a loopback webhook receiver that answers with the statuses
// it is given, in turn (200 once they run out).
type receiver struct {
	mu       sync.Mutex
	got      []received
	statuses []int
	srv      *httptest.Server
	arrived  chan struct{}
}

func newReceiver(t testing.TB, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses, arrived: make(chan struct{}, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), b, time.Now()})
		status := 200
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
		rc.arrived <- struct{}{}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) wait(t testing.TB, n int, what string) []received {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		rc.mu.Lock()
		got := append([]received(nil), rc.got...)
		rc.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-rc.arrived:
		case <-deadline:
			t.Fatalf("%s: want %d deliveries, got %d", what, n, len(got))
		}
	}
}

func forEachEngine(t *testing.T, f func(t *testing.T, open func(t *testing.T) *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, func(t *testing.T) *store.DB { return storetest.OpenSQLite(t) }) })
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresURL(t)
		f(t, func(t *testing.T) *store.DB { return storetest.OpenPostgres(t) })
	})
}

// startSender runs a sender over db (with its own service, which may
// reach private addresses when private is true) until the test ends.
func startSender(t testing.TB, db *store.DB, clock func() time.Time, private bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sender{Service: service.New(db, service.WithClock(clock), service.WithWebhookPrivate(private)), Poll: 50 * time.Millisecond}
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func newFixture(t *testing.T, db *store.DB) *servicetest.Fixture {
	f := servicetest.NewFixture(t, db)
	f.Svc = service.New(db, service.WithClock(f.Clock.Now), service.WithWebhookPrivate(true))
	return f
}

// TestDeliverySignedAndInOrder: events reach the receiver after commit,
// signed as Standard Webhooks say, with the event id as webhook-id, in
// event order, only the types asked for and only the owner's things.
func TestDeliverySignedAndInOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		f := newFixture(t, open(t))
		rc := newReceiver(t)
		wh, err := f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: rc.srv.URL + "/hook", Events: []string{"item.trash", "item.restore"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(wh.Secret, "whsec_") || len(wh.Secret) < 6+32 {
			t.Fatalf("secret: want whsec_ and base64 of 32 bytes, got %q", wh.Secret)
		}
		startSender(t, f.DB, f.Clock.Now, true)
		a, b := f.Item(f.Alice, "Lamp"), f.Item(f.Alice, "Chair")
		f.Trash(f.Alice, a.ID)
		f.Note(f.Alice, b.ID, "not asked for")
		bobs := f.Item(f.Bob, "Bob's")
		f.Trash(f.Bob, bobs.ID) // not Alice's
		f.Trash(f.Alice, b.ID)
		if _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		got := rc.wait(t, 3, "three events")
		want := []struct {
			typ string
			id  int64
		}{{"item.trash", a.ID}, {"item.trash", b.ID}, {"item.restore", a.ID}}
		for i, g := range got {
			if err := Verify(wh.Secret, g.id, g.timestamp, g.signature, g.body, time.Now()); err != nil {
				t.Fatalf("delivery %d: signature: %v", i, err)
			}
			var p struct {
				Type      string      `json:"type"`
				Timestamp time.Time   `json:"timestamp"`
				Data      shelf.Event `json:"data"`
			}
			if err := json.Unmarshal(g.body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != want[i].typ || p.Data.EntityID != want[i].id || g.id != itoa(p.Data.ID) || p.Timestamp.IsZero() {
				t.Fatalf("delivery %d: want %s of item %d with webhook-id the event id, got %s %s (id %s)", i, want[i].typ, want[i].id, p.Type, g.body, g.id)
			}
		}
		if err := Verify(wh.Secret, got[0].id, got[0].timestamp, "v1,AAAA "+got[0].signature, append(got[0].body, ' '), time.Now()); err == nil {
			t.Fatal("a changed body verified")
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.wait(t, 0, "")); n != 3 {
			t.Fatalf("deliveries: want exactly 3, got %d", n)
		}
		_, ds, err := f.Svc.WebhookDeliveries(f.Ctx, f.Alice, wh.ID)
		if err != nil || len(ds) != 3 || ds[0].Status == nil || *ds[0].Status != 200 || ds[0].Attempt != 1 {
			t.Fatalf("delivery log: want 3 successful first attempts, got %+v (%v)", ds, err)
		}
	})
}

// TestDeliveryRetriesWithBackoff: a failed attempt is retried after the
// backoff with the same webhook-id, and the next event waits for it; 410
// disables the webhook.
func TestDeliveryRetriesWithBackoff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		f := newFixture(t, open(t))
		rc := newReceiver(t, 500, 503)
		wh, err := f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: rc.srv.URL, Events: []string{"item.trash"}})
		if err != nil {
			t.Fatal(err)
		}
		startSender(t, f.DB, f.Clock.Now, true)
		a, b := f.Item(f.Alice, "Lamp"), f.Item(f.Alice, "Chair")
		f.Trash(f.Alice, a.ID)
		f.Trash(f.Alice, b.ID)
		rc.wait(t, 1, "first attempt")
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.wait(t, 0, "")); n != 1 {
			t.Fatalf("before the backoff: want 1 attempt, got %d", n)
		}
		_, ds, _ := f.Svc.WebhookDeliveries(f.Ctx, f.Alice, wh.ID)
		if len(ds) != 1 || ds[0].Status == nil || *ds[0].Status != 500 || ds[0].NextAttemptAt == nil ||
			!ds[0].NextAttemptAt.Equal(f.Clock.Now().Add(shelf.WebhookBackoff[0]).UTC().Truncate(time.Microsecond)) {
			t.Fatalf("after a 500: want it logged with the next attempt 5 s on, got %+v", ds)
		}
		f.Clock.Advance(shelf.WebhookBackoff[0])
		rc.wait(t, 2, "second attempt")
		// note: the clock moves on only once the attempt is logged, or its
		// next attempt would be reckoned from the moved clock.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, ds, _ := f.Svc.WebhookDeliveries(f.Ctx, f.Alice, wh.ID); len(ds) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the second attempt was not logged within 10 s")
			}
		}
		f.Clock.Advance(shelf.WebhookBackoff[1])
		got := rc.wait(t, 4, "third attempt and the next event")
		if got[0].id != got[1].id || got[1].id != got[2].id || got[3].id == got[0].id {
			t.Fatalf("webhook-ids: want the same id for the three attempts of one event, then the next, got %s %s %s %s", got[0].id, got[1].id, got[2].id, got[3].id)
		}

		rc.mu.Lock()
		rc.statuses = []int{410}
		rc.mu.Unlock()
		c := f.Item(f.Alice, "Desk")
		f.Trash(f.Alice, c.ID)
		rc.wait(t, 5, "the 410")
		d := f.Item(f.Alice, "Shelf")
		f.Trash(f.Alice, d.ID)
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.wait(t, 0, "")); n != 5 {
			t.Fatalf("after 410: want no more deliveries, got %d in all", n)
		}
		w, err := f.Svc.Webhook(f.Ctx, f.Alice, wh.ID)
		if err != nil || w.DisabledAt == nil {
			t.Fatalf("after 410: want the webhook disabled, got %+v (%v)", w, err)
		}
	})
}

// TestDeliveryExactlyOnceAcrossSenders: two senders (two instances' worth)
// share the deliveries: every event reaches the receiver once, in order.
func TestDeliveryExactlyOnceAcrossSenders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		f := newFixture(t, open(t))
		rc := newReceiver(t)
		if _, err := f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: rc.srv.URL, Events: []string{"item.trash"}}); err != nil {
			t.Fatal(err)
		}
		startSender(t, f.DB, f.Clock.Now, true)
		startSender(t, f.DB, f.Clock.Now, true)
		const n = 20
		for i := range n {
			it := f.Item(f.Alice, "Thing "+itoa(int64(i)))
			f.Trash(f.Alice, it.ID)
		}
		rc.wait(t, n, "all events")
		time.Sleep(500 * time.Millisecond)
		got := rc.wait(t, 0, "")
		if len(got) != n {
			t.Fatalf("deliveries: want %d, got %d", n, len(got))
		}
		for i := 1; i < len(got); i++ {
			prev, _ := strconv.ParseInt(got[i-1].id, 10, 64)
			if cur, _ := strconv.ParseInt(got[i].id, 10, 64); cur <= prev {
				t.Fatalf("order: delivery %d (%s) after %s", i, got[i].id, got[i-1].id)
			}
		}
	})
}

// TestPrivateAddressesRefused: without --webhook-allow-private, a private
// URL is refused at registration (422), and a sender refuses to connect to
// a private address even when the webhook was registered meanwhile (the
// check runs on the address dialled, after resolution).
func TestPrivateAddressesRefused(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := servicetest.NewFixture(t, db)
	for _, u := range []string{"http://127.0.0.1/x", "http://localhost:8080/", "http://10.1.2.3/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
		"http://169.254.169.254/latest", "http://0.0.0.0/", "http://[fd00::1]/", "ftp://example.com/", "http://user:pw@example.com/"} {
		_, err := f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: u, Events: []string{"item.trash"}})
		servicetest.WantCode(t, err, shelf.EINVALID, "register "+u)
	}
	_, err := f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: "https://example.com/", Events: []string{"item.nope"}})
	servicetest.WantCode(t, err, shelf.EINVALID, "an unknown event type")
	_, err = f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: "https://example.com/", Events: []string{"item.trash"}, All: true})
	servicetest.WantCode(t, err, shelf.EFORBIDDEN, "a member asking for all")

	rc := newReceiver(t)
	private := service.New(db, service.WithClock(f.Clock.Now), service.WithWebhookPrivate(true))
	wh, err := private.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: rc.srv.URL, Events: []string{"item.trash"}})
	if err != nil {
		t.Fatal(err)
	}
	startSender(t, db, f.Clock.Now, false)
	it := f.Item(f.Alice, "Lamp")
	f.Trash(f.Alice, it.ID)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, ds, err := f.Svc.WebhookDeliveries(f.Ctx, f.Alice, wh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) > 0 {
			if ds[0].Status != nil || ds[0].Error == nil || !strings.Contains(*ds[0].Error, "may not be sent") {
				t.Fatalf("a delivery to a loopback address: want it refused at connect time, got %+v", ds[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery attempt logged within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(rc.wait(t, 0, "")); n != 0 {
		t.Fatalf("the loopback receiver: want no request, got %d", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestNothingDueTakesNoWriteTransaction: a look for a delivery when no
// webhook could be claimed (none at all, or each disabled or waiting for
// its backoff) is one read and no write transaction, since every commit
// that writes events sends a worker looking; once a webhook is due, the
// claim is made as before.
func TestNothingDueTakesNoWriteTransaction(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		f := newFixture(t, open(t))
		look := func(what string) (service.WebhookJob, bool, int64) {
			t.Helper()
			before := f.DB.TxCounts()
			job, claimed, err := f.Svc.NextWebhookDelivery(f.Ctx, 0)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			return job, claimed, f.DB.TxCounts().Writes - before.Writes
		}
		if _, claimed, writes := look("no webhook"); claimed || writes != 0 {
			t.Fatalf("no webhook: want nothing claimed and no write transaction, got claimed %v and %d writes", claimed, writes)
		}
		rc := newReceiver(t, 500)
		wh, err := f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: rc.srv.URL, Events: []string{"item.trash"}})
		if err != nil {
			t.Fatal(err)
		}
		it := f.Item(f.Alice, "Lamp")
		f.Trash(f.Alice, it.ID)
		job, claimed, writes := look("a due webhook")
		if !claimed || writes != 1 || job.Webhook.ID != wh.ID || job.Event.EntityID != it.ID {
			t.Fatalf("a due webhook: want its trash event claimed in one write, got claimed %v, %d writes, %+v", claimed, writes, job)
		}
		if _, err := f.Svc.FinishWebhookDelivery(f.Ctx, job, nil, "No answer."); err != nil {
			t.Fatal(err)
		}
		if _, claimed, writes := look("a webhook in its backoff"); claimed || writes != 0 {
			t.Fatalf("a webhook in its backoff: want nothing claimed and no write, got claimed %v and %d writes", claimed, writes)
		}
		f.Clock.Advance(shelf.WebhookBackoff[0])
		if job, claimed, _ := look("after the backoff"); !claimed || job.Event.EntityID != it.ID || job.Attempt != 2 {
			t.Fatalf("after the backoff: want the second attempt at the same event, got claimed %v, %+v", claimed, job)
		}
	})
}
