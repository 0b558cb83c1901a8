// Package events delivers Shelf's change events to the subscribers of this
// process: the event stream's connections. The events are the audit log's
// rows, read back after commit (see store/events.go for their order); one
// reader per process follows the log and hands each event to every
// subscriber that may see it, so a thousand subscribers cost one query per
// wake-up, not a thousand.
//
// A subscriber that resumes from an event id first catches up from the
// database, up to where the process's reader stood when it subscribed, and
// then takes the live events, which all come after that point: no gap and
// no duplicate.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"shelf"
	"shelf/service"
)

// Message is one message for subscribers. Change events carry the cursor of
// their audit event as ID, from which a subscriber resumes; a transient
// message (job progress, say) has no ID and is not replayed on resume.
type Message struct {
	ID      string
	Type    string
	OwnerID *int64 // who may see it; nil for admins' all-owner streams only
	Data    json.RawMessage
}

// FromEvent is the message of a change event: its data is the event as the
// stream and webhooks send it.
func FromEvent(e shelf.Event) Message {
	data, _ := json.Marshal(e)
	return Message{ID: e.Cursor, Type: e.Action, OwnerID: e.OwnerID, Data: data}
}

// FromJob is the message of a job's progress: job.progress after a batch,
// job.done once it has ended (done or failed), with the job as data, for
// those who may see its owner's things (admins' all-owner streams only,
// once an erasure's job has let go of the person).
func FromJob(j shelf.Job) Message {
	typ := "job.progress"
	if j.Finished() {
		typ = "job.done"
	}
	data, _ := json.Marshal(j)
	owner := j.OwnerID
	return Message{Type: typ, OwnerID: &owner, Data: data}
}

// The broker's settings.
const (
	// pageSize is how many events one read takes.
	pageSize = 500
	// maxPending is how many messages may wait for a subscriber; one that
	// falls further behind is dropped (it reconnects and resumes from the
	// database) rather than growing this process's memory.
	maxPending = 4096
)

// pollEvery is how often the reader looks at the log without a wake-up. On
// PostgreSQL an event can be readable only after an unrelated transaction
// ends (store/events.go), which sends no wake-up; the poll bounds that wait.
func pollEvery(engine string) time.Duration {
	if engine == "postgres" {
		return 250 * time.Millisecond
	}
	return 2 * time.Second
}

// eagerPoll is how often the reader polls for a second after a wake-up that
// found nothing to read.
const eagerPoll = 20 * time.Millisecond

// ErrSlow ends the stream of a subscriber that fell too far behind.
var ErrSlow = errors.New("events: the subscriber fell behind")

// ErrClosed ends every stream when the broker closes (the server shuts
// down), and refuses new ones.
var ErrClosed = &shelf.Error{Code: shelf.EUNAVAILABLE, Message: "The server is shutting down; try again shortly."}

// Broker follows the event log for the subscribers of this process. It reads
// only while someone subscribes.
type Broker struct {
	svc *service.Service
	log *slog.Logger

	wake chan struct{}

	mu      sync.Mutex
	jobs    map[int64]jobMark // the jobs told of from other instances, as last told
	subs    map[*Subscription]struct{}
	pending int    // subscribers waiting for the reader to start
	cursor  string // where the reader stands
	run     *run   // the running reader, nil when nobody subscribes
	closed  bool
}

// run is one life of the reader, from a first subscriber to the last one.
type run struct {
	stop  context.CancelFunc
	ready chan struct{} // closed once the reader has its cursor, or failed
	err   error         // why it failed to start
}

// NewBroker returns a broker over svc's event log.
func NewBroker(svc *service.Service, log *slog.Logger) *Broker {
	if log == nil {
		log = slog.Default()
	}
	b := &Broker{svc: svc, log: log, wake: make(chan struct{}, 1), subs: map[*Subscription]struct{}{}}
	svc.OnEvents(b.poke)
	return b
}

// poke wakes the reader; it never blocks.
func (b *Broker) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Subscribers returns how many subscribers the broker holds.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// subscribe adds a subscriber that sees owner's things (nil: everyone's) and
// returns it with the reader's cursor at that moment: every message it
// receives comes after that cursor.
func (b *Broker) subscribe(ctx context.Context, owner *int64) (*Subscription, string, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, "", ErrClosed
	}
	if b.run == nil {
		runCtx, stop := context.WithCancel(context.Background())
		b.run = &run{stop: stop, ready: make(chan struct{})}
		go b.read(runCtx, b.run)
	}
	r := b.run
	b.pending++
	b.mu.Unlock()

	select {
	case <-r.ready:
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending--
	if err := ctx.Err(); err != nil {
		b.stopIfIdle()
		return nil, "", err
	}
	if r.err != nil {
		b.stopIfIdle()
		return nil, "", r.err
	}
	s := &Subscription{owner: owner, signal: make(chan struct{}, 1), done: make(chan struct{})}
	b.subs[s] = struct{}{}
	return s, b.cursor, nil
}

