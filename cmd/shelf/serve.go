package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"shelf"
	"shelf/internal/gctune"
	"shelf/jobs"
	"shelf/purge"
	"shelf/service"
	"shelf/web"
	"shelf/webhook"
)

// cmdServe serves Shelf over HTTP until ctx is cancelled (SIGINT or SIGTERM),
// then stops accepting, lets in-flight requests finish and closes the database.
func cmdServe(ctx context.Context, env cmdEnv, args []string) error {
	fs := env.flags("serve")
	dsn := dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	retention := fs.Duration("trash-retention", 720*time.Hour, "how long items stay in the Trash before they are purged")
	origins := fs.String("trusted-origins", "", "comma-separated origins (scheme://host[:port]) allowed to send cross-origin requests")
	proxies := fs.String("trusted-proxies", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure (serve over HTTPS)")
	rateLimit := fs.Float64("rate-limit", 100, "destructive requests per second per user (bursts of twice that); 0 turns it off")
	demo := fs.Bool("demo", false, "on an empty database, create a demo admin, a member and sample data (loopback addresses only)")
	demoPublic := fs.Bool("demo-public", false, "allow --demo on an address other than loopback")
	allowPrivate := fs.Bool("webhook-allow-private", false, "let webhooks reach loopback, private and link-local addresses")
	purgeEvery := fs.Duration("purge-interval", time.Minute, "how often the retention purge looks for old items")
	anchorEvery := fs.Duration("audit-anchor-interval", time.Minute, "how often an audit.anchor event binds the audit lanes' heads (when any moved)")
	filesPath := filesFlag(fs)
	keyFile := keyFileFlag(fs)
	jobThreshold := fs.Int("job-threshold", shelf.DefaultJobThreshold, "rows (items, notes and loans; ids for a bulk delete) past which a deletion runs as a background job (202 Accepted)")
	accountGrace := fs.Duration("account-grace", service.DefaultAccountGrace, "how long an account its owner deleted waits, restorable by an admin, before it is erased")
	uploadGrace := fs.Duration("upload-grace", service.DefaultUploadGrace, "how long the file of an upload that never committed (a crash) stays before it is removed")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	if *retention <= 0 {
		return usageError{"--trash-retention must be positive"}
	}
	if *accountGrace <= 0 {
		return usageError{"--account-grace must be positive"}
	}
	if *anchorEvery <= 0 {
		return usageError{"--audit-anchor-interval must be positive"}
	}
	if *jobThreshold < 1 {
		return usageError{"--job-threshold must be at least 1"}
	}
	if *rateLimit < 0 {
		return usageError{"--rate-limit cannot be negative"}
	}
	if *demo {
		if err := checkDemoAddr(*addr, *demoPublic); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewJSONHandler(env.stderr, nil))
	gc := gctune.Apply(env.getenv)

	files, err := filesDir(*dsn, *filesPath)
	if err != nil {
		return err
	}
	svc, closeDB, err := openKeyedService(ctx, *dsn, *keyFile, service.WithFiles(files), service.WithUploadGrace(*uploadGrace), service.WithWebhookPrivate(*allowPrivate),
		service.WithJobThreshold(*jobThreshold), service.WithAccountGrace(*accountGrace))
	if err != nil {
		return err
	}
	defer closeDB()

	if *demo {
		if err := seedDemo(ctx, svc, env.stdout); err != nil {
			return err
		}
	}

	trusted, trustedProxies := splitList(*origins), splitList(*proxies)
	srv, err := web.New(web.Config{
		Service:        svc,
		Logger:         log,
		TrustedOrigins: trusted,
		TrustedProxies: trustedProxies,
		SecureCookies:  *secure,
		RateLimit:      *rateLimit,
		TrashRetention: *retention,
	})
	if err != nil {
		return usageError{err.Error()}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	httpSrv.RegisterOnShutdown(srv.CloseStreams)
	fmt.Fprintf(env.stdout, "Shelf is listening on http://%s\n", ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "db", svc.Engine(), "gc_percent", gc.Percent, "memory_limit", gc.MemoryLimit)

	bgCtx, stopBg := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	job := &purge.Job{Service: svc, Retention: *retention, Interval: *purgeEvery, Logger: log, Busy: srv.Busy}
	bg.Go(func() { job.Run(bgCtx) })
	bg.Go(func() { sweepSessions(bgCtx, svc, log) })
	bg.Go(func() { anchorAudit(bgCtx, svc, *anchorEvery, log) })
	runner := &jobs.Runner{Service: svc, Logger: log, Busy: srv.Busy, Progress: srv.PublishJob}
	bg.Go(func() { runner.Run(bgCtx) })
	remover := &purge.FileRemover{Service: svc, Logger: log}
	bg.Go(func() { remover.Run(bgCtx) })
	sender := &webhook.Sender{Service: svc, Logger: log}
	bg.Go(func() { sender.Run(bgCtx) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	select {
	case err := <-serveErr:
		stopBg()
		bg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = httpSrv.Shutdown(shutdownCtx)
	stopBg()
	bg.Wait()
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return err
}

// sweepSessions removes expired sessions every hour, so that abandoned
// logins do not pile up in the database.
func sweepSessions(ctx context.Context, svc *service.Service, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := svc.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			log.Error("session sweep failed", "err", err)
		} else if n > 0 {
			log.Info("session sweep", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// anchorAudit writes an audit.anchor event every interval in which a lane
// moved, so that a lane cut short below an anchored head is detected by
// "shelf audit verify" even between two runs of it. Instances that anchor
// at the same moment only write two anchors; nothing needs one of them.
func anchorAudit(ctx context.Context, svc *service.Service, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := svc.AnchorAudit(ctx, shelf.System(service.NewRequestID())); err != nil && ctx.Err() == nil {
			log.Error("audit anchor failed", "err", err)
		}
	}
}

// splitList reads a comma-separated flag value.
func splitList(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
