package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
	"shelf/store/storetest"
)

// eventBench is a server over a database with one member and their token.
type eventBench struct {
	svc   *service.Service
	ts    *httptest.Server
	owner shelf.Actor
	token string
}

func newEventBench(b *testing.B, db *store.DB, owner *shelf.Actor) *eventBench {
	b.Helper()
	ctx := context.Background()
	svc := service.New(db)
	srv, err := New(Config{Service: svc, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	b.Cleanup(srv.CloseStreams)
	eb := &eventBench{svc: svc, ts: ts}
	if owner != nil {
		eb.owner = *owner
	} else {
		u, err := svc.AddUser(ctx, service.NewUser{Email: "bench@example.com", Name: "Bench", Password: "bench password", Role: shelf.RoleMember})
		if err != nil {
			b.Fatal(err)
		}
		eb.owner = shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "bench"}
	}
	if _, eb.token, err = svc.CreateToken(ctx, eb.owner, "bench"); err != nil {
		b.Fatal(err)
	}
	return eb
}

// BenchmarkEventLatency measures how long an event takes from the commit of
// the delete that wrote it (the 204 of DELETE /api/v1/items/{id}) to a
// subscriber of the stream, through the real router: on one instance, and
// on PostgreSQL across two instances (two pools, two servers, one
// database). It reports p50 and p99 in milliseconds.
func BenchmarkEventLatency(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchEventLatency(b, storetest.OpenSQLite(b), nil) })
	b.Run("postgres/one-instance", func(b *testing.B) {
		storetest.PostgresURL(b)
		benchEventLatency(b, storetest.OpenPostgres(b), nil)
	})
	b.Run("postgres/across-instances", func(b *testing.B) {
		dsn := storetest.PostgresDSN(b)
		open := func() *store.DB {
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		}
		first := open()
		if _, err := first.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		benchEventLatency(b, first, open())
	})
}

// benchEventLatency deletes through a server over db and listens on a
// server over other (db itself when other is nil).
func benchEventLatency(b *testing.B, db, other *store.DB) {
	e := newEventBench(b, db, nil)
	listen := e
	if other != nil {
		listen = newEventBench(b, other, &e.owner) // note: a second server, with a broker of its own
	}
	ids := seedItems(b, e, b.N)
	stream := openBenchStream(b, listen.ts.URL, listen.token)
	defer stream.Close()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for _, id := range ids {
		req, _ := http.NewRequest("DELETE", fmt.Sprintf("%s/api/v1/items/%d", e.ts.URL, id), nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 204 {
			b.Fatalf("delete %d: %v %v", id, res, err)
		}
		res.Body.Close()
		committed := time.Now()
		if !stream.waitFor(fmt.Sprintf(`"entity_id":%d,`, id)) {
			b.Fatalf("event of item %d never came", id)
		}
		lat = append(lat, time.Since(committed))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkDeletesWithSubscribers measures API DELETE throughput (16
// concurrent clients, SQLite) with no subscriber, with 1,000 subscribers of
// another member (who hear of none of these deletes) and with 1,000 of the
// deleting member's own (who hear of every one), and the Go heap the
// subscribers' connections hold on both ends (the subscribers run in the
// same process, so their reading is counted too).
func BenchmarkDeletesWithSubscribers(b *testing.B) {
	for _, c := range []struct {
		name string
		subs int
		same bool
	}{{"none", 0, false}, {"1000-others", 1000, false}, {"1000-same-owner", 1000, true}} {
		b.Run(c.name, func(b *testing.B) {
			subs := c.subs
			e := newEventBench(b, storetest.OpenSQLite(b), nil)
			token := e.token
			if !c.same {
				u, err := e.svc.AddUser(context.Background(), service.NewUser{Email: "other@example.com", Name: "Other", Password: "bench password", Role: shelf.RoleMember})
				if err != nil {
					b.Fatal(err)
				}
				if _, token, err = e.svc.CreateToken(context.Background(), shelf.Actor{UserID: u.ID, Role: u.Role}, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			ids := seedItems(b, e, b.N)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			streams := make([]*benchStream, subs)
			for i := range streams {
				streams[i] = openBenchStream(b, e.ts.URL, token)
			}
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			heap := float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / (1 << 20)
			var next atomic.Int64
			var wg sync.WaitGroup
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			b.ResetTimer()
			for range 16 {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(len(ids)) {
							return
						}
						req, _ := http.NewRequest("DELETE", fmt.Sprintf("%s/api/v1/items/%d", e.ts.URL, ids[i]), nil)
						req.Header.Set("Authorization", "Bearer "+e.token)
						res, err := client.Do(req)
						if err != nil || res.StatusCode != 204 {
							b.Errorf("delete: %v %v", res, err)
							return
						}
						res.Body.Close()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deletes/s")
			b.ReportMetric(heap, "subscribers-heap-MiB")
			for _, s := range streams {
				s.Close()
			}
		})
	}
}

// seedItems gives the owner n items to delete.
func seedItems(b *testing.B, e *eventBench, n int) []int64 {
	b.Helper()
	ids := make([]int64, n)
	for i := range ids {
		it, err := e.svc.CreateItem(context.Background(), e.owner, shelf.ItemInput{Name: fmt.Sprintf("Bench %d", i), Quantity: 1})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = it.ID
	}
	return ids
}

// benchStream is a subscriber that reads every line and remembers the
// data lines it has not been asked about yet.
type benchStream struct {
	res   *http.Response
	mu    sync.Mutex
	cond  *sync.Cond
	lines []string
	done  bool
}

func openBenchStream(b *testing.B, base, token string) *benchStream {
	b.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("open stream: %v %v", res, err)
	}
	s := &benchStream{res: res}
	s.cond = sync.NewCond(&s.mu)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				s.mu.Lock()
				s.lines = append(s.lines, line)
				s.cond.Broadcast()
				s.mu.Unlock()
			}
		}
		s.mu.Lock()
		s.done = true
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	return s
}

// waitFor waits for a data line containing text and forgets what came
// before it.
func (s *benchStream) waitFor(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for i, l := range s.lines {
			if strings.Contains(l, text) {
				s.lines = s.lines[i+1:]
				return true
			}
		}
		if s.done {
			return false
		}
		s.cond.Wait()
	}
}

func (s *benchStream) Close() { s.res.Body.Close() }
