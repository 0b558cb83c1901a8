package events

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
	"shelf/store/storetest"
)

// TestJobProgressAcrossInstances: two processes' worth of Shelf on one
// PostgreSQL database; a job that one runs is heard of by a subscriber of
// the other, job.progress after its batches and job.done once, with the job
// as its row reads. The instance that runs the job hears nothing through
// the database (its runner tells its own streams), so nothing comes twice.
func TestJobProgressAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA := open()
	if _, err := dbA.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dbB := open()
	svcA, svcB := service.New(dbA, service.WithJobThreshold(2)), service.New(dbB)
	owner := member(t, svcA, "ann@example.com")
	for i := range 3 {
		it, err := svcA.CreateItem(t.Context(), owner, shelf.ItemInput{Name: "Crate " + string(rune('A'+i)), Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svcA.TrashItem(t.Context(), owner, it.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	follow := func(svc *service.Service) chan Message {
		b := NewBroker(svc, nil)
		t.Cleanup(b.Close)
		st, err := b.Open(t.Context(), &owner.UserID, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		got := make(chan Message, 100)
		go func() {
			_ = st.Run(t.Context(), time.Hour, func(m Message) error {
				if m.ID == "" { // transient: job messages only
					got <- m
				}
				return nil
			}, func() error { return nil }, func() error { return nil })
		}()
		return got
	}
	onB, onA := follow(svcB), follow(svcA)
	// note: the listeners LISTEN once the brokers' readers start.
	time.Sleep(500 * time.Millisecond)

	res, err := svcA.EmptyTrash(t.Context(), owner, 0, shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("empty a Trash of 3 rows, threshold 2: want a job, got %+v, %v", res, err)
	}
	start := time.Now()
	// note: the runner waits, after its first batch, for the other
	// instance to hear of it, so that the wake-ups cannot all fold into one.
	var progress *shelf.Job
	ran, err := svcA.RunJob(t.Context(), shelf.System("test"), res.Job.ID, 1, func(shelf.Job) {
		if progress != nil {
			return
		}
		m := next(t, onB, res.Job.ID)
		progress = &m.job
		if m.Type != "job.progress" || m.job.State != shelf.JobRunning || m.job.Done != 1 || m.job.Total != 3 {
			t.Errorf("after the first batch, the other instance: want job.progress running 1/3, got %s %s", m.Type, m.Data)
		}
	})
	if !ran || err != nil {
		t.Fatalf("run the job: %v, %v", ran, err)
	}
	for {
		m := next(t, onB, res.Job.ID)
		if m.Type == "job.progress" {
			continue
		}
		if m.Type != "job.done" || m.job.State != shelf.JobDone || m.job.Done != 3 || m.job.Total != 3 || string(m.job.Result) != `{"purged":3,"blocked":[]}` {
			t.Fatalf("the job's end on the other instance: want job.done with the finished job, got %s %s", m.Type, m.Data)
		}
		break
	}
	t.Logf("job.done reached the other instance %s after the job started", time.Since(start).Round(time.Millisecond))
	select {
	case m := <-onB:
		t.Errorf("after job.done, the other instance got %s %s", m.Type, m.Data)
	case m := <-onA:
		t.Errorf("the instance that ran the job heard of it through the database: %s %s", m.Type, m.Data)
	case <-time.After(time.Second):
	}
}

// jobMessage is a job message with its job decoded.
type jobMessage struct {
	Message
	job shelf.Job
}

// next waits up to 5 s for the next message on got, which must be about job
// id.
func next(t *testing.T, got chan Message, id int64) jobMessage {
	t.Helper()
	select {
	case m := <-got:
		var j shelf.Job
		if err := json.Unmarshal(m.Data, &j); err != nil || j.ID != id {
			t.Fatalf("a job message on the other instance: want job %d, got %s", id, m.Data)
		}
		return jobMessage{m, j}
	case <-time.After(5 * time.Second):
		t.Fatalf("no job message on the other instance within 5 s")
	}
	return jobMessage{}
}
