package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"shelf"
)

// JobRow is a job as stored: the job that clients see, and what running it
// takes (who asked, why, what to take again on a retry, when to try next).
type JobRow struct {
	shelf.Job
	ActorRole     shelf.Role
	RequestID     string
	Reason        string
	Params        json.RawMessage
	ItemsDone     int64
	Attempts      int
	NextAttemptAt time.Time
	// TrashedBefore, for an emptied Trash, is its cutoff: the job deletes
	// what its owner had in the Trash before it (and no hold keeps).
	TrashedBefore *time.Time
}

const jobColumns = `id, kind, state, owner_id, actor_id, actor_role, request_id, reason, params, done, total,
	items_done, attempts, next_attempt_at, error, result, created_at, finished_at, trashed_before`

func scanJob(s interface{ Scan(...any) error }) (JobRow, error) {
	var j JobRow
	var owner, actor *int64
	var errText, result, params string
	err := s.Scan(&j.ID, &j.Kind, &j.State, nullInt{&owner}, nullInt{&actor}, &j.ActorRole, &j.RequestID, &j.Reason,
		&params, &j.Done, &j.Total, &j.ItemsDone, &j.Attempts, timeCol{&j.NextAttemptAt}, nullString{&errText},
		nullString{&result}, timeCol{&j.CreatedAt}, nullTimeCol{&j.FinishedAt}, nullTimeCol{&j.TrashedBefore})
	if owner != nil {
		j.OwnerID = *owner
	}
	if actor != nil {
		j.ActorID = *actor
	}
	if errText != "" {
		j.Error = &errText
	}
	if result != "" {
		j.Result = json.RawMessage(result)
	}
	j.Params = json.RawMessage(params)
	return j, err
}

// InsertJob stores a new job and returns it with its id.
func (t *Tx) InsertJob(ctx context.Context, j JobRow) (JobRow, error) {
	var actor any
	if j.ActorID != 0 {
		actor = j.ActorID
	}
	params := string(j.Params)
	if params == "" {
		params = "{}"
	}
	err := t.queryRow(ctx, []any{&j.ID},
		`INSERT INTO jobs (kind, state, owner_id, actor_id, actor_role, request_id, reason, params, done, total,
			items_done, attempts, next_attempt_at, created_at, trashed_before)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		j.Kind, j.State, j.OwnerID, actor, string(j.ActorRole), j.RequestID, j.Reason, params, j.Done, j.Total,
		j.ItemsDone, j.Attempts, ts(j.NextAttemptAt), ts(j.CreatedAt), tsPtr(j.TrashedBefore))
	return j, err
}

// Job returns a job, or ENOTFOUND.
func (t *Tx) Job(ctx context.Context, id int64) (JobRow, error) {
	rows, err := t.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id)
	if err != nil {
		return JobRow{}, err
	}
	return one(rows, scanJob)
}

// LockJob returns a job and, on engines with row locks, holds its row until
// commit, so that two batches of one job never run at once.
func (t *Tx) LockJob(ctx context.Context, id int64) (JobRow, error) {
	rows, err := t.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`+t.d.forUpdate(), id)
	if err != nil {
		return JobRow{}, err
	}
	return one(rows, scanJob)
}

// UpdateJob writes a job's progress and outcome.
func (t *Tx) UpdateJob(ctx context.Context, j JobRow) error {
	var errText, result any
	if j.Error != nil {
		errText = *j.Error
	}
	if j.Result != nil {
		result = string(j.Result)
	}
	_, err := t.exec(ctx, `UPDATE jobs SET state = ?, reason = ?, params = ?, done = ?, total = ?, items_done = ?,
		attempts = ?, next_attempt_at = ?, error = ?, result = ?, finished_at = ? WHERE id = ?`,
		j.State, j.Reason, string(j.Params), j.Done, j.Total, j.ItemsDone, j.Attempts, ts(j.NextAttemptAt), errText,
		result, tsPtr(j.FinishedAt), j.ID)
	return err
}

// Jobs returns a page of jobs, newest first: those of one user (jobs about
// their things or asked for by them), or everyone's when user is nil.
func (t *Tx) Jobs(ctx context.Context, user *int64, after string, limit int) (shelf.JobPage, error) {
	limit = pageLimit(limit)
	var where []string
	var args []any
	if user != nil {
		where = append(where, "(owner_id = ? OR actor_id = ?)")
		args = append(args, *user, *user)
	}
	if after != "" {
		id, err := decodeIDCursor(after)
		if err != nil {
			return shelf.JobPage{}, err
		}
		where = append(where, "id < ?")
		args = append(args, id)
	}
	q := `SELECT ` + jobColumns + ` FROM jobs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := t.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return shelf.JobPage{}, err
	}
	js, err := all(rows, scanJob)
	if err != nil {
		return shelf.JobPage{}, err
	}
	page := shelf.JobPage{Jobs: make([]shelf.Job, 0, len(js))}
	for _, j := range js {
		page.Jobs = append(page.Jobs, j.Job)
	}
	if len(page.Jobs) > limit {
		page.Jobs = page.Jobs[:limit]
		page.Next = encodeIDCursor(page.Jobs[limit-1].ID)
	}
	return page, nil
}

// DueJobs returns the ids of up to limit unfinished jobs whose next attempt
// is due, oldest first.
func (t *Tx) DueJobs(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT id FROM jobs WHERE state IN ('queued', 'running') AND next_attempt_at <= ?
		ORDER BY id LIMIT ?`, ts(now), limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanID)
}

