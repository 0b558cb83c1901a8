package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"shelf/service"
)

// The jobs' crash test's sizes: each round empties a Trash of jobItems items
// with jobNotes notes each, past a threshold of jobThreshold rows, so that
// it runs as a job that a kill can cut short.
const (
	jobItems     = 300
	jobNotes     = 3
	jobThreshold = 100
)

// crashJob is one job the test started, with the items it took.
type crashJob struct {
	id    int64
	items []int64
}

// TestCrashResumesJobs starts `shelf serve` on a temporary SQLite file,
// empties a Trash big enough to run as a job (202), and kills the server
// with SIGKILL at a random moment while the job runs; the next round's
// server resumes every unfinished job while a new one starts. After every
// kill it checks, with no process running, that:
//
//   - every item a job took is either whole (all its notes) or purged, and
//     each purged one has exactly one item.purge event (purged exactly once);
//   - a job's done is exactly the rows its committed batches purged;
//   - the database's own checks and `shelf audit verify` pass.
//
// At the end a last server finishes every job, and each one is done with
// every item purged once. SHELF_CRASH_KILLS and SHELF_CRASH_SEED work as for
// the other crash tests.
func TestCrashResumesJobs(t *testing.T) {
	kills, seed := crashSettings(t, 20)
	t.Logf("jobs crash test: %d kills, seed %d", kills, seed)
	rng := rand.New(rand.NewPCG(seed, 0x10b5))
	bin := buildShelf(t)
	dbPath := filepath.Join(t.TempDir(), "shelf.db")
	dsn := "sqlite:" + dbPath
	db, closeDB := openDB(t, dsn)
	u := addTokenUser(t, service.New(db), "jobs@example.com", "Jobs")
	closeDB()

	hc := &http.Client{Timeout: 20 * time.Second}
	var jobs []crashJob
	cut := 0
	for round := 1; round <= kills; round++ {
		items := seedTrash(t, dsn, u.actor.UserID, round, jobItems, jobNotes)
		p := startServer(t, bin, dbPath, "--job-threshold", fmt.Sprint(jobThreshold))
		res := call(context.Background(), hc, p.base, u.token, "DELETE", "/api/v1/trash", nil)
		if res.err != nil || res.status != http.StatusAccepted {
			t.Fatalf("round %d: empty the Trash: want 202, got %d %v: %s\n%s", round, res.status, res.err, res.body, p.tail(3000))
		}
		var j struct {
			ID    int64 `json:"id"`
			Total int64 `json:"total"`
		}
		if err := json.Unmarshal(res.body, &j); err != nil || j.ID == 0 {
			t.Fatalf("round %d: the job: %s (%v)", round, res.body, err)
		}
		jobs = append(jobs, crashJob{id: j.ID, items: items})
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		p.kill()
		hc.CloseIdleConnections()
		cut += checkJobs(t, dsn, jobs, false)
		verifyWithBinary(t, bin, dbPath)
		if t.Failed() {
			t.Fatalf("round %d (seed %d) failed\n%s", round, seed, p.tail(3000))
		}
	}

	// A last server finishes every job.
	p := startServer(t, bin, dbPath, "--job-threshold", fmt.Sprint(jobThreshold))
	for _, j := range jobs {
		deadline := time.Now().Add(60 * time.Second)
		for {
			res := call(context.Background(), hc, p.base, u.token, "GET", fmt.Sprintf("/api/v1/jobs/%d", j.id), nil)
			var got struct{ State string }
			if res.err == nil && json.Unmarshal(res.body, &got) == nil && got.State == "done" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %d: not done 60 s after the last restart: %s\n%s", j.id, res.body, p.tail(3000))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.tail(3000))
	}
	checkJobs(t, dsn, jobs, true)
	verifyWithBinary(t, bin, dbPath)
	t.Logf("jobs crash test: %d jobs; after the kills, %d times a job was found part-way; all resumed and done", len(jobs), cut)
}

// seedTrash writes n trashed items of owner's, with notes notes each, in one
// transaction with no server running, and returns their ids.
func seedTrash(t *testing.T, dsn string, owner int64, round, n, notes int) []int64 {
	t.Helper()
	db, closeDB := openDB(t, dsn)
	defer closeDB()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// note: trashed now, after every earlier job's cutoff, as a user's
	// later deletes are; a job takes what was in the Trash when it was asked.
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	ids := make([]int64, 0, n)
	for i := range n {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at,
			deleted_at, deleted_by, deleted_cohort) VALUES (?, ?, '', 1, 2, ?, ?, ?, ?, ?) RETURNING id`,
			owner, fmt.Sprintf("round %d item %d", round, i), now, now, now, owner, fmt.Sprintf("seed-%d", round)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for k := range notes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notes (item_id, author_id, body, created_at) VALUES (?, ?, ?, ?)`,
				id, owner, fmt.Sprintf("note %d", k), now); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkJobs checks the jobs' items and counts on the database file, with no
// process running; finished asks for every job done and every item purged.
// It returns how many jobs a kill left part-way (some items purged, not
// done).
func checkJobs(t *testing.T, dsn string, jobs []crashJob, finished bool) int {
	t.Helper()
	db, closeDB := openDB(t, dsn)
	defer closeDB()
	dbHealth(t, db)
	ctx := context.Background()
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.SQL().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	partial := 0
	for _, j := range jobs {
		// note: a round's items were written in one transaction, so their
		// ids are one range.
		lo, hi := j.items[0], j.items[len(j.items)-1]
		left := count(`SELECT count(*) FROM items WHERE id BETWEEN ? AND ?`, lo, hi)
		if n := count(`SELECT count(*) FROM items i WHERE i.id BETWEEN ? AND ?
			AND (SELECT count(*) FROM notes n WHERE n.item_id = i.id) <> ?`, lo, hi, jobNotes); n != 0 {
			t.Errorf("job %d: %d items are there without all their %d notes (half-purged)", j.id, n, jobNotes)
		}
		if n := count(`SELECT count(*) FROM items WHERE id BETWEEN ? AND ? AND job_id IS NOT NULL`, lo, hi); n != 0 {
			t.Errorf("job %d: %d of its items are marked (an emptied Trash's job takes them by its cutoff)", j.id, n)
		}
		if n := count(`SELECT count(*) FROM items i WHERE i.id BETWEEN ? AND ? AND EXISTS
			(SELECT 1 FROM audit_events e WHERE e.action = 'item.purge' AND e.entity_id = i.id)`, lo, hi); n != 0 {
			t.Errorf("job %d: %d items are there with an item.purge event", j.id, n)
		}
		purged := int64(len(j.items)) - left
		events := count(`SELECT count(*) FROM audit_events WHERE action = 'item.purge' AND entity_id BETWEEN ? AND ?`, lo, hi)
		distinct := count(`SELECT count(DISTINCT entity_id) FROM audit_events WHERE action = 'item.purge' AND entity_id BETWEEN ? AND ?`, lo, hi)
		if events != purged || distinct != purged {
			t.Errorf("job %d: %d items purged, with %d item.purge events about %d items; want one each", j.id, purged, events, distinct)
		}
		var state string
		var done, total int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT state, done, total FROM jobs WHERE id = ?`, j.id).Scan(&state, &done, &total); err != nil {
			t.Fatalf("job %d: %v", j.id, err)
		}
		if want := purged * (1 + jobNotes); done != want {
			t.Errorf("job %d (%s): done %d, want %d (the rows of its %d purged items)", j.id, state, done, want, purged)
		}
		if total != 0 && total != int64(len(j.items)*(1+jobNotes)) {
			t.Errorf("job %d: total %d, want %d once counted", j.id, total, len(j.items)*(1+jobNotes))
		}
		if state == "done" && (left != 0 || done != total) {
			t.Errorf("job %d: done with %d items left, done %d of %d", j.id, left, done, total)
		}
		if finished && state != "done" {
			t.Errorf("job %d: want done at the end, got %s", j.id, state)
		}
		if purged > 0 && state != "done" {
			partial++
		}
	}
	return partial
}
