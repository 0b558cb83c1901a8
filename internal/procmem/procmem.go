// Package procmem reads a process's resident memory from Linux's /proc, for
// the load tool and the benchmarks that report peak RSS.
package procmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Self names the calling process.
const Self = 0

func path(pid int, file string) string {
	if pid == Self {
		return "/proc/self/" + file
	}
	return fmt.Sprintf("/proc/%d/%s", pid, file)
}

// Status returns one "kB" field of the process's status file, such as
// "VmRSS:" (resident now) or "VmHWM:" (the peak mark), in bytes; ok is false
// where /proc cannot be read.
func Status(pid int, field string) (n int64, ok bool) {
	data, err := os.ReadFile(path(pid, "status"))
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == field && string(f[2]) == "kB" {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// ResetPeak resets the kernel's peak-RSS mark (VmHWM) of the process to its
// current RSS, and reports whether it could (it needs the right to write the
// process's clear_refs).
func ResetPeak(pid int) bool {
	return os.WriteFile(path(pid, "clear_refs"), []byte("5"), 0) == nil
}
