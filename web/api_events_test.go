package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// sseMessage is one message of an event stream, as a client parses it.
type sseMessage struct {
	id, event, data string
	comments        []string
	retry           string
}

// sseClient reads an event stream in the background.
type sseClient struct {
	t    *testing.T
	res  *http.Response
	msgs chan sseMessage
	stop context.CancelFunc
	done chan struct{}
}

// openStream opens GET path as who with extra headers (name, value pairs)
// and checks the response is a stream.
func (e *apiEnv) openStream(base, who, path string, headers ...string) *sseClient {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := e.newRequest(who, "GET", path, "", headers...)
	req = req.WithContext(ctx)
	if base != "" {
		req.URL.Host = strings.TrimPrefix(base, "http://")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		e.t.Fatalf("GET %s: %v", path, err)
	}
	if res.StatusCode != http.StatusOK {
		cancel()
		res.Body.Close()
		e.t.Fatalf("GET %s as %s: status %d, want 200", path, who, res.StatusCode)
	}
	for h, want := range map[string]string{"Content-Type": "text/event-stream", "X-Accel-Buffering": "no", "Cache-Control": "no-store"} {
		if got := res.Header.Get(h); got != want {
			e.t.Errorf("GET %s: %s %q, want %q", path, h, got, want)
		}
	}
	c := &sseClient{t: e.t, res: res, msgs: make(chan sseMessage, 1000), stop: cancel, done: make(chan struct{})}
	go c.read()
	e.t.Cleanup(c.close)
	return c
}

func (c *sseClient) read() {
	defer close(c.done)
	defer close(c.msgs)
	sc := bufio.NewScanner(c.res.Body)
	var m sseMessage
	empty := true
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if !empty {
				c.msgs <- m
			}
			m, empty = sseMessage{}, true
			continue
		}
		empty = false
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			m.comments = append(m.comments, value)
		case "id":
			m.id = value
		case "event":
			m.event = value
		case "data":
			m.data = value
		case "retry":
			m.retry = value
		}
	}
}

func (c *sseClient) close() {
	c.stop()
	c.res.Body.Close()
	<-c.done
}

// next returns the next message that is an event (not a comment), failing
// the test after a timeout.
func (c *sseClient) next(what string) sseMessage {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("%s: the stream ended", what)
			}
			if m.event != "" {
				return m
			}
		case <-timeout:
			c.t.Fatalf("%s: no event within 10 s", what)
		}
	}
}

// none fails the test if an event arrives within d.
func (c *sseClient) none(d time.Duration, what string) {
	c.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case m, ok := <-c.msgs:
			if ok && m.event != "" {
				c.t.Fatalf("%s: want no event, got %s %s", what, m.event, m.data)
			}
			if !ok {
				return
			}
		case <-timeout:
			return
		}
	}
}

// eventData decodes an event's data.
type eventData struct {
	ID         int64   `json:"id"`
	At         string  `json:"at"`
	Action     string  `json:"action"`
	EntityType string  `json:"entity_type"`
	EntityID   int64   `json:"entity_id"`
	OwnerID    *int64  `json:"owner_id"`
	Cohort     *string `json:"cohort"`
	Summary    string  `json:"summary"`
}

func (c *sseClient) nextEvent(what, wantEvent string, wantEntity int64) (sseMessage, eventData) {
	c.t.Helper()
	m := c.next(what)
	var d eventData
	if err := json.Unmarshal([]byte(m.data), &d); err != nil {
		c.t.Fatalf("%s: data is not JSON: %v (%s)", what, err, m.data)
	}
	if m.event != wantEvent || d.Action != wantEvent || d.EntityID != wantEntity || m.id == "" {
		c.t.Fatalf("%s: want %s of %d with an id, got event %q id %q data %s", what, wantEvent, wantEntity, m.event, m.id, m.data)
	}
	if strings.Contains(m.data, "snapshot") {
		c.t.Fatalf("%s: the stream must not carry the snapshot: %s", what, m.data)
	}
	return m, d
}

