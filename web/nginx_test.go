package web

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNginxConfigStreamsEvents holds docs/deploy/nginx.conf to what the
// event stream needs behind it: a location for /api/v1/events that does
// not buffer and keeps an idle stream open longer than the heartbeat.
func TestNginxConfigStreamsEvents(t *testing.T) {
	b, err := os.ReadFile("../docs/deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)location = /api/v1/events \{(.*?)\n    \}`).FindSubmatch(b)
	if m == nil {
		t.Fatal("nginx.conf: no location = /api/v1/events block")
	}
	block := string(m[1])
	if !strings.Contains(block, "proxy_buffering off;") {
		t.Error("nginx.conf: the events location must turn proxy_buffering off")
	}
	rt := regexp.MustCompile(`proxy_read_timeout (\w+);`).FindStringSubmatch(block)
	if rt == nil {
		t.Fatal("nginx.conf: the events location sets no proxy_read_timeout")
	}
	d, err := time.ParseDuration(rt[1])
	if err != nil {
		t.Fatalf("nginx.conf: proxy_read_timeout %q: %v", rt[1], err)
	}
	if heartbeat := 15 * time.Second; d <= 2*heartbeat {
		t.Errorf("nginx.conf: proxy_read_timeout %s must be well above the %s heartbeat", d, heartbeat)
	}
}
