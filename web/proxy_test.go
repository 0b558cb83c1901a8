package web

import (
	"net/http/httptest"
	"testing"
)

func TestClientAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	e := newAPIEnv(t, func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "192.0.2.7"} })
	for _, c := range []struct {
		peer, xff, want string
	}{
		{"203.0.113.5:1234", "198.51.100.1", "203.0.113.5"},                   // not a proxy: header ignored
		{"10.1.2.3:1234", "198.51.100.1", "198.51.100.1"},                     // trusted proxy
		{"10.1.2.3:1234", "6.6.6.6, 198.51.100.1, 192.0.2.7", "198.51.100.1"}, // spoofed left part ignored
		{"10.1.2.3:1234", "", "10.1.2.3"},                                     // no header
		{"10.1.2.3:1234", "not-an-ip", "10.1.2.3"},                            // garbage stops the walk
		{"[::ffff:10.0.0.1]:80", "198.51.100.9", "198.51.100.9"},              // IPv4-mapped peer
	} {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := e.srv.clientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	if _, err := New(Config{Service: e.svc, TrustedProxies: []string{"nonsense"}}); err == nil {
		t.Error("a malformed trusted proxy was accepted")
	}
}
