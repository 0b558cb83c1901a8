// Command shelf-load measures Shelf under load, beside a floor (a bare
// net/http handler answering 204) and, optionally, the Flask baseline, in the
// same run, and prints requests per second, p50 and p99 latency and the
// ratios between them. It talks to loopback addresses only.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
