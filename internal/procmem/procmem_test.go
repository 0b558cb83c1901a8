package procmem

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestStatusOfSelfAndByPID(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	rss, ok := Status(Self, "VmRSS:")
	if !ok || rss <= 0 {
		t.Fatalf("VmRSS of this process: got %d, %v", rss, ok)
	}
	byPID, ok := Status(os.Getpid(), "VmRSS:")
	if !ok || byPID <= 0 {
		t.Fatalf("VmRSS by pid: got %d, %v", byPID, ok)
	}
	if _, ok := Status(Self, "NoSuchField:"); ok {
		t.Error("a missing field: want ok false")
	}
	if _, ok := Status(1<<30, "VmRSS:"); ok {
		t.Error("a missing process: want ok false")
	}
}

func TestResetPeakLowersTheMark(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	// Touch 64 MiB so that the peak mark is well above what stays resident.
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	before, ok := Status(Self, "VmHWM:")
	if !ok {
		t.Fatal("VmHWM unreadable")
	}
	runtime.KeepAlive(big)
	big = nil
	debug.FreeOSMemory() // return the 64 MiB to the kernel
	if !ResetPeak(Self) {
		t.Skip("clear_refs is not writable here")
	}
	after, _ := Status(Self, "VmHWM:")
	rss, _ := Status(Self, "VmRSS:")
	if after >= before {
		t.Errorf("peak mark after a reset: want below %d, got %d", before, after)
	}
	if after > rss+(16<<20) {
		t.Errorf("peak mark after a reset: want near the RSS %d, got %d", rss, after)
	}
}
