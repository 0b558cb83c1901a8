package web

import (
	"math"
	"net/http"
	"sync"
	"time"

	"shelf"
)

// limiter is a token bucket per key: rate tokens a second, up to burst.
// Each user has a bucket of their own, so one user's flood never slows
// another. It lives in this process; behind several instances each has its own.
type limiter struct {
	rate, burst float64
	mu          sync.Mutex
	buckets     map[string]*bucket
	lastSweep   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: burst, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or says how long until one is there.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		// forget full buckets so the map does not grow without bound
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func retrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

// limitDestructive rate-limits destructive requests per user (429 with
// Retry-After).
func (s *Server) limitDestructive(next http.Handler) http.Handler {
	if s.destructive == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "anon:" + remoteAddr(r)
		if u := infoFrom(r).user; u != nil {
			key = "user:" + itoa(u.ID)
		}
		if ok, wait := s.destructive.allow(key, time.Now()); !ok {
			s.fail(w, r, &httpError{code: shelf.ERATELIMIT, retryAfter: retrySeconds(wait),
				msg: "Too many deletions at once; wait a moment and try again."})
			return
		}
		next.ServeHTTP(w, r)
	})
}
