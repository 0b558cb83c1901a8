package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"shelf"
	"shelf/service/servicetest"
	"shelf/store"
	"shelf/store/storetest"
)

// TestNotifyAfterCommit: on PostgreSQL, a commit that wrote audit events
// wakes the listeners of another process's connection (here, a second
// store.DB on the same schema), and a write that rolls back wakes nobody.
// The writer's own ListenEvents passes over its NOTIFY: OnEvents woke its
// process already.
func TestNotifyAfterCommit(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := t.Context()
	open := func() *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	writer, other := open(), open()
	f := servicetest.NewFixture(t, writer)
	it := f.Item(f.Alice, "Lamp")

	woken, self, inProcess := make(chan struct{}, 16), make(chan struct{}, 16), make(chan struct{}, 16)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = other.ListenEvents(lctx, func() { woken <- struct{}{} }) }()
	go func() { _ = writer.ListenEvents(lctx, func() { self <- struct{}{} }) }()
	writer.OnEvents(func() { inProcess <- struct{}{} })
	waitOn := func(ch chan struct{}, d time.Duration) bool {
		select {
		case <-ch:
			return true
		case <-time.After(d):
			return false
		}
	}
	wait := func(d time.Duration) bool { return waitOn(woken, d) }
	if !wait(10 * time.Second) {
		t.Fatal("the listener was not called once it connected")
	}
	if !waitOn(self, 10*time.Second) {
		t.Fatal("the writer's own listener was not called once it connected")
	}

	errRollback := errors.New("roll back")
	err := writer.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.AppendAudit(ctx, shelf.AuditEvent{At: f.Clock.Now(), Action: shelf.ActionItemTrash, EntityType: "item", EntityID: it.ID, OwnerID: &it.OwnerID}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("a write that fails after its event: want its error, got %v", err)
	}
	if wait(500 * time.Millisecond) {
		t.Error("a rolled-back write woke the other process's listener")
	}

	f.Trash(f.Alice, it.ID)
	if !wait(5 * time.Second) {
		t.Error("a committed trash did not wake the other process's listener within 5 s")
	}
	if !waitOn(inProcess, 5*time.Second) {
		t.Error("a committed trash did not wake the writer's own OnEvents listener")
	}
	if waitOn(self, 500*time.Millisecond) {
		t.Error("the writer's own NOTIFY woke its ListenEvents too (it was woken in process already)")
	}
}
