package main

import (
	"slices"
	"time"
)

// result is what one timed run of a workload measured.
type result struct {
	workload   string
	target     string
	requests   int
	errors     int
	elapsed    time.Duration
	lat        []time.Duration // sorted after summarise
	exhausted  bool            // stopped early: no ids left
	statuses   map[int]int     // statuses of the failed requests
	firstErr   error
	perRequest int   // items per request, for bulk workloads
	rssMax     int64 // bytes; 0 when not sampled
	note       string
	// commits and writes the in-process SQLite writer made during the run
	// (group commit): writes/commits is the mean batch.
	commits, writes int64
	// cpu is the CPU time this whole process used during the run: with
	// Shelf in-process, server and load generator together.
	cpu time.Duration
}

func (r *result) summarise() {
	slices.Sort(r.lat)
	r.requests = len(r.lat)
}

// rps is completed requests per second.
func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// pct is the p-th percentile latency (nearest rank).
func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*p/100+0.5) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

// median returns the median of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