// unsubscribe removes s; the reader stops with the last subscriber.
func (b *Broker) unsubscribe(s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, s)
	b.stopIfIdle()
}

// stopIfIdle stops the reader when nobody subscribes or waits; b.mu is held.
func (b *Broker) stopIfIdle() {
	if b.run != nil && len(b.subs) == 0 && b.pending == 0 {
		b.run.stop()
		b.run = nil
	}
}

// Close ends every stream with ErrClosed and refuses new ones, so that a
// server shutting down is not held open by streams that never end.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for s := range b.subs {
		s.end(ErrClosed)
		delete(b.subs, s)
	}
	b.stopIfIdle()
}

// Publish sends a transient message (one that is not in the event log) to
// this process's subscribers that may see it. It is the way for events that
// are not audit events (job progress) to reach the stream.
func (b *Broker) Publish(m Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fanOut(&m)
}

// fanOut hands m to every subscriber that may see it; b.mu is held.
func (b *Broker) fanOut(m *Message) {
	for s := range b.subs {
		if s.owner != nil && (m.OwnerID == nil || *m.OwnerID != *s.owner) {
			continue
		}
		if !s.push(m) {
			s.end(ErrSlow)
			delete(b.subs, s)
		}
	}
}

// read is the reader: it takes the log's head, then after every wake-up (a
// commit in this process, a NOTIFY from another) or poll reads what came
// after its cursor and fans it out. A failed read ends every subscriber
// with the error, so that their streams close with a retry hint.
func (b *Broker) read(ctx context.Context, r *run) {
	head, err := b.svc.EventHead(ctx)
	b.mu.Lock()
	if err != nil {
		r.err = err
		if b.run == r {
			b.run = nil
		}
		b.mu.Unlock()
		close(r.ready)
		return
	}
	b.cursor = head
	b.mu.Unlock()
	close(r.ready)

	go func() {
		if err := b.svc.ListenEvents(ctx, b.poke); err != nil {
			b.log.Warn("event listener stopped", "err", err)
		}
	}()
	go func() {
		if err := b.svc.ListenJobs(ctx, b.jobMoved); err != nil {
			b.log.Warn("job listener stopped", "err", err)
		}
	}()
	idle := pollEvery(b.svc.Engine())
	timer := time.NewTimer(idle)
	defer timer.Stop()
	var eager time.Time // until when to poll often
	for {
		woken := false
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
			woken = true
		case <-timer.C:
		}
		n, err := b.drain(ctx)
		// note: a wake-up whose event cannot be read yet (on PostgreSQL, an
		// older transaction still runs somewhere on the server) is followed
		// by quick polls for a while, as that transaction's end sends none.
		if woken && n == 0 {
			eager = time.Now().Add(time.Second)
		}
		next := idle
		if time.Now().Before(eager) {
			next = eagerPoll
		}
		timer.Reset(next)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("reading events failed; closing the streams", "err", err)
			b.mu.Lock()
			for s := range b.subs {
				s.end(err)
				delete(b.subs, s)
			}
			if b.run == r {
				b.run = nil
			}
			b.mu.Unlock()
			r.stop()
			return
		}
	}
}

// drain reads and fans out everything after the cursor, and returns how
// many events it read.
func (b *Broker) drain(ctx context.Context) (int, error) {
	n := 0
	for {
		b.mu.Lock()
		after := b.cursor
		b.mu.Unlock()
		evs, err := b.svc.Events(ctx, shelf.EventFilter{After: after, Limit: pageSize})
		if err != nil {
			return n, err
		}
		n += len(evs)
		if len(evs) == 0 {
			return n, nil
		}
		b.mu.Lock()
		for _, e := range evs {
			m := FromEvent(e)
			b.fanOut(&m)
		}
		b.cursor = evs[len(evs)-1].Cursor
		b.mu.Unlock()
		if len(evs) < pageSize {
			return n, nil
		}
	}
}

// jobMark is how far a job was when it was last told of.
type jobMark struct {
	state string
	done  int64
}

// maxJobMarks bounds what the broker remembers of other instances' jobs.
const maxJobMarks = 1024

// jobMoved fans out the progress of a job that another instance runs, as
// its row reads after that instance's wake-up; a wake-up that finds the job
// where the last one left it (two batches told at once, say) sends nothing,
// so each step reaches a subscriber once.
func (b *Broker) jobMoved(j shelf.Job) {
	b.mu.Lock()
	defer b.mu.Unlock()
	mark := jobMark{j.State, j.Done}
	if b.jobs[j.ID] == mark {
		return
	}
	if b.jobs == nil || len(b.jobs) >= maxJobMarks {
		b.jobs = map[int64]jobMark{}
	}
	b.jobs[j.ID] = mark
	m := FromJob(j)
	b.fanOut(&m)
}
