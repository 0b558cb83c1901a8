package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"shelf"
)

const auditColumns = "id, at, actor_id, action, entity_type, entity_id, cohort, summary, snapshot, request_id, remote_addr, prev_hash, hash, owner_id, lane, seq, hash_format"

func scanAudit(s interface{ Scan(...any) error }) (shelf.AuditEvent, error) {
	var e shelf.AuditEvent
	var snap string
	err := s.Scan(&e.ID, timeCol{&e.At}, nullInt{&e.ActorID}, &e.Action, &e.EntityType, &e.EntityID,
		&e.Cohort, &e.Summary, &snap, &e.RequestID, &e.RemoteAddr, &e.PrevHash, &e.Hash,
		nullInt{&e.OwnerID}, &e.Lane, &e.Seq, &e.HashFormat)
	e.Snapshot = json.RawMessage(snap)
	return e, err
}

// ChainHash is the hash of an event: SHA-256 over the previous event's hash
// (in its lane) and every stored field, byte for byte, so that changing,
// inserting or removing any row (but a lane's newest) breaks the chain. Events written
// before lanes (HashFormat 1: lane 0, seq equal to the id) keep the hash
// they were written with, which covered neither lane nor seq, and the owner
// only when there was one (events older still have none).
func ChainHash(e shelf.AuditEvent) string {
	fields := []any{chainText(e.PrevHash), e.ID}
	fields = append(fields, chainBody(e)...)
	switch {
	case e.HashFormat != 1:
		fields = append(fields, intPtr(e.OwnerID), e.Lane, e.Seq)
	case e.OwnerID != nil:
		fields = append(fields, *e.OwnerID)
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// chainBody is the fields the hash covers after the id, in every format.
func chainBody(e shelf.AuditEvent) []any {
	return []any{ts(e.At), intPtr(e.ActorID), chainText(e.Action),
		chainText(e.EntityType), e.EntityID, chainText(e.Cohort), chainText(e.Summary), chainText(string(e.Snapshot)),
		chainText(e.RequestID), chainText(e.RemoteAddr)}
}

// chainMiddle is the JSON text that ChainHash hashes for a lane event
// (HashFormat 2) between the id and the seq, without the commas around
// it: what the engine needs to hash the event itself, once it holds the
// lane's head (see appendAuditOne). The previous hash is hex and the id
// and seq are integers, whose JSON is their plain text.
func chainMiddle(e shelf.AuditEvent) []byte {
	b, _ := json.Marshal(append(chainBody(e), intPtr(e.OwnerID), e.Lane))
	return b[1 : len(b)-1]
}

// chainText is a text field as the chain hashes it. json.Marshal would turn
// bytes that are not UTF-8 into U+FFFD, so that two different stored values
// hashed alike; such a field is hashed as an object holding its bytes in hex
// instead, which no string encodes to. UTF-8 text is hashed as it always
// was, so every chain written before still verifies.
func chainText(s string) any {
	if utf8.ValidString(s) {
		return s
	}
	return map[string]string{"bytes": hex.EncodeToString([]byte(s))}
}

// eventUTF8 reports whether every text field of e is UTF-8, which Shelf
// never writes otherwise.
func eventUTF8(e shelf.AuditEvent) bool {
	for _, s := range []string{e.PrevHash, e.Action, e.EntityType, e.Cohort, e.Summary, string(e.Snapshot), e.RequestID, e.RemoteAddr} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// AppendAudit adds an event to the end of its owner's lane, in the caller's
// transaction, so the event commits or rolls back with the change it
// records. On PostgreSQL it holds the lane's lock until commit; a
// transaction that writes to several lanes takes them first, in order, with
// LockAuditLanes.
func (t *Tx) AppendAudit(ctx context.Context, e shelf.AuditEvent) (shelf.AuditEvent, error) {
	e.Lane = LaneOf(e.OwnerID)
	if len(e.Snapshot) == 0 {
		e.Snapshot = json.RawMessage("{}")
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.HashFormat = 2
	if t.d.name() == "postgres" {
		return t.appendAuditOne(ctx, e)
	}
	var seq int64
	if err := t.queryRow(ctx, []any{&seq, &e.PrevHash, &e.ID}, t.d.auditHead(), e.Lane); err != nil {
		return e, err
	}
	// note: the id is chosen before the insert, not by it, because it is
	// part of the hash.
	e.Seq = seq + 1
	e.Hash = ChainHash(e)
	_, err := t.exec(ctx, `INSERT INTO audit_events (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, ts(e.At), intPtr(e.ActorID), e.Action, e.EntityType, e.EntityID, e.Cohort, e.Summary,
		string(e.Snapshot), e.RequestID, e.RemoteAddr, e.PrevHash, e.Hash,
		intPtr(e.OwnerID), e.Lane, e.Seq, e.HashFormat)
	if err == nil {
		t.audited = true
	}
	return e, err
}

// appendAuditOne is AppendAudit on PostgreSQL, in one statement where it was
// two round trips (the lane's head, then the insert): the statement locks
// the lane's row, takes the next id once it holds the lock (so a lane's ids
// grow in commit order), and hashes the event itself, as ChainHash does:
// the JSON text of the fields is built here, but for the previous hash, the
// id and the seq, which only the statement knows. (The locking subquery is
// never flattened, having FOR UPDATE, so nextval runs after the lock.) The hash it wrote is
// checked against ChainHash before the event is taken as written, so an
// engine that hashed differently fails the write rather than the chain.
func (t *Tx) appendAuditOne(ctx context.Context, e shelf.AuditEvent) (shelf.AuditEvent, error) {
	var hash string
	err := t.queryRow(ctx, []any{&e.ID, &e.Seq, &e.PrevHash, &hash}, `INSERT INTO audit_events (`+auditColumns+`)
		SELECT h.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, h.hash,
			encode(sha256(convert_to('["' || h.hash || '",' || h.id || ',', 'UTF8') || CAST(? AS bytea) ||
				convert_to(',' || (h.seq + 1) || ']', 'UTF8')), 'hex'),
			?, ?, h.seq + 1, ?
		FROM (SELECT l.seq, l.hash, nextval('audit_events_id_seq') AS id
			FROM (SELECT seq, hash FROM audit_lanes WHERE lane = ? FOR UPDATE) AS l) AS h
		RETURNING id, seq, prev_hash, hash`,
		ts(e.At), intPtr(e.ActorID), e.Action, e.EntityType, e.EntityID, e.Cohort, e.Summary,
		string(e.Snapshot), e.RequestID, e.RemoteAddr, chainMiddle(e),
		intPtr(e.OwnerID), e.Lane, e.HashFormat, e.Lane)
	if err != nil {
		return e, err
	}
	e.Hash = ChainHash(e)
	if hash != e.Hash {
		return e, fmt.Errorf("audit event %d: the database hashed it as %s, Shelf as %s", e.ID, hash, e.Hash)
	}
	t.audited = true
	return e, nil
}

// AuditEvents returns a page of events, newest first.
func (t *Tx) AuditEvents(ctx context.Context, f shelf.AuditFilter) (shelf.AuditPage, error) {
	limit := pageLimit(f.Limit)
	var where []string
	var args []any
	if f.ActorID != nil {
		where = append(where, "actor_id = ?")
		args = append(args, *f.ActorID)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	if f.EntityType != "" {
		where = append(where, "entity_type = ?")
		args = append(args, f.EntityType)
	}
	if f.EntityID != nil {
		where = append(where, "entity_id = ?")
		args = append(args, *f.EntityID)
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, ts(f.Since))
	}
	if f.After != "" {
		after, err := decodeIDCursor(f.After)
		if err != nil {
			return shelf.AuditPage{}, err
		}
		where = append(where, "id < ?")
		args = append(args, after)
	}
	q := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit+1)
	rows, err := t.query(ctx, q+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return shelf.AuditPage{}, err
	}
	events, err := all(rows, scanAudit)
	if err != nil {
		return shelf.AuditPage{}, err
	}
	page := shelf.AuditPage{Events: events}
	if len(events) > limit {
		page.Events = events[:limit]
		page.Next = encodeIDCursor(page.Events[limit-1].ID)
	}
	return page, nil
}

// EachAudit calls fn for every event at or after since, oldest first, one row
// at a time, so an export of any size runs in constant memory.
func (t *Tx) EachAudit(ctx context.Context, since time.Time, fn func(shelf.AuditEvent) error) error {
	rows, err := t.query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE at >= ? ORDER BY id`, ts(since))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditEvent returns one event by id, or ENOTFOUND.
func (t *Tx) AuditEvent(ctx context.Context, id int64) (shelf.AuditEvent, error) {
	rows, err := t.query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id = ?`, id)
	if err != nil {
		return shelf.AuditEvent{}, err
	}
	return one(rows, scanAudit)
}
