// Package web serves Shelf's HTML pages and JSON API over the service layer:
// routes, middleware (sessions, CSRF, authorization, rate limits), the one
// error table, templates and static files.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"shelf"
	"shelf/events"
	"shelf/service"
)

// Config is what a Server needs.
type Config struct {
	Service        *service.Service
	Logger         *slog.Logger
	TrustedOrigins []string // origins allowed to send cross-origin requests
	SecureCookies  bool
	RateLimit      float64 // destructive requests per second per user (bursts of twice that); 0 is off
	TrashRetention time.Duration
	// TrustedProxies are the reverse proxies (addresses or CIDR ranges) whose
	// X-Forwarded-For names the real client, for logs, audit and throttling.
	TrustedProxies []string
	// Events is the broker that feeds the event stream; New makes one when
	// it is nil.
	Events *events.Broker
	// EventHeartbeat is how often an idle event stream sends a comment, so
	// that proxies keep it open (default 15 s).
	EventHeartbeat time.Duration
}

// Server is Shelf's HTTP handler.
type Server struct {
	svc         *service.Service
	log         *slog.Logger
	cfg         Config
	mux         *http.ServeMux
	rd          *renderer
	metrics     *metrics
	destructive *service.Limiter
	events      *events.Broker
	handler     http.Handler
	patterns    []string // every route pattern, in the order registered
	proxies     []netip.Prefix
	inFlight    atomic.Int64 // requests being served
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil {
		return nil, errors.New("web: no service")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TrashRetention <= 0 {
		cfg.TrashRetention = 720 * time.Hour
	}
	if cfg.EventHeartbeat <= 0 {
		cfg.EventHeartbeat = 15 * time.Second
	}
	if cfg.Events == nil {
		cfg.Events = events.NewBroker(cfg.Service, cfg.Logger)
	}
	rd, err := newRenderer()
	if err != nil {
		return nil, err
	}
	s := &Server{svc: cfg.Service, log: cfg.Logger, cfg: cfg, mux: http.NewServeMux(), rd: rd, events: cfg.Events}
	if cfg.RateLimit > 0 {
		s.destructive = cfg.Service.DestructiveLimiter(cfg.RateLimit)
	}
	for _, p := range cfg.TrustedProxies {
		prefix, err := parsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an IP address or CIDR range", p)
		}
		s.proxies = append(s.proxies, prefix)
	}
	s.metrics = newMetrics(func(ctx context.Context) (int, error) {
		return s.svc.TrashSize(ctx, trashSizeCap)
	}, s.svc.Collectors())
	s.routes()

	// note: the first CSRF layer, in front of everything: browsers say where a
	// request comes from (Sec-Fetch-Site, Origin), and cross-origin
	// state-changing requests are refused before any handler runs.
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("trusted origin %q: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r).refused = true
		s.fail(w, r, &httpError{code: shelf.ECROSSORIGIN, msg: "Cross-origin requests are refused; nothing was changed."})
	}))
	s.handler = s.standard(cop.Handler(http.HandlerFunc(s.dispatch)))
	return s, nil
}

// parsePrefix reads "10.0.0.0/8" or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.handler.ServeHTTP(w, r)
}

// CloseStreams ends every event stream (with a hint to reconnect) and
// refuses new ones: a server shutting down calls it, or streams, which never
// end by themselves, would hold the shutdown until its deadline.
func (s *Server) CloseStreams() { s.events.Close() }

// Busy reports whether a request is being served. The background retention
// purge waits while it is, so that a request does not share the CPU with it.
func (s *Server) Busy() bool { return s.inFlight.Load() > 0 }

// dispatch routes a request; what the router itself would answer with a
// plain-text 404 or 405 is answered in Shelf's own formats instead.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if err := checkAddressUTF8(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	rec := &headerRecorder{header: http.Header{}}
	h, _ := s.mux.Handler(r)
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusMethodNotAllowed:
		s.fail(w, r, &httpError{code: shelf.EMETHOD, allow: rec.header.Get("Allow"),
			msg: fmt.Sprintf("%s is not allowed here; use %s.", r.Method, rec.header.Get("Allow"))})
	case http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusTemporaryRedirect, http.StatusFound:
		http.Redirect(w, r, rec.header.Get("Location"), rec.status)
	default:
		// note: with the session loaded, a logged-in person's 404 keeps
		// their navigation; loading it changes nothing and mints nothing.
		s.withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.fail(w, r, shelf.Errorf(shelf.ENOTFOUND, "There is no page at this address."))
		})).ServeHTTP(w, r)
	}
}

// headerRecorder catches what the router would answer, without a body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return len(b), nil
}
func (h *headerRecorder) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}
