package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strconv"
	"sync"
)

// notifier tells Shelf's other instances, on PostgreSQL, that audit events
// committed: a NOTIFY on the shelf_events channel, which ListenEvents hears.
//
// note: the NOTIFY is sent after the commit, from a transaction of its own,
// not by the transaction that wrote the events: PostgreSQL serialises every
// committing transaction that has notified (one lock for the whole server,
// held until its commit is flushed to disk), so a NOTIFY inside the writes
// made them queue one behind another, whatever their audit lanes. Wake-ups
// are coalesced: while one is being sent, any number of commits add one more.
//
// The payload names the sending process (its DB), so that its own listener
// can pass over what it sends: the process's listeners were woken in
// process when it committed, and a second wake-up only made them read again.
//
// It also tells them that a job moved (a batch committed, or it ended): a
// NOTIFY on shelf_jobs whose payload is the process and the job's id, which
// ListenJobs hears; the listener reads the job's row. Those are coalesced
// per job.
type notifier struct {
	self string
	kick chan struct{}
	quit chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	events bool           // a NOTIFY on shelf_events is due
	jobs   map[int64]bool // the jobs whose NOTIFY is due
}

func startNotifier(pool *sql.DB) *notifier {
	n := &notifier{self: rand.Text(), kick: make(chan struct{}, 1), quit: make(chan struct{}), jobs: map[int64]bool{}}
	n.wg.Go(func() {
		for {
			select {
			case <-n.quit:
				return
			case <-n.kick:
			}
			n.mu.Lock()
			events, jobs := n.events, n.jobs
			n.events, n.jobs = false, map[int64]bool{}
			n.mu.Unlock()
			// note: a lost wake-up only delays the others until the next
			// one; their readers catch up from their cursors (and a job's
			// page from the job's address).
			if events {
				_, _ = pool.ExecContext(context.Background(), `SELECT pg_notify('shelf_events', $1)`, n.self)
			}
			for id := range jobs {
				_, _ = pool.ExecContext(context.Background(), `SELECT pg_notify('shelf_jobs', $1)`, n.self+" "+strconv.FormatInt(id, 10))
			}
		}
	})
	return n
}

// wake asks for one NOTIFY after the commit that just happened; it never
// blocks. A nil notifier (SQLite, one process) does nothing.
func (n *notifier) wake() {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.events = true
	n.mu.Unlock()
	n.signal()
}

// wakeJob asks for one NOTIFY that job id moved; it never blocks.
func (n *notifier) wakeJob(id int64) {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.jobs[id] = true
	n.mu.Unlock()
	n.signal()
}

func (n *notifier) signal() {
	select {
	case n.kick <- struct{}{}:
	default: // one is already due, and will cover this too
	}
}

// close stops the notifier once the NOTIFY at hand is sent.
func (n *notifier) close() {
	if n == nil {
		return
	}
	close(n.quit)
	n.wg.Wait()
}

// committedEvents is what follows a commit that wrote audit events: this
// process's listeners are woken, and the other instances told.
func (db *DB) committedEvents() {
	db.listeners.wake()
	db.notifier.wake()
}
