package web

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// Busy is true while a request is being served and false once it is answered:
// the retention purge waits on it.
func TestBusyWhileServing(t *testing.T) {
	e := newAPIEnv(t)
	if e.srv.Busy() {
		t.Fatal("Busy before any request")
	}
	body, send := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/api/v1/items", body)
	req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
	req.Header.Set("Content-Type", "application/json")
	done := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	// the handler is reading a body that has not come yet
	deadline := time.Now().Add(5 * time.Second)
	for !e.srv.Busy() {
		if time.Now().After(deadline) {
			t.Fatal("Busy never became true while a request was being served")
		}
		time.Sleep(time.Millisecond)
	}
	_, _ = send.Write([]byte(`{"name":"Slow item","quantity":1}`))
	send.Close()
	if code := <-done; code != http.StatusCreated {
		t.Fatalf("POST: status %d, want 201", code)
	}
	for e.srv.Busy() {
		if time.Now().After(deadline) {
			t.Fatal("Busy still true after the answer")
		}
		time.Sleep(time.Millisecond)
	}
}