func TestAPIEventStream(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T, cfgs ...func(*Config)) *apiEnv) {
		e := open(t, func(c *Config) { c.EventHeartbeat = 200 * time.Millisecond })
		t.Cleanup(e.srv.CloseStreams)

		// Refusals, before any stream opens.
		if r := e.req("", "GET", "/api/v1/events", ""); r.status != 401 {
			t.Fatalf("anonymous: want 401, got %d %s", r.status, r.body)
		}
		if r := e.req("owner", "GET", "/api/v1/events?all=1", ""); r.status != 403 {
			t.Fatalf("member with all=1: want 403, got %d %s", r.status, r.body)
		}
		if r := e.req("owner", "GET", "/api/v1/events", "", "Last-Event-ID", "not-an-id"); r.status != 400 {
			t.Fatalf("a Last-Event-ID Shelf never sent: want 400, got %d %s", r.status, r.body)
		}

		// A trash before the stream opens is not sent: a first connection
		// starts from now.
		if r := e.req("owner", "DELETE", "/api/v1/items/{item}", ""); r.status != 204 {
			t.Fatalf("trash before the stream: %d %s", r.status, r.body)
		}
		owner := e.openStream("", "owner", "/api/v1/events")
		other := e.openStream("", "other", "/api/v1/events")
		admin := e.openStream("", "admin", "/api/v1/events")
		adminAll := e.openStream("", "admin", "/api/v1/events?all=1")
		owner.none(300*time.Millisecond, "a stream opened after a trash")

		r := e.req("owner", "POST", "/api/v1/trash/{item}/restore", "")
		if r.status != 200 {
			t.Fatalf("restore: %d %s", r.status, r.body)
		}
		first, d := owner.nextEvent("owner's stream, restore", "item.restore", e.ids["item"])
		if d.OwnerID == nil || *d.OwnerID != e.users["owner"].ID || d.Summary == "" || d.At == "" || d.ID == 0 {
			t.Fatalf("restore event data: want owner %d, a summary, a time and an id, got %s", e.users["owner"].ID, first.data)
		}
		adminAll.nextEvent("admin's all-owner stream", "item.restore", e.ids["item"])

		// The other member hears of their own things only; so does an admin
		// without all=1.
		r = e.req("other", "DELETE", "/api/v1/items/{foreign}", "")
		if r.status != 204 {
			t.Fatalf("other's trash: %d %s", r.status, r.body)
		}
		_, d = other.nextEvent("other's stream", "item.trash", e.ids["foreign"])
		if d.Cohort == nil || *d.Cohort != r.header.Get("X-Shelf-Cohort") {
			t.Fatalf("trash event cohort: want %q, got %v", r.header.Get("X-Shelf-Cohort"), d.Cohort)
		}
		adminAll.nextEvent("admin's all-owner stream", "item.trash", e.ids["foreign"])
		owner.none(300*time.Millisecond, "owner's stream, after another member's trash")
		admin.none(0, "admin's own stream")

		// Resume: the owner's client goes away after the restore, two more
		// changes happen, and it comes back with Last-Event-ID.
		owner.close()
		for _, p := range []string{"/api/v1/notes/{note}", "/api/v1/items/{item}"} {
			if r := e.req("owner", "DELETE", p, ""); r.status != 204 {
				t.Fatalf("DELETE %s: %d %s", p, r.status, r.body)
			}
		}
		resumed := e.openStream("", "owner", "/api/v1/events", "Last-Event-ID", first.id)
		note, _ := resumed.nextEvent("resumed stream, first", "note.delete", e.ids["note"])
		resumed.nextEvent("resumed stream, second", "item.trash", e.ids["item"])
		if r := e.req("owner", "POST", "/api/v1/trash/{item}/restore", ""); r.status != 200 {
			t.Fatalf("restore after resume: %d %s", r.status, r.body)
		}
		resumed.nextEvent("resumed stream, live after the catch-up", "item.restore", e.ids["item"])
		resumed.none(300*time.Millisecond, "resumed stream, no duplicate")

		// A resume from the middle gets what followed, once.
		again := e.openStream("", "owner", "/api/v1/events", "Last-Event-ID", note.id)
		again.nextEvent("resume from the note's delete", "item.trash", e.ids["item"])
		again.nextEvent("resume from the note's delete", "item.restore", e.ids["item"])
		again.none(300*time.Millisecond, "resume from the note's delete, no more")

		// An idle stream sends heartbeat comments.
		deadline := time.After(5 * time.Second)
		for beat := false; !beat; {
			select {
			case m := <-again.msgs:
				beat = m.event == "" && len(m.comments) > 0 && m.comments[0] == "heartbeat"
			case <-deadline:
				t.Fatal("idle stream: no heartbeat comment")
			}
		}
	})
}

