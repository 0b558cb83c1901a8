package web

import (
	"math"
	"net/http"
	"time"
)

func retrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

// limitDestructive rate-limits destructive requests per user (429 with
// Retry-After). The service's limiter decides, and keeps the buckets where
// every instance sees them.
func (s *Server) limitDestructive(next http.Handler) http.Handler {
	if s.destructive == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "anon:" + remoteAddr(r)
		if u := infoFrom(r).user; u != nil {
			key = "user:" + itoa(u.ID)
		}
		if err := s.destructive.Take(r.Context(), key); err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
