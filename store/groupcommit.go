package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit. SQLite has one writer, and a durable commit (WAL,
// synchronous=FULL) costs a sync of the disk, so one transaction per request
// tops out near the disk's sync rate. Instead, one writer goroutine runs the
// write transactions of concurrent requests together: it takes the requests
// that are waiting, begins one IMMEDIATE transaction, runs each request's fn
// inside a SAVEPOINT of its own, in arrival order, and takes the requests
// that queue while it works, up to a bound. Then it commits once, and only
// after that durable commit does it answer every request of the batch. A
// request that finds no other waiting runs alone, in a plain transaction.
//
// What each caller sees is what a transaction of its own would give it:
//   - a fn that fails is rolled back to its savepoint, so nothing of it is
//     visible and the others of the batch still commit;
//   - fns run one at a time, in the order they arrived, and each sees the
//     writes of those before it (the audit hash chain stays one chain);
//   - Write returns nil only once the batch's commit is durable; a failed
//     commit fails every fn of the batch;
//   - a caller whose context ends while it waits is answered at once with
//     the context's error and its fn never runs; once its fn has started, it
//     waits for the outcome, so an error always means nothing was committed.
//     The fn's own statements do not see the caller's cancellation (an
//     interrupted statement can roll back SQLite's whole transaction, and
//     with it the batch); if the context ended while fn ran, fn is rolled
//     back to its savepoint and the caller gets the context's error.
const (
	// maxBatch bounds how many fns share one commit.
	maxBatch = 64
	// maxBatchWork bounds how long a batch keeps taking new fns, so that the
	// first caller of a busy batch does not wait for long.
	maxBatchWork = 4 * time.Millisecond
)

// errClosed answers writes after Close.
var errClosed = errors.New("store: the database is closed")

// writeRequest is one caller's fn, waiting for the writer.
type writeRequest struct {
	ctx   context.Context
	fn    func(*Tx) error
	state atomic.Int32 // requestWaiting, requestTaken or requestAbandoned
	done  chan writeResult
}

const (
	requestWaiting int32 = iota
	requestTaken
	requestAbandoned
)

// writeResult is what the writer tells a caller: its error, or the panic of
// its fn, which Write raises again in the caller's goroutine.
type writeResult struct {
	err      error
	panicked bool
	panicVal any
}

// groupCommit is the writer goroutine of one SQLite database.
type groupCommit struct {
	db       *DB
	requests chan *writeRequest // unbuffered: waiting senders are the queue
	quit     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	// batch is the fns of the open transaction that succeeded so far;
	// only the writer goroutine touches it.
	batch []*writeRequest
	// batches and batched count commits and the fns they carried.
	batches, batched atomic.Int64
	// maxWork is maxBatchWork; tests that need one batch whatever the
	// machine's speed raise it.
	maxWork time.Duration
}

func newGroupCommit(db *DB) *groupCommit {
	g := &groupCommit{db: db, requests: make(chan *writeRequest), quit: make(chan struct{}),
		stopped: make(chan struct{}), batch: make([]*writeRequest, 0, maxBatch), maxWork: maxBatchWork}
	go g.loop()
	return g
}

// write hands fn to the writer and waits for its outcome.
func (g *groupCommit) write(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case g.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.quit:
		return errClosed
	}
	var res writeResult
	select {
	case res = <-req.done:
	case <-ctx.Done():
		if req.state.CompareAndSwap(requestWaiting, requestAbandoned) {
			return ctx.Err()
		}
		// note: its fn has started; an answer now could contradict the commit.
		res = <-req.done
	}
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

// close stops the writer once the batch at hand is answered.
func (g *groupCommit) close() {
	g.once.Do(func() { close(g.quit) })
	<-g.stopped
}

func (g *groupCommit) loop() {
	defer close(g.stopped)
	for {
		select {
		case req := <-g.requests:
			g.runBatch(req)
		case <-g.quit:
			return
		}
	}
}

// runBatch runs first, and whatever queues while the batch works, in one
// transaction with one commit. A write that finds nobody else waiting runs
// alone, in a transaction of its own without a savepoint: a savepoint copies
// every page it changes to a sub-journal, which a lone write does not need.
func (g *groupCommit) runBatch(first *writeRequest) {
	if second := g.poll(); second != nil {
		g.runShared(first, second)
	} else {
		g.runAlone(first)
	}
	g.db.writeStmts.preparePending()
}

// runAlone runs one fn in its own transaction, as Write always did before
// writes were batched; writes that queue meanwhile wait for the next batch.
func (g *groupCommit) runAlone(req *writeRequest) {
	ctx := context.Background()
	// note: BEGIN IMMEDIATE can wait (for another process's write, up to the
	// busy timeout); the caller may still give up meanwhile.
	sqlTx, err := g.db.write.BeginTx(ctx, nil)
	if !req.state.CompareAndSwap(requestWaiting, requestTaken) {
		if err == nil {
			_ = sqlTx.Rollback()
		}
		return // its caller gave up before it started
	}
	if err != nil {
		req.done <- writeResult{err: g.db.dialect.mapErr(err)}
		return
	}
	tx := &Tx{tx: sqlTx, d: g.db.dialect, stmts: g.db.writeStmts, detached: ctx}
	res := call(req.fn, tx)
	if res.err == nil && !res.panicked {
		res.err = req.ctx.Err()
	}
	if res.err != nil || res.panicked {
		_ = sqlTx.Rollback()
		req.done <- res
		return
	}
	g.batch = append(g.batch, req)
	g.commit(ctx, sqlTx, tx)
}

// runShared runs first, second and whatever else queues while they work,
// each in a savepoint of its own, in one transaction with one commit.
func (g *groupCommit) runShared(first, second *writeRequest) {
	// note: the transaction's context is not any caller's: one caller giving
	// up must not roll back the others.
	ctx := context.Background()
	var sqlTx *sql.Tx
	var tx *Tx
	var start time.Time // when the transaction began: the batch's work
	taken := 0
	next := func() *writeRequest {
		if second != nil {
			req := second
			second = nil
			return req
		}
		if taken >= maxBatch || time.Since(start) >= g.maxWork {
			return nil
		}
		return g.poll()
	}
	for req := first; req != nil; req = next() {
		taken++
		if sqlTx == nil {
			var err error
			sqlTx, err = g.db.write.BeginTx(ctx, nil)
			if err != nil {
				sqlTx = nil
				if req.state.CompareAndSwap(requestWaiting, requestTaken) {
					req.done <- writeResult{err: g.db.dialect.mapErr(err)}
				}
				continue
			}
			tx = &Tx{tx: sqlTx, d: g.db.dialect, stmts: g.db.writeStmts, detached: ctx}
			start = time.Now()
		}
		if !req.state.CompareAndSwap(requestWaiting, requestTaken) {
			continue // its caller gave up before it started
		}
		if err := g.runOne(ctx, tx, req); err != nil {
			// note: the savepoint could not be set or undone, so the
			// transaction's state is unknown: none of the batch commits.
			_ = sqlTx.Rollback()
			sqlTx = nil
			g.answer(fmt.Errorf("write batch: %w", err))
		}
	}
	switch {
	case sqlTx == nil:
	case len(g.batch) == 0:
		_ = sqlTx.Rollback() // note: every fn failed, or every caller gave up
	default:
		g.commit(ctx, sqlTx, tx)
	}
}

// commit commits the batch's transaction and answers its fns; once an
// audit event is committed, its listeners are woken.
func (g *groupCommit) commit(ctx context.Context, sqlTx *sql.Tx, tx *Tx) {
	err := sqlTx.Commit()
	if err != nil {
		// note: a COMMIT that fails (a deferred constraint, say) can leave
		// the connection inside the transaction; end it, or the next BEGIN
		// fails.
		_, _ = g.db.write.ExecContext(ctx, "ROLLBACK")
	}
	g.answer(g.db.dialect.mapErr(err))
	if err == nil && tx.audited {
		g.db.committedEvents()
	}
}

// poll returns a request that is already waiting, or nil.
func (g *groupCommit) poll() *writeRequest {
	select {
	case req := <-g.requests:
		return req
	default:
		return nil
	}
}

// runOne runs one fn in its own savepoint. A fn that fails (or panics, or
// whose caller gave up meanwhile) is rolled back to the savepoint and
// answered at once; one that succeeds joins the batch and is answered after
// the commit. The error returned is about the savepoint itself, and means
// the whole transaction must go.
func (g *groupCommit) runOne(ctx context.Context, tx *Tx, req *writeRequest) error {
	if _, err := tx.exec(ctx, "SAVEPOINT shelf_write"); err != nil {
		req.done <- writeResult{err: err}
		return err
	}
	res := call(req.fn, tx)
	if res.err == nil && !res.panicked {
		if err := req.ctx.Err(); err != nil {
			res.err = err
		}
	}
	if res.err == nil && !res.panicked {
		if _, err := tx.exec(ctx, "RELEASE shelf_write"); err != nil {
			req.done <- writeResult{err: err}
			return err
		}
		g.batch = append(g.batch, req)
		return nil
	}
	_, err := tx.exec(ctx, "ROLLBACK TO shelf_write")
	if err == nil {
		_, err = tx.exec(ctx, "RELEASE shelf_write")
	}
	req.done <- res
	return err
}

// call runs fn, catching a panic so that the writer survives it.
func call(fn func(*Tx) error, tx *Tx) (res writeResult) {
	defer func() {
		if p := recover(); p != nil {
			res = writeResult{panicked: true, panicVal: p}
		}
	}()
	return writeResult{err: fn(tx)}
}

// answer tells every fn of the batch the outcome of its commit.
func (g *groupCommit) answer(err error) {
	if len(g.batch) > 0 {
		g.batches.Add(1)
		g.batched.Add(int64(len(g.batch)))
	}
	for i, req := range g.batch {
		req.done <- writeResult{err: err}
		g.batch[i] = nil
	}
	g.batch = g.batch[:0]
}
