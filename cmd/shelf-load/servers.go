package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"shelf/service"
	"shelf/web"
)

// server is an HTTP server this tool started on 127.0.0.1:0.
type server struct {
	base string
	srv  *http.Server
	done chan error
}

// serve serves h on a fresh loopback port, with the timeouts shelf serve uses.
func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{base: "http://" + ln.Addr().String(), done: make(chan error, 1),
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(io.Discard, nil), slog.LevelWarn),
		}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.done
}

// startFloor serves the floor: a bare net/http handler that reads the body
// and answers 204, the most any server on this machine can do per request.
func startFloor() (*server, error) {
	return serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
}

// startShelf serves Shelf over svc the way shelf serve does: the same
// handler, middleware and timeouts. Its request log is formatted as in
// production and then discarded, so that the terminal is not the bottleneck.
func startShelf(svc *service.Service, rateLimit float64) (*server, *web.Server, error) {
	h, err := web.New(web.Config{
		Service:        svc,
		Logger:         slog.New(slog.NewJSONHandler(io.Discard, nil)),
		RateLimit:      rateLimit,
		TrashRetention: 720 * time.Hour,
	})
	if err != nil {
		return nil, nil, err
	}
	srv, err := serve(h)
	return srv, h, err
}
