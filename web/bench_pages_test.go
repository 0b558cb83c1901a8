package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/store"
	"shelf/store/storetest"
)

// BenchmarkListPages serves the items list (HTML) and the JSON list of 50
// items through the real router and middleware, without a network, on both
// engines: the server's own cost per page, and its allocations, which the
// garbage collector pays for under load.
func BenchmarkListPages(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = storetest.OpenSQLite(b)
			} else {
				storetest.PostgresURL(b)
				db = storetest.OpenPostgres(b)
			}
			srv, cookie, token := benchServer(b, db)
			for _, page := range []struct{ name, path, auth string }{
				{"html", "/items", ""},
				{"json", "/api/v1/items", "Bearer " + token},
			} {
				b.Run(page.name, func(b *testing.B) {
					req := httptest.NewRequest(http.MethodGet, page.path, nil)
					if page.auth != "" {
						req.Header.Set("Authorization", page.auth)
					} else {
						req.AddCookie(cookie)
					}
					b.ReportAllocs()
					w := &discardWriter{header: http.Header{}}
					for b.Loop() {
						clear(w.header)
						w.code = 0
						srv.ServeHTTP(w, req)
						if w.code != http.StatusOK {
							b.Fatalf("GET %s: %d", page.path, w.code)
						}
					}
				})
			}
		})
	}
}

// benchServer is a server over db with one member who owns 60 items, a
// session cookie for them and an API token.
func benchServer(b *testing.B, db *store.DB) (*Server, *http.Cookie, string) {
	ctx := context.Background()
	svc := service.New(db)
	srv, err := New(Config{Service: svc, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	u, err := svc.AddUser(ctx, service.NewUser{Email: "bench@example.com", Name: "Bench", Password: "bench password", Role: shelf.RoleMember})
	if err != nil {
		b.Fatal(err)
	}
	a := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "bench"}
	for i := range 60 {
		if _, err := svc.CreateItem(ctx, a, shelf.ItemInput{Name: fmt.Sprintf("Item & thing %d", i), Description: "Seeded.", Quantity: int64(i)}); err != nil {
			b.Fatal(err)
		}
	}
	sess, _, err := svc.StartSession(ctx, u.ID, "")
	if err != nil {
		b.Fatal(err)
	}
	_, secret, err := svc.CreateToken(ctx, a, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return srv, &http.Cookie{Name: sessionCookie, Value: sess}, secret
}

// discardWriter is a ResponseWriter that keeps the status and drops the body,
// so that the benchmark counts the server's allocations and not a recorder's.
type discardWriter struct {
	header http.Header
	code   int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
