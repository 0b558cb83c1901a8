// Package gctune sets the Go garbage collector for a Shelf server, the same
// way in `shelf serve` and in the load tool that measures it.
package gctune

import "runtime/debug"

// Shelf's defaults. A server whose live heap is a few megabytes collects
// dozens of times a second under load with the Go default (GOGC=100), since
// every list page allocates anew; GOGC=200 buys throughput for a few
// megabytes of RSS, inside the memory budget (the figures, and the settings
// measured and not taken, are in docs/performance.md). The memory limit is
// soft and does not bind in steady state; it makes the collector work harder
// when something, such as a burst of logins (each password hash takes 19
// MiB), would grow the heap far beyond it.
const (
	Percent     = 200
	MemoryLimit = 40 << 20
)

// Settings says what Apply set; zero values mean the environment's own
// GOGC or GOMEMLIMIT was kept.
type Settings struct {
	Percent     int
	MemoryLimit int64
}

// Apply sets Shelf's defaults, except where the environment sets GOGC or
// GOMEMLIMIT, which the Go runtime has then already applied.
func Apply(getenv func(string) string) Settings {
	var s Settings
	if getenv("GOGC") == "" {
		debug.SetGCPercent(Percent)
		s.Percent = Percent
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
		s.MemoryLimit = MemoryLimit
	}
	return s
}
