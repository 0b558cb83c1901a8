package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// rssSampler follows a process's peak resident memory (Linux /proc) since
// the last reset: the kernel's own peak mark (VmHWM, reset through
// clear_refs) where this tool may reset it, else the largest VmRSS sampled
// every 50 ms. A nil sampler samples nothing.
type rssSampler struct {
	pid   int
	peak  atomic.Int64
	exact bool // the kernel's peak mark can be reset
	stop  chan struct{}
	done  sync.WaitGroup
}

// startRSS samples pid (0: this process). It returns nil where /proc cannot
// be read.
func startRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{})}
	if _, ok := s.read("VmRSS:"); !ok {
		return nil
	}
	s.exact = s.resetMark()
	s.done.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v, ok := s.read("VmRSS:"); ok {
				for {
					old := s.peak.Load()
					if v <= old || s.peak.CompareAndSwap(old, v) {
						break
					}
				}
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *rssSampler) path(file string) string {
	if s.pid == 0 {
		return "/proc/self/" + file
	}
	return fmt.Sprintf("/proc/%d/%s", s.pid, file)
}

// resetMark resets the kernel's peak-RSS mark of the process.
func (s *rssSampler) resetMark() bool {
	return os.WriteFile(s.path("clear_refs"), []byte("5"), 0) == nil
}

// read returns a "kB" field of the process's status (VmRSS, VmHWM) in bytes.
func (s *rssSampler) read(field string) (int64, bool) {
	data, err := os.ReadFile(s.path("status"))
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

func (s *rssSampler) reset() {
	if s != nil {
		if s.exact {
			s.exact = s.resetMark()
		}
		v, _ := s.read("VmRSS:")
		s.peak.Store(v)
	}
}

func (s *rssSampler) max() int64 {
	if s == nil {
		return 0
	}
	if s.exact {
		if v, ok := s.read("VmHWM:"); ok {
			return max(v, s.peak.Load())
		}
	}
	return s.peak.Load()
}

func (s *rssSampler) close() {
	if s != nil {
		close(s.stop)
		s.done.Wait()
	}
}