// emptying is the condition "an emptied Trash's job that is queued or
// running covers this trashed item (alias)", older than job olderThan when
// that is not 0. Such a job deletes what it covers and no hold keeps; only
// the job row says so (see the 00014 migration), so this is how every query
// of the Trash leaves those items out.
func emptying(alias string, olderThan int64) string {
	older := ""
	if olderThan > 0 {
		older = fmt.Sprintf(" AND ej.id < %d", olderThan)
	}
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM jobs ej WHERE ej.owner_id = %[1]s.owner_id AND ej.kind = 'empty_trash'
		AND ej.state IN ('queued', 'running') AND %[1]s.deleted_at < ej.trashed_before%[2]s)`, alias, older)
}

// inTrashView is the condition "this trashed item (alias) shows in the
// Trash": no job is deleting it (a held one shows, whatever the job).
func inTrashView(alias string) string {
	return fmt.Sprintf(`%[1]s.job_id IS NULL AND NOT (%[2]s AND %[3]s)`, alias, emptying(alias, 0), notHeld(alias))
}

// HiddenByJob reports whether a job is deleting this trashed item, which
// then acts as gone for everyone else.
func (t *Tx) HiddenByJob(ctx context.Context, id int64) (bool, error) {
	var n int
	err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM items i WHERE i.id = ? AND NOT (`+inTrashView("i")+`)`, id)
	return n > 0, err
}

// JobTrash returns up to limit ids of what an emptied Trash's job still
// has to delete, oldest first: its owner's items trashed before its cutoff,
// that no hold keeps and no older job is deleting.
func (t *Tx) JobTrash(ctx context.Context, j JobRow, limit int) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT id FROM items WHERE owner_id = ? AND deleted_at IS NOT NULL AND deleted_at < ?
		AND job_id IS NULL AND `+notHeld("items")+` AND NOT `+emptying("items", j.ID)+`
		ORDER BY deleted_at, id LIMIT ?`, j.OwnerID, tsPtr(j.TrashedBefore), limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanID)
}

// TrashRowsExceed reports whether owner's Trash holds more than limit rows
// (items, notes and loans) that emptying it would delete. The items come
// first: a Trash of more items than limit is answered without counting a
// note. Each count is capped (see trashRows), so the answer for 100,000
// items costs what it costs for limit.
func (t *Tx) TrashRowsExceed(ctx context.Context, owner int64, limit int) (bool, error) {
	n, err := t.trashRows(ctx, owner, 0, nil, limit+1)
	return n > int64(limit), err
}

// JobTrashRows counts, exactly, the rows (items, notes and loans) that an
// emptied Trash's job still has to delete.
func (t *Tx) JobTrashRows(ctx context.Context, j JobRow) (int64, error) {
	return t.trashRows(ctx, j.OwnerID, j.ID, j.TrashedBefore, 0)
}

// rowsOf are the joins that reach, from the items i, the rows deleting them
// deletes: the items themselves, their notes, their loans.
var rowsOf = []string{"", "JOIN notes n ON n.item_id = i.id", "JOIN loans l ON l.item_id = i.id"}

// trashRows counts the rows (items, notes and loans) in owner's Trash that
// an emptying would delete: trashed before before (when not nil), not
// covered by an emptying job older than job job (any job when 0), not held,
// not marked by a job. With limit > 0 it stops at limit. Each count is a
// plain range of the owner's Trash index: a hold on the owner answers 0 at
// once, the jobs' newest cutoff is where the range begins, and the few
// items a hold keeps or a job has marked are counted apart (from the holds
// and the marks) and taken off, so no row is tested against a hold or a job
// one by one (which cost a 100,000-item Trash a third of a second).
func (t *Tx) trashRows(ctx context.Context, owner, job int64, before *time.Time, limit int) (int64, error) {
	var userHeld int
	if err := t.queryRow(ctx, []any{&userHeld}, `SELECT count(*) FROM holds WHERE user_id = ?`, owner); err != nil || userHeld > 0 {
		return 0, err
	}
	older, olderArgs := "", []any{owner}
	if job > 0 {
		older, olderArgs = " AND id < ?", append(olderArgs, job)
	}
	// note: an emptying job covers what was trashed before its cutoff, so
	// the newest cutoff is where what no job covers begins.
	var from string
	if err := t.queryRow(ctx, []any{nullString{&from}}, `SELECT max(trashed_before) FROM jobs
		WHERE owner_id = ? AND kind = 'empty_trash' AND state IN ('queued', 'running')`+older, olderArgs...); err != nil {
		return 0, err
	}
	trash, args := `i.owner_id = ? AND i.deleted_at IS NOT NULL`, []any{owner}
	if from != "" {
		trash, args = trash+` AND i.deleted_at >= ?`, append(args, from)
	}
	if before != nil {
		trash, args = trash+` AND i.deleted_at < ?`, append(args, tsPtr(before))
	}
	// note: the kept items are reached from the holds and the running
	// jobs' marks (a failed job hands its marks back, a finished one has
	// none), never from the Trash: CROSS JOIN keeps SQLite's planner to
	// that order, or it tests each of 100,000 trashed items against them.
	kept := `(SELECT h.item_id AS id FROM holds h WHERE h.item_id IS NOT NULL
		UNION SELECT m.id FROM jobs jj CROSS JOIN items m WHERE m.job_id = jj.id AND jj.state IN ('queued', 'running')) k
		CROSS JOIN items i `
	var total int64
	for _, join := range rowsOf {
		var off, n int64
		if err := t.queryRow(ctx, []any{&off}, `SELECT count(*) FROM `+kept+join+` WHERE i.id = k.id AND `+trash, args...); err != nil {
			return 0, err
		}
		if limit > 0 {
			c, err := t.count(ctx, limit-int(total)+int(off), `items i `+join+` WHERE `+trash, args...)
			if err != nil {
				return 0, err
			}
			n = int64(c)
		} else if err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM items i `+join+` WHERE `+trash, args...); err != nil {
			return 0, err
		}
		if total += n - off; limit > 0 && total >= int64(limit) {
			return total, nil
		}
	}
	return total, nil
}

