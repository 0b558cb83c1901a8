package main

import (
	"sync"
	"sync/atomic"
	"time"

	"shelf/internal/procmem"
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

// startRSS samples pid (procmem.Self: this process). It returns nil where /proc cannot
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

// resetMark resets the kernel's peak-RSS mark of the process.
func (s *rssSampler) resetMark() bool { return procmem.ResetPeak(s.pid) }

// read returns a "kB" field of the process's status (VmRSS, VmHWM) in bytes.
func (s *rssSampler) read(field string) (int64, bool) { return procmem.Status(s.pid, field) }

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
