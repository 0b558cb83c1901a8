package store

import (
	"context"
	"strings"
	"time"

	"shelf"
)

// SubjectKey returns the stored key of a person, or ENOTFOUND when they
// have none (none made yet, or destroyed by an erasure).
func (t *Tx) SubjectKey(ctx context.Context, userID int64) (string, error) {
	var k string
	err := t.queryRow(ctx, []any{&k}, `SELECT key FROM subject_keys WHERE user_id = ?`, userID)
	return k, err
}

// InsertSubjectKey stores a person's key unless they have one already (made
// by a concurrent transaction); the caller reads back the one that stands.
func (t *Tx) InsertSubjectKey(ctx context.Context, userID int64, key string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO subject_keys (user_id, key, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO NOTHING`, userID, key, ts(at))
	return err
}

// SubjectKeys returns the stored keys of these people; those without one
// are left out.
func (t *Tx) SubjectKeys(ctx context.Context, ids []int64) (map[int64]string, error) {
	keys := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return keys, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := t.query(ctx, `SELECT user_id, key FROM subject_keys WHERE user_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k string
		if err := rows.Scan(&id, &k); err != nil {
			return nil, err
		}
		keys[id] = k
	}
	return keys, rows.Err()
}

// DestroySubjectKey deletes a person's key: every value sealed with it can
// no longer be read.
func (t *Tx) DestroySubjectKey(ctx context.Context, userID int64) error {
	_, err := t.exec(ctx, `DELETE FROM subject_keys WHERE user_id = ?`, userID)
	return err
}

// KeyCheck returns the value sealed with the master key when the keys were
// first wrapped, or ENOTFOUND when they never were.
func (t *Tx) KeyCheck(ctx context.Context) (string, error) {
	var v string
	err := t.queryRow(ctx, []any{&v}, `SELECT value FROM key_check WHERE id = 1`)
	return v, err
}

// SetKeyCheck records the value sealed with the master key, once.
func (t *Tx) SetKeyCheck(ctx context.Context, v string) error {
	_, err := t.exec(ctx, `INSERT INTO key_check (id, value) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, v)
	return err
}

// CountUnwrappedKeys counts the stored keys that no master key wraps.
func (t *Tx) CountUnwrappedKeys(ctx context.Context) (int, error) {
	var n int
	err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM subject_keys WHERE key LIKE 'raw:%'`)
	return n, err
}

// Erasure is one person's erasure as recorded: ErasedAt is nil while it
// has begun and not finished.
type Erasure struct {
	UserID    int64
	StartedAt time.Time
	ErasedAt  *time.Time
}

// BeginErasure records that a person's erasure began; a second call for the
// same person leaves the first record.
func (t *Tx) BeginErasure(ctx context.Context, userID int64, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO erased_subjects (user_id, started_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING`,
		userID, ts(at))
	return err
}

// FinishErasure records that a person's erasure is done, and reports
// whether this transaction did (of two that finish the same erasure, one
// does).
func (t *Tx) FinishErasure(ctx context.Context, userID int64, at time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE erased_subjects SET erased_at = ? WHERE user_id = ? AND erased_at IS NULL`, ts(at), userID)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// Erasures lists the recorded erasures, oldest first: those not finished
// (unfinished) or all of them.
func (t *Tx) Erasures(ctx context.Context, unfinished bool) ([]Erasure, error) {
	q := `SELECT user_id, started_at, erased_at FROM erased_subjects`
	if unfinished {
		q += ` WHERE erased_at IS NULL`
	}
	rows, err := t.query(ctx, q+` ORDER BY user_id`)
	if err != nil {
		return nil, err
	}
	return all(rows, func(s interface{ Scan(...any) error }) (Erasure, error) {
		var e Erasure
		err := s.Scan(&e.UserID, timeCol{&e.StartedAt}, nullTimeCol{&e.ErasedAt})
		return e, err
	})
}

// ErasedAmong returns which of these people were erased (or are being).
func (t *Tx) ErasedAmong(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := t.query(ctx, `SELECT user_id FROM erased_subjects WHERE user_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	ids2, err := all(rows, scanID)
	for _, id := range ids2 {
		out[id] = true
	}
	return out, err
}

// auditColumnsOf is auditColumns qualified with a table alias.
func auditColumnsOf(alias string) string {
	cols := strings.Split(auditColumns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// EachAuditKeyed is EachAudit that also hands fn the stored keys of the
// event's owner and actor ("" when they have none) and whether its owner was
// erased: what a reader needs to open its sealed fields, read in the same
// statement, so an export of any size runs in constant memory.
func (t *Tx) EachAuditKeyed(ctx context.Context, since time.Time, fn func(e shelf.AuditEvent, ownerKey, actorKey string, erased bool) error) error {
	rows, err := t.query(ctx, `SELECT `+auditColumnsOf("a")+`, coalesce(ko.key, ''), coalesce(ka.key, ''),
		EXISTS (SELECT 1 FROM erased_subjects x WHERE x.user_id = a.owner_id)
		FROM audit_events a
		LEFT JOIN subject_keys ko ON ko.user_id = a.owner_id
		LEFT JOIN subject_keys ka ON ka.user_id = a.actor_id
		WHERE a.at >= ? ORDER BY a.id`, ts(since))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ownerKey, actorKey string
		var erased bool
		var e shelf.AuditEvent
		var snap string
		err := rows.Scan(&e.ID, timeCol{&e.At}, nullInt{&e.ActorID}, &e.Action, &e.EntityType, &e.EntityID,
			&e.Cohort, &e.Summary, &snap, &e.RequestID, &e.RemoteAddr, &e.PrevHash, &e.Hash,
			nullInt{&e.OwnerID}, &e.Lane, &e.Seq, &e.HashFormat, &ownerKey, &actorKey, &erased)
		if err != nil {
			return err
		}
		e.Snapshot = []byte(snap)
		if err := fn(e, ownerKey, actorKey, erased); err != nil {
			return err
		}
	}
	return rows.Err()
}
