// Package gctune sets the Go garbage collector for a Shelf server, the same
// way in `shelf serve` and in the load tool that measures it.
package gctune

import "runtime/debug"

// Shelf's defaults. A list page allocates about 125 KB, and with the Go
// default (GOGC=100) a server whose live heap is a few megabytes collects
// dozens of times a second under load: measured with a separate shelf serve
// process, the HTML list page went from 3,500 to 4,474-4,621 pages/s with
// GOGC=200, and peak RSS under the load tool's workloads from 30-33 MB to
// 33-38 MB, inside the 50 MB budget (docs/performance.md). The memory limit
// is soft and does not bind in steady state; it makes the collector work
// harder when something, such as a burst of logins (each password hash takes
// 19 MiB), would grow the heap far beyond it.
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
