package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"shelf"
	"shelf/purge"
	"shelf/service"
)

// cmdPurge purges the Trash of everything trashed longer ago than a duration.
func cmdPurge(ctx context.Context, env cmdEnv, args []string) error {
	fs := env.flags("purge")
	dsn := dbFlag(fs)
	retention := fs.Duration("trash-retention", 720*time.Hour, "how long items stay in the Trash")
	olderThan := fs.Duration("older-than", 0, "purge items trashed longer ago than this (default: the retention period)")
	batch := fs.Int("batch", service.DefaultPurgeBatch, "items purged per transaction")
	filesPath := filesFlag(fs)
	keyFile := keyFileFlag(fs)
	if err := env.parse(fs, args); err != nil {
		return err
	}
	age := *retention
	if isSet(fs, "older-than") {
		age = *olderThan
	}
	if age < 0 {
		return usageError{"--older-than cannot be negative"}
	}
	files, err := filesDir(*dsn, *filesPath)
	if err != nil {
		return err
	}
	svc, closeDB, err := openKeyedService(ctx, *dsn, *keyFile, service.WithFiles(files))
	if err != nil {
		return err
	}
	defer closeDB()
	before := svc.Now().Add(-age)
	bar, onTerminal := progressBar(env.stdout)
	n, err := svc.PurgeTrashedBefore(ctx, shelf.System("cli-purge-"+service.NewRequestID()), before, *batch, bar)
	if onTerminal {
		fmt.Fprintln(env.stdout) // end the bar's line
	}
	if err != nil {
		fmt.Fprintf(env.stdout, "Purged %s before stopping.\n", shelf.Count(n, "item", "items"))
		return err
	}
	// note: the purged photos' files go now, as a server's worker would
	// take them; what a crash leaves queued, the next run or server takes.
	removed := (&purge.FileRemover{Service: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Once(ctx)
	fmt.Fprintf(env.stdout, "Purged %s trashed before %s (%s removed).\n", shelf.Count(n, "item", "items"), before.Format(time.RFC3339),
		shelf.Count(removed, "photo file", "photo files"))
	return nil
}

// progressBar draws a bar on a terminal. Elsewhere (a log, a pipe, cron's
// mail) a bar's carriage returns would make one unreadable line, so it
// writes a plain line each time the count moves instead.
func progressBar(w io.Writer) (progress service.PurgeProgress, onTerminal bool) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return func(done, total int) {
			const width = 30
			filled := width
			if total > 0 {
				filled = done * width / total
			}
			fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
		}, true
	}
	last := 0
	return func(done, total int) {
		if done == last {
			return
		}
		last = done
		fmt.Fprintf(w, "progress: %d of %s purged\n", done, shelf.Count(total, "item", "items"))
	}, false
}
