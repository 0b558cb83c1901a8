package service_test

import (
	"testing"
	"time"

	"shelf"
	"shelf/service"
)

// TestSessionTimeouts: a session ends after 12 hours without a request and 7
// days after it began whatever happens; activity is written at most once a
// minute, and an ended session is removed, not just refused.
func TestSessionTimeouts(t *testing.T) {
	f := newFixture(t)
	sessions := func() int { return f.Count("SELECT count(*) FROM sessions") }

	// Idle: a request just inside the limit keeps it; one past it ends it.
	idle, _, err := f.Svc.StartSession(f.Ctx, f.Alice.UserID, "")
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(service.SessionIdle - time.Minute)
	if _, err := f.Svc.LoadSession(f.Ctx, idle); err != nil {
		t.Fatalf("a session used within the idle limit: %v", err)
	}
	f.Clock.Advance(service.SessionIdle - time.Minute)
	if _, err := f.Svc.LoadSession(f.Ctx, idle); err != nil {
		t.Fatalf("a session used again within the idle limit of its last use: %v", err)
	}
	f.Clock.Advance(service.SessionIdle + time.Second)
	_, err = f.Svc.LoadSession(f.Ctx, idle)
	wantCode(t, err, shelf.ENOTFOUND, "a session idle for longer than the limit")
	if n := sessions(); n != 0 {
		t.Errorf("sessions after the idle one ended: %d, want 0 (removed)", n)
	}

	// Absolute: used every 6 hours, it still ends 7 days after it began.
	busy, _, err := f.Svc.StartSession(f.Ctx, f.Alice.UserID, "")
	if err != nil {
		t.Fatal(err)
	}
	began := f.Clock.Now()
	for f.Clock.Now().Add(6 * time.Hour).Before(began.Add(service.SessionLifetime)) {
		f.Clock.Advance(6 * time.Hour)
		if _, err := f.Svc.LoadSession(f.Ctx, busy); err != nil {
			t.Fatalf("a busy session %s after it began: %v", f.Clock.Now().Sub(began), err)
		}
	}
	f.Clock.Set(began.Add(service.SessionLifetime + time.Second))
	_, err = f.Svc.LoadSession(f.Ctx, busy)
	wantCode(t, err, shelf.ENOTFOUND, "a busy session past its lifetime")

	// Activity is written at most once a minute: a read within the minute
	// leaves last_seen_at as it was.
	fresh, _, err := f.Svc.StartSession(f.Ctx, f.Alice.UserID, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := func() string {
		var s string
		if err := f.DB.SQL().QueryRow(`SELECT last_seen_at FROM sessions`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := seen()
	f.Clock.Advance(30 * time.Second)
	if _, err := f.Svc.LoadSession(f.Ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if got := seen(); got != first {
		t.Errorf("last_seen_at after a request within the minute: %s, want it unchanged (%s)", got, first)
	}
	f.Clock.Advance(2 * time.Minute)
	if _, err := f.Svc.LoadSession(f.Ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if got := seen(); got == first {
		t.Errorf("last_seen_at after a request two minutes on: still %s", got)
	}

	// The sweep removes sessions past either limit and keeps the rest.
	if _, _, err := f.Svc.StartSession(f.Ctx, f.Bob.UserID, ""); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(service.SessionIdle + time.Second)
	if _, _, err := f.Svc.StartSession(f.Ctx, f.Bob.UserID, ""); err != nil {
		t.Fatal(err)
	}
	n, err := f.Svc.DeleteExpiredSessions(f.Ctx)
	if err != nil || n != 2 || sessions() != 1 {
		t.Errorf("sweep: want 2 idle sessions removed and 1 left, got %d removed, %d left, %v", n, sessions(), err)
	}
}
