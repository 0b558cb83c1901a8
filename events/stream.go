package events

import (
	"context"
	"sync"
	"time"

	"shelf"
)

// Subscription is one subscriber's queue of messages. The queue is a slice
// that grows only while the subscriber is behind, bounded by maxPending.
type Subscription struct {
	owner  *int64
	mu     sync.Mutex
	queue  []*Message
	signal chan struct{} // a message is queued
	done   chan struct{} // the broker ended the subscription
	err    error
}

// push queues m; it reports false when the subscriber is too far behind.
func (s *Subscription) push(m *Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) >= maxPending {
		return false
	}
	s.queue = append(s.queue, m)
	select {
	case s.signal <- struct{}{}:
	default:
	}
	return true
}

// end closes the subscription with err; the broker's lock is held.
func (s *Subscription) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
		close(s.done)
	}
}

// take returns the queued messages and empties the queue.
func (s *Subscription) take() []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}

// Stream is one subscriber's stream: the catch-up from the database, then
// the live messages.
type Stream struct {
	b     *Broker
	sub   *Subscription
	owner *int64
	last  string // the subscriber's Last-Event-ID; "" for a first connection
	start string // the reader's cursor when the subscriber joined
	// before holds the ids of events that committed before a first
	// connection but come after start.
	before map[int64]bool
}

// Open subscribes to the events of owner's things (nil: everyone's), from
// after last (a cursor the stream sent) or, when last is "", from now. A
// last that Shelf did not send is EMALFORMED; a database that does not
// answer is EUNAVAILABLE. Close the stream when done.
func (b *Broker) Open(ctx context.Context, owner *int64, last string) (*Stream, error) {
	if _, err := shelf.ParseEventCursor(last); err != nil {
		return nil, err
	}
	sub, start, err := b.subscribe(ctx, owner)
	if err != nil {
		return nil, err
	}
	st := &Stream{b: b, sub: sub, owner: owner, last: last, start: start}
	if last == "" {
		// note: on PostgreSQL the reader's cursor can stand behind events
		// that committed already (store/events.go); a first connection
		// starts from now, so those are skipped.
		if st.before, err = st.committedBefore(ctx); err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}

// Close leaves the broker.
func (st *Stream) Close() { st.b.unsubscribe(st.sub) }

// Run sends the stream's messages to send, oldest first, until ctx ends or
// the stream must close: send fails, the subscriber fell behind (ErrSlow),
// the server shuts down (ErrClosed), or the database failed. It calls flush
// after each batch of messages (what queued meanwhile goes out in one write
// to the network), and ping when nothing was sent for heartbeat, so that
// proxies keep the connection.
func (st *Stream) Run(ctx context.Context, heartbeat time.Duration, send func(Message) error, flush, ping func() error) error {
	// note: with a Last-Event-ID, catch up from the database up to where
	// the reader stood when this subscriber joined; everything live comes
	// after that. A client that resumes from a cursor ahead of this
	// process's reader (it was connected to another instance) skips the
	// live messages it already has.
	var skipUpTo *shelf.EventCursor
	before := st.before
	if st.last != "" {
		last, _ := shelf.ParseEventCursor(st.last)
		start, _ := shelf.ParseEventCursor(st.start)
		if last.After(start) {
			skipUpTo = &last
		} else if err := st.catchUp(ctx, send, flush); err != nil {
			return err
		}
	}
	beat := time.NewTimer(heartbeat)
	defer beat.Stop()
	deliver := func() error {
		sent := false
		for _, m := range st.sub.take() {
			if before != nil && m.ID != "" {
				if c, err := shelf.ParseEventCursor(m.ID); err == nil && before[c.ID] {
					continue
				}
			}
			if skipUpTo != nil && m.ID != "" {
				if c, err := shelf.ParseEventCursor(m.ID); err == nil && !c.After(*skipUpTo) {
					continue
				}
			}
			if err := send(*m); err != nil {
				return err
			}
			sent = true
		}
		if !sent {
			return nil
		}
		beat.Reset(heartbeat)
		return flush()
	}
	for {
		if err := deliver(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-st.sub.done:
			// note: deliver what was queued before the end, then stop.
			if err := deliver(); err != nil {
				return err
			}
			return st.sub.err
		case <-st.sub.signal:
		case <-beat.C:
			if err := ping(); err != nil {
				return err
			}
			beat.Reset(heartbeat)
		}
	}
}

// committedBefore returns the ids of the events after the stream's start
// that have committed already, where the engine has any.
func (st *Stream) committedBefore(ctx context.Context) (map[int64]bool, error) {
	if st.b.svc.Engine() != "postgres" {
		return nil, nil
	}
	evs, err := st.b.svc.Events(ctx, shelf.EventFilter{After: st.start, OwnerID: st.owner, Committed: true})
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	ids := make(map[int64]bool, len(evs))
	for _, e := range evs {
		ids[e.ID] = true
	}
	return ids, nil
}

// catchUp sends the events after last up to start from the database.
func (st *Stream) catchUp(ctx context.Context, send func(Message) error, flush func() error) error {
	after := st.last
	for {
		evs, err := st.b.svc.Events(ctx, shelf.EventFilter{After: after, Until: st.start, OwnerID: st.owner, Limit: pageSize})
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := send(FromEvent(e)); err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if len(evs) < pageSize {
			return nil
		}
		after = evs[len(evs)-1].Cursor
	}
}