// ClaimItems gives a job those of ids that are in the Trash (trashed) or
// live (!trashed) and that no other job has, and returns how many it took.
func (t *Tx) ClaimItems(ctx context.Context, jobID int64, ids []int64, trashed bool) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	state := "deleted_at IS NULL"
	if trashed {
		state = "deleted_at IS NOT NULL"
	}
	in, args := inList(ids)
	res, err := t.exec(ctx, `UPDATE items SET job_id = ? WHERE id IN (`+in+`) AND job_id IS NULL AND `+state,
		append([]any{jobID}, args...)...)
	if err != nil {
		return 0, err
	}
	return affected(res)
}

// ReleaseItems hands a job's items back (they show again where they were)
// and returns how many there were; itemID, when not 0, releases that one
// item only.
func (t *Tx) ReleaseItems(ctx context.Context, jobID, itemID int64) (int64, error) {
	q, args := `UPDATE items SET job_id = NULL WHERE job_id = ?`, []any{jobID}
	if itemID != 0 {
		q += ` AND id = ?`
		args = append(args, itemID)
	}
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return affected(res)
}

// JobItemIDs returns up to limit ids of the items a job still has, in id
// order.
func (t *Tx) JobItemIDs(ctx context.Context, jobID int64, limit int) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT id FROM items WHERE job_id = ? ORDER BY id LIMIT ?`, jobID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanID)
}

// JobRows counts, exactly, the rows a job's items hold: the items, and
// their notes and loans.
func (t *Tx) JobRows(ctx context.Context, jobID int64) (int64, error) {
	var n int64
	err := t.queryRow(ctx, []any{&n}, `SELECT
		(SELECT count(*) FROM items WHERE job_id = ?) +
		(SELECT count(*) FROM items i JOIN notes n ON n.item_id = i.id WHERE i.job_id = ?) +
		(SELECT count(*) FROM items i JOIN loans l ON l.item_id = i.id WHERE i.job_id = ?)`, jobID, jobID, jobID)
	return n, err
}

// ChildRows counts, exactly, the notes and loans of each of ids; an item
// with neither is left out.
func (t *Tx) ChildRows(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	rows, err := t.query(ctx, `SELECT item_id, count(*) FROM notes WHERE item_id IN (`+in+`) GROUP BY item_id
		UNION ALL SELECT item_id, count(*) FROM loans WHERE item_id IN (`+in+`) GROUP BY item_id`, append(args, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] += n
	}
	return out, t.d.mapErr(rows.Err())
}

// inList returns "?, ?, …" for ids and the ids as arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// jobLockKey names the advisory lock that keeps one job to one instance.
func jobLockKey(id int64) int64 { return 0x5e1f_0100<<32 | id }

// ExclusiveJob runs fn only if no other process is running job id (see
// Exclusive), and reports whether fn ran.
func (db *DB) ExclusiveJob(ctx context.Context, id int64, fn func() error) (bool, error) {
	if id <= 0 || id >= 1<<32 {
		return false, fmt.Errorf("job id %d out of the lock's range", id)
	}
	return db.Exclusive(ctx, jobLockKey(id), fn)
}
