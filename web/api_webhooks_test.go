package web

import (
	"io"
	"strings"
	"testing"

	"shelf/service"
	"shelf/store/storetest"
)

// TestAPIWebhooks: registration shows the secret once, the list and the
// one-webhook routes never do, refusals leave nothing behind, another
// member's webhook is 404, and the delivery log answers (API and HTML).
func TestAPIWebhooks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T, cfgs ...func(*Config)) *apiEnv) {
		e := open(t)
		count := func() int { return e.count(`SELECT count(*) FROM webhooks`) }
		for _, c := range []struct {
			who, body string
			status    int
			detail    string
		}{
			{"owner", `{"url":"http://127.0.0.1:9/hook","events":["item.trash"]}`, 422, "private"},
			{"owner", `{"url":"http://10.0.0.8/hook","events":["item.trash"]}`, 422, "private"},
			{"owner", `{"url":"https://example.com/hook","events":["item.nope"]}`, 422, "item.nope"},
			{"owner", `{"url":"https://example.com/hook","events":[]}`, 422, "event"},
			{"owner", `{"url":"gopher://example.com/","events":["item.trash"]}`, 422, "http"},
			{"owner", `{"url":"https://example.com/hook","events":["item.trash"],"all":true}`, 403, ""},
			{"owner", `{"url":`, 400, ""},
			{"", `{"url":"https://example.com/hook","events":["item.trash"]}`, 401, ""},
		} {
			r := e.req(c.who, "POST", "/api/v1/webhooks", c.body)
			if r.status != c.status || !strings.Contains(string(r.body), c.detail) {
				t.Errorf("POST %s as %q: want %d mentioning %q, got %d %s", c.body, c.who, c.status, c.detail, r.status, r.body)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("refused registrations: want no webhook stored, got %d", n)
		}

		r := e.req("owner", "POST", "/api/v1/webhooks", `{"url":"https://example.com/hook","events":["item.trash","item.restore","item.trash","photo.trash"],"description":"search index"}`)
		var created struct {
			ID     int64    `json:"id"`
			URL    string   `json:"url"`
			Events []string `json:"events"`
			Secret string   `json:"secret"`
		}
		r.json(t, &created)
		if r.status != 201 || !strings.HasPrefix(created.Secret, "whsec_") || r.header.Get("Location") != "/api/v1/webhooks/"+itoa(created.ID) ||
			len(created.Events) != 3 || created.URL != "https://example.com/hook" {
			t.Fatalf("register: want 201 with a whsec_ secret, a Location and three event types (photo.trash among them), got %d %s", r.status, r.body)
		}
		e.ids["webhook"] = created.ID
		for _, p := range []string{"/api/v1/webhooks", "/api/v1/webhooks/{webhook}"} {
			r := e.req("owner", "GET", p, "")
			if r.status != 200 || strings.Contains(string(r.body), "whsec_") || !strings.Contains(string(r.body), "search index") {
				t.Fatalf("GET %s: want 200 without the secret, got %d %s", p, r.status, r.body)
			}
		}
		if r := e.req("other", "GET", "/api/v1/webhooks", ""); r.status != 200 || strings.Contains(string(r.body), "example.com") {
			t.Fatalf("another member's list: want theirs only, got %d %s", r.status, r.body)
		}
		for _, m := range []string{"GET", "DELETE"} {
			if r := e.req("other", m, "/api/v1/webhooks/{webhook}", ""); r.status != 404 {
				t.Fatalf("%s another member's webhook: want 404, got %d", m, r.status)
			}
		}
		if r := e.req("other", "GET", "/api/v1/webhooks/{webhook}/deliveries", ""); r.status != 404 {
			t.Fatalf("another member's deliveries: want 404, got %d", r.status)
		}
		if r := e.req("owner", "GET", "/api/v1/webhooks/{webhook}/deliveries", ""); r.status != 200 || string(r.body) != `{"deliveries":[]}`+"\n" {
			t.Fatalf("deliveries: want 200 and an empty list, got %d %q", r.status, r.body)
		}
		if r := e.req("admin", "GET", "/api/v1/webhooks/{webhook}", ""); r.status != 200 {
			t.Fatalf("an admin reading a member's webhook: want 200, got %d", r.status)
		}
		if r := e.req("owner", "GET", "/api/v1/webhooks/abc", ""); r.status != 400 {
			t.Fatalf("a malformed id: want 400, got %d", r.status)
		}
		c, _ := e.sessionClient("owner")
		res, err := c.Get(e.ts.URL + e.expand("/webhooks/{webhook}/deliveries"))
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("the delivery log page: want 200, got %v %v", res, err)
		}
		res.Body.Close()
		res, err = c.Get(e.ts.URL + "/webhooks")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(page), "https://example.com/hook") || strings.Contains(string(page), "whsec_") ||
			!strings.Contains(string(page), e.expand(`href="/webhooks/{webhook}/deliveries"`)) {
			t.Fatalf("the webhooks page: want 200 listing the webhook with a link to its deliveries and no secret, got %d", res.StatusCode)
		}
		other, _ := e.sessionClient("other")
		res, err = other.Get(e.ts.URL + e.expand("/webhooks/{webhook}/deliveries"))
		if err != nil || res.StatusCode != 404 {
			t.Fatalf("another member's delivery log page: want 404, got %v %v", res, err)
		}
		res.Body.Close()
		if r := e.req("owner", "DELETE", "/api/v1/webhooks/{webhook}", ""); r.status != 204 || count() != 0 {
			t.Fatalf("delete: want 204 and no webhook left, got %d (%d left)", r.status, count())
		}
		if r := e.req("owner", "DELETE", "/api/v1/webhooks/{webhook}", ""); r.status != 404 {
			t.Fatalf("delete again: want 404, got %d", r.status)
		}
	})
}

// TestAPIWebhookPrivateAllowed: with --webhook-allow-private, a loopback
// receiver can be registered.
func TestAPIWebhookPrivateAllowed(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := newAPIEnvOn(t, db, func(c *Config) {
		c.Service = service.New(db, service.WithWebhookPrivate(true))
	})
	if r := e.req("owner", "POST", "/api/v1/webhooks", `{"url":"http://127.0.0.1:9/hook","events":["item.trash"]}`); r.status != 201 {
		t.Fatalf("a loopback URL with private addresses allowed: want 201, got %d %s", r.status, r.body)
	}
}
