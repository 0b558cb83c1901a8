package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// request is one HTTP request a workload issues, and the status it expects.
type request struct {
	method string
	path   string
	body   []byte
	header http.Header // read-only, shared between requests
	want   int         // 0: any 2xx or 3xx
}

// source gives a worker its next request; ok is false when the workload has
// run out of what it needs (ids to delete).
type source func() (req request, ok bool)

// workload is one kind of load on one target.
type workload struct {
	name   string
	target string // "shelf", "floor", "baseline" or "custom"
	base   string // the target's base URL
	// bases, if set, spreads the workers over several instances of one
	// target: worker i sends to bases[i mod len(bases)].
	bases []string
	// worker returns worker i's source; each worker is one connection.
	worker func(i int) source
	// perRequest, if set, is how many items one request handles (bulk).
	perRequest int
	// pace, if positive, caps the requests per second of all workers together.
	pace float64
	// onStart, if set, runs as the measured run (after the warm-up) starts.
	onStart func()
}

// newClient returns the one HTTP client of a run: keep-alive connections,
// loopback only, redirects not followed (a 303 is the answer measured).
func newClient(conns int) *http.Client {
	tr := &http.Transport{
		DialContext:         dialLoopback,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// measure runs w with conns workers for warmup (not recorded), then for d,
// and returns what it measured. Requests in flight at the end are waited
// for and counted.
func measure(ctx context.Context, c *http.Client, w workload, conns int, warmup, d time.Duration, rss *rssSampler) result {
	if warmup > 0 {
		drive(ctx, c, w, conns, warmup)
	}
	rss.reset()
	if w.onStart != nil {
		w.onStart()
	}
	cpu0 := processCPU()
	res := drive(ctx, c, w, conns, d)
	res.cpu = processCPU() - cpu0
	res.rssMax = rss.max()
	return res
}

// drive is one timed run of a workload.
func drive(ctx context.Context, c *http.Client, w workload, conns int, d time.Duration) result {
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		exhausted atomic.Bool
		lats      = make([][]time.Duration, conns)
		errs      = make([]int, conns)
		statuses  = map[int]int{}
		firstErr  error
	)
	var tick <-chan time.Time
	if w.pace > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / w.pace))
		defer t.Stop()
		tick = t.C
	}
	start := time.Now()
	deadline := start.Add(d)
	for i := range conns {
		next := w.worker(i)
		base := w.base
		if len(w.bases) > 0 {
			base = w.bases[i%len(w.bases)]
		}
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if tick != nil {
					select {
					case <-tick:
					case <-ctx.Done():
					case <-time.After(time.Until(deadline)):
					}
					if !time.Now().Before(deadline) || ctx.Err() != nil {
						break
					}
				}
				req, ok := next()
				if !ok {
					exhausted.Store(true)
					break
				}
				t0 := time.Now()
				status, err := do(ctx, c, base, req)
				took := time.Since(t0)
				if ctx.Err() != nil {
					break
				}
				lat = append(lat, took)
				if err != nil || !wanted(status, req.want) {
					errs[i]++
					mu.Lock()
					statuses[status]++
					if firstErr == nil && err != nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
			lats[i] = lat
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	res := result{workload: w.name, target: w.target, elapsed: elapsed, exhausted: exhausted.Load(),
		statuses: statuses, firstErr: firstErr, perRequest: w.perRequest}
	for i := range conns {
		res.lat = append(res.lat, lats[i]...)
		res.errors += errs[i]
	}
	res.summarise()
	return res
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// do sends one request and reads the whole answer.
func do(ctx context.Context, c *http.Client, base string, r request) (int, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, body)
	if err != nil {
		return 0, err
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, err
	}
	return resp.StatusCode, nil
}

func wanted(status, want int) bool {
	if want == 0 {
		return status >= 200 && status < 400
	}
	return status == want
}

// ids hands out distinct ids from a range, to every worker of every
// workload that uses it, so that no id is deleted twice.
type ids struct {
	next atomic.Int64
	last int64
}

func newIDs(first, last int64) *ids {
	p := &ids{last: last}
	p.next.Store(first)
	return p
}

// take returns n consecutive ids, or ok=false when fewer are left.
func (p *ids) take(n int) (first int64, ok bool) {
	end := p.next.Add(int64(n))
	first = end - int64(n)
	return first, end-1 <= p.last
}
