package web

import (
	"fmt"
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
		q, err := s.destructive.TakeQuota(r.Context(), key)
		if q.Limit > 0 {
			// note: the structured-field syntax of
			// draft-ietf-httpapi-ratelimit-headers (-09 and later).
			w.Header().Set("RateLimit-Policy", fmt.Sprintf(`"default";q=%d;w=%d`, q.Limit, q.Window))
			w.Header().Set("RateLimit", fmt.Sprintf(`"default";r=%d;t=%d`, q.Remaining, q.Reset))
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
