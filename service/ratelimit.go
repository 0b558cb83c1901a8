package service

import (
	"context"
	"math"
	"sync"
	"time"

	"shelf"
	"shelf/store"
)

// Limiter is the per-user rate limit of destructive requests: a token
// bucket per key, rate tokens a second, up to burst. Each user has a bucket
// of their own, so one user's flood never slows another.
type Limiter struct {
	rate, burst float64
	now         func() time.Time
	db          *store.DB   // PostgreSQL: the buckets live in the database
	mem         *memBuckets // SQLite: in this process
}

// DestructiveLimiter returns the limiter of destructive requests: rate a
// second per key, in bursts of twice that. On PostgreSQL, where several
// instances share the database, the buckets live in the database, so that a
// limit of N a second is N for the whole deployment; on SQLite, which one
// process serves, they live in memory.
func (s *Service) DestructiveLimiter(rate float64) *Limiter {
	l := &Limiter{rate: rate, burst: 2 * rate, now: s.now}
	if s.db.Engine() == "postgres" {
		l.db = s.db
	} else {
		l.mem = &memBuckets{buckets: map[string]*bucket{}}
	}
	return l
}

// Take takes one token of key's bucket. When there is none it is
// ERATELIMIT, with RetryAfter saying when one will be there.
func (l *Limiter) Take(ctx context.Context, key string) error {
	now := l.now()
	var ok bool
	var wait time.Duration
	if l.db != nil {
		var err error
		if ok, wait, err = l.db.TakeToken(ctx, key, l.rate, l.burst, now); err != nil {
			return err
		}
	} else {
		ok, wait = l.mem.take(key, l.rate, l.burst, now)
	}
	if !ok {
		return &shelf.Error{Code: shelf.ERATELIMIT, RetryAfter: wait,
			Message: "Too many deletions at once; wait a moment and try again."}
	}
	return nil
}

// memBuckets are token buckets in memory.
type memBuckets struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func (m *memBuckets) take(key string, rate, burst float64, now time.Time) (bool, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.lastSweep) > time.Minute {
		// forget full buckets so the map does not grow without bound
		for k, b := range m.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*rate >= burst {
				delete(m.buckets, k)
			}
		}
		m.lastSweep = now
	}
	b, ok := m.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, at: now}
		m.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}
