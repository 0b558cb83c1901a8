package events

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
	"shelf/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// member adds a member through the service and returns them as an actor.
func member(t *testing.T, svc *service.Service, email string) shelf.Actor {
	t.Helper()
	u, err := svc.AddUser(context.Background(), service.NewUser{Email: email, Name: email, Password: "a long password", Role: shelf.RoleMember})
	if err != nil {
		t.Fatalf("add user: %v", err)
	}
	return shelf.Actor{UserID: u.ID, Role: shelf.RoleMember, RequestID: "test"}
}

// TestSlowSubscriberDropped: a subscriber that does not read is dropped once
// maxPending messages wait for it, instead of growing memory; what was
// queued is still delivered, and the stream ends with ErrSlow.
func TestSlowSubscriberDropped(t *testing.T) {
	svc := service.New(storetest.OpenSQLite(t))
	b := NewBroker(svc, nil)
	defer b.Close()
	st, err := b.Open(t.Context(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range maxPending + 1 {
		b.Publish(Message{Type: "job.progress", Data: []byte(`{}`)})
	}
	if n := b.Subscribers(); n != 0 {
		t.Fatalf("subscribers after overflowing one: want 0, got %d", n)
	}
	got := 0
	err = st.Run(t.Context(), time.Hour, func(Message) error { got++; return nil }, func() error { return nil }, func() error { return nil })
	if !errors.Is(err, ErrSlow) || got != maxPending {
		t.Fatalf("a dropped stream: want %d messages then ErrSlow, got %d and %v", maxPending, got, err)
	}
}

// TestPublishReachesOwnersOnly: a transient message reaches the subscribers
// who may see it: its owner and the all-owner streams.
func TestPublishReachesOwnersOnly(t *testing.T) {
	svc := service.New(storetest.OpenSQLite(t))
	b := NewBroker(svc, nil)
	defer b.Close()
	one, two := int64(1), int64(2)
	var got [3][]string
	for i, owner := range []*int64{&one, &two, nil} {
		st, err := b.Open(t.Context(), owner, "")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		go func() {
			_ = st.Run(ctx, time.Hour, func(m Message) error { got[i] = append(got[i], m.Type); return nil }, func() error { return nil }, func() error { return nil })
		}()
	}
	b.Publish(Message{Type: "job.done", OwnerID: &one, Data: []byte(`{}`)})
	time.Sleep(500 * time.Millisecond)
	if len(got[0]) != 1 || len(got[1]) != 0 || len(got[2]) != 1 {
		t.Fatalf("job.done for owner 1: want it on owner 1's and the all-owner stream only, got %v", got)
	}
}

// TestAcrossInstances: two processes' worth of Shelf (two pools, two
// brokers) on one PostgreSQL database; an event committed through one
// reaches a subscriber of the other within a second, woken by NOTIFY.
func TestAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	dbA, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dbA.Close()
	if _, err := dbA.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dbB, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dbB.Close()
	svcA, svcB := service.New(dbA), service.New(dbB)
	owner := member(t, svcA, "ann@example.com")
	b := NewBroker(svcB, nil)
	defer b.Close()
	st, err := b.Open(t.Context(), &owner.UserID, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := make(chan Message, 10)
	go func() {
		_ = st.Run(t.Context(), time.Hour, func(m Message) error { got <- m; return nil }, func() error { return nil }, func() error { return nil })
	}()
	for i := range 5 {
		it, err := svcA.CreateItem(t.Context(), owner, shelf.ItemInput{Name: "Lamp " + string(rune('A'+i)), Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := svcA.TrashItem(t.Context(), owner, it.ID, 0); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-got:
			if m.Type != shelf.ActionItemTrash {
				t.Fatalf("want item.trash, got %s %s", m.Type, m.Data)
			}
			t.Logf("event reached the other instance in %s", time.Since(start).Round(time.Millisecond))
		case <-time.After(5 * time.Second):
			t.Fatalf("trash %d: no event on the other instance within 5 s", i)
		}
	}
}