// TestAPIEventStreamOutlivesWriteTimeout: the server's WriteTimeout and
// ReadTimeout end ordinary responses; a stream sets its own deadline per
// write and keeps going.
func TestAPIEventStreamOutlivesWriteTimeout(t *testing.T) {
	e := newAPIEnv(t, func(c *Config) { c.EventHeartbeat = 100 * time.Millisecond })
	ts := httptest.NewUnstartedServer(e.srv)
	ts.Config.WriteTimeout = 500 * time.Millisecond
	ts.Config.ReadTimeout = 500 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(e.srv.CloseStreams)
	c := e.openStream(ts.URL, "owner", "/api/v1/events")
	time.Sleep(1500 * time.Millisecond)
	if r := e.req("owner", "DELETE", "/api/v1/items/{item}", ""); r.status != 204 {
		t.Fatalf("trash: %d %s", r.status, r.body)
	}
	c.nextEvent("a stream older than the write timeout", "item.trash", e.ids["item"])
}

// TestAPIEventStreamClosesWithRetryHint: when the server shuts down, or the
// database stops answering, a stream ends with a retry hint instead of
// hanging, and the client resumes from its last id.
func TestAPIEventStreamClosesWithRetryHint(t *testing.T) {
	e := newAPIEnv(t)
	c := e.openStream("", "owner", "/api/v1/events")
	e.srv.CloseStreams()
	var last sseMessage
	for m := range c.msgs {
		last = m
	}
	if last.retry == "" {
		t.Fatalf("a stream closed by shutdown: want a retry hint last, got %+v", last)
	}
	if r := e.req("owner", "GET", "/api/v1/events", ""); r.status != 503 {
		t.Fatalf("a stream asked for during shutdown: want 503, got %d", r.status)
	}

}

// TestPostgresOutageClosesStreams: a stream whose database stops answering
// ends with a retry hint; once it is back, the client resumes from its last
// id and gets what it missed.
func TestPostgresOutageClosesStreams(t *testing.T) {
	db, proxy := openProxiedPostgres(t)
	e := newAPIEnvOn(t, db)
	t.Cleanup(e.srv.CloseStreams)
	c := e.openStream("", "owner", "/api/v1/events")
	if r := e.req("owner", "DELETE", "/api/v1/items/{item}", ""); r.status != 204 {
		t.Fatalf("trash: %d %s", r.status, r.body)
	}
	seen, _ := c.nextEvent("before the outage", "item.trash", e.ids["item"])
	proxy.cut()
	timeout := time.After(10 * time.Second)
	for ended := false; !ended; {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				t.Fatal("database gone: the stream ended without a retry hint")
			}
			ended = m.retry != "" && len(m.comments) > 0 && strings.Contains(m.comments[0], "unavailable")
		case <-timeout:
			t.Fatal("database gone: the stream is still open after 10 s")
		}
	}
	if r := e.raw("owner", "GET", "/api/v1/events", ""); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("a stream asked for during the outage: want 503 with Retry-After, got %d", r.status)
	}
	proxy.restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.raw("owner", "POST", "/api/v1/trash/{item}/restore", "")
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("restore after the outage: %d %s", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	back := e.openStream("", "owner", "/api/v1/events", "Last-Event-ID", seen.id)
	back.nextEvent("resumed after the outage", "item.restore", e.ids["item"])
}
