// Package web serves Shelf's HTML pages and JSON API over the service layer.
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"shelf/service"
)

// Config is what a Server needs.
type Config struct {
	Service        *service.Service
	Logger         *slog.Logger
	TrustedOrigins []string
	SecureCookies  bool
	RateLimit      float64 // destructive requests per second per user; 0 is off
	TrashRetention time.Duration
}

// Server is Shelf's HTTP handler.
type Server struct {
	svc     *service.Service
	log     *slog.Logger
	cfg     Config
	mux     *http.ServeMux
	handler http.Handler
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil {
		return nil, errors.New("web: no service")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{svc: cfg.Service, log: cfg.Logger, cfg: cfg, mux: http.NewServeMux()}
	s.routes()
	s.handler = s.mux
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// CountRetentionPurge records items purged by the background job.
func (s *Server) CountRetentionPurge(n int) {}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.svc.DB().Ping(r.Context()); err != nil {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unavailable\n"))
			return
		}
		w.Write([]byte("ok\n"))
	})
}
