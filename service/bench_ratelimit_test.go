package service_test

import (
	"fmt"
	"testing"

	"shelf/service"
	"shelf/store/storetest"
)

// BenchmarkDestructiveLimiter is what the rate limit adds to each
// destructive request: a token taken from a user's bucket, in memory
// (SQLite) or in one statement on PostgreSQL, beside the floor of one
// PostgreSQL round trip (Ping's SELECT 1) measured in the same run. Keys
// spread over 100 users with a limit high enough never to refuse.
func BenchmarkDestructiveLimiter(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		l := service.New(storetest.OpenSQLite(b)).DestructiveLimiter(1e9)
		for i := 0; b.Loop(); i++ {
			if err := l.Take(b.Context(), fmt.Sprint("user:", i%100)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("postgres", func(b *testing.B) {
		storetest.PostgresURL(b)
		svc := service.New(storetest.OpenPostgres(b))
		l := svc.DestructiveLimiter(1e9)
		for i := 0; b.Loop(); i++ {
			if err := l.Take(b.Context(), fmt.Sprint("user:", i%100)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("postgres-floor", func(b *testing.B) {
		storetest.PostgresURL(b)
		svc := service.New(storetest.OpenPostgres(b))
		for b.Loop() {
			if err := svc.Ping(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
