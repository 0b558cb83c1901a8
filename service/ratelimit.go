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
	_, err := l.TakeQuota(ctx, key)
	return err
}

// Quota is the limit as the RateLimit headers state it: Limit requests per
// Window seconds, Remaining of them left, whole again in Reset seconds.
type Quota struct {
	Limit, Window, Remaining, Reset int
}

// TakeQuota is Take, and also says what is left of the quota (on a refusal
// too). The quota is the bucket's rate: its burst is extra headroom, so
// Remaining never says more than Limit.
func (l *Limiter) TakeQuota(ctx context.Context, key string) (Quota, error) {
	now := l.now()
	var ok bool
	var left float64
	var wait time.Duration
	if l.db != nil {
		var err error
		if ok, left, wait, err = l.db.TakeToken(ctx, key, l.rate, l.burst, now); err != nil {
			return Quota{}, err
		}
	} else {
		ok, left, wait = l.mem.take(key, l.rate, l.burst, now)
	}
	q := Quota{Limit: int(l.rate), Window: 1}
	if l.rate < 1 {
		q.Limit, q.Window = 1, int(math.Ceil(1/l.rate))
	}
	q.Remaining = min(q.Limit, int(math.Max(0, math.Floor(left))))
	if q.Remaining < q.Limit {
		q.Reset = int(math.Ceil((float64(q.Limit) - left) / l.rate))
	}
	if !ok {
		q.Remaining, q.Reset = 0, max(1, int(math.Ceil(wait.Seconds())))
		return q, &shelf.Error{Code: shelf.ERATELIMIT, RetryAfter: wait,
			Message: "Too many deletions at once; wait a moment and try again."}
	}
	return q, nil
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

func (m *memBuckets) take(key string, rate, burst float64, now time.Time) (bool, float64, time.Duration) {
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
		return true, b.tokens, 0
	}
	return false, b.tokens, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}
