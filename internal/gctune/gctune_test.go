package gctune

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	})

	got := Apply(func(string) string { return "" })
	if got != (Settings{Percent: Percent, MemoryLimit: MemoryLimit}) {
		t.Fatalf("Apply without GOGC or GOMEMLIMIT: %+v", got)
	}
	if p := debug.SetGCPercent(100); p != Percent {
		t.Fatalf("GC percent is %d, want %d", p, Percent)
	}
	if l := debug.SetMemoryLimit(-1); l != MemoryLimit {
		t.Fatalf("memory limit is %d, want %d", l, MemoryLimit)
	}

	// the environment's own settings are kept
	debug.SetMemoryLimit(math.MaxInt64)
	env := map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}
	if got := Apply(func(k string) string { return env[k] }); got != (Settings{}) {
		t.Fatalf("Apply with GOGC and GOMEMLIMIT set: %+v, want nothing set", got)
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GC percent changed to %d under GOGC", p)
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("memory limit changed to %d under GOMEMLIMIT", l)
	}
}
