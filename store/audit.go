package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shelf"
)

const auditColumns = "id, at, actor_id, action, entity_type, entity_id, cohort, summary, snapshot, request_id, remote_addr, prev_hash, hash, owner_id"

func scanAudit(s interface{ Scan(...any) error }) (shelf.AuditEvent, error) {
	var e shelf.AuditEvent
	var snap string
	err := s.Scan(&e.ID, timeCol{&e.At}, nullInt{&e.ActorID}, &e.Action, &e.EntityType, &e.EntityID,
		&e.Cohort, &e.Summary, &snap, &e.RequestID, &e.RemoteAddr, &e.PrevHash, &e.Hash, nullInt{&e.OwnerID})
	e.Snapshot = json.RawMessage(snap)
	return e, err
}

// ChainHash is the hash of an event: SHA-256 over the previous event's hash
// and every stored field, so that changing, inserting or removing any row
// (but the newest) breaks the chain.
func ChainHash(e shelf.AuditEvent) string {
	var actor any
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	fields := []any{e.PrevHash, e.ID, ts(e.At), actor, e.Action, e.EntityType, e.EntityID,
		e.Cohort, e.Summary, string(e.Snapshot), e.RequestID, e.RemoteAddr}
	// note: the owner joins the hash only when there is one, so events
	// written before owners were recorded keep the hash they were written
	// with, and setting or clearing an owner afterwards still breaks it.
	if e.OwnerID != nil {
		fields = append(fields, *e.OwnerID)
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AppendAudit adds an event to the end of the chain, in the caller's
// transaction, so the event commits or rolls back with the change it records.
func (t *Tx) AppendAudit(ctx context.Context, e shelf.AuditEvent) (shelf.AuditEvent, error) {
	if err := t.d.lockAuditChain(ctx, t); err != nil {
		return e, err
	}
	var lastID int64
	var prev string
	err := t.queryRow(ctx, []any{&lastID, &prev}, `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		err = nil
	}
	if err != nil {
		return e, err
	}
	if len(e.Snapshot) == 0 {
		e.Snapshot = json.RawMessage("{}")
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.PrevHash = prev
	// note: the id is chosen here, not by the sequence, because it is part of
	// the hash; the chain lock (or SQLite's single writer) keeps it unique.
	e.ID = lastID + 1
	e.Hash = ChainHash(e)
	_, err = t.exec(ctx, `INSERT INTO audit_events (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, ts(e.At), intPtr(e.ActorID), e.Action, e.EntityType, e.EntityID, e.Cohort, e.Summary,
		string(e.Snapshot), e.RequestID, e.RemoteAddr, e.PrevHash, e.Hash, intPtr(e.OwnerID))
	if err == nil {
		t.audited = true
	}
	return e, err
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

// AuditBreak describes the first event where the chain does not hold.
type AuditBreak struct {
	ID     int64
	Reason string
}

// AuditAnchor names one event of the chain by id and hash. The chain alone
// cannot show that its newest events were removed, or that an intruder
// rewrote it and recomputed every hash; an anchor kept outside the database
// (the head that "shelf audit verify" prints, written down elsewhere) can.
type AuditAnchor struct {
	ID   int64
	Hash string
}

// String is the anchor as "shelf audit verify" prints and reads it: ID:HASH.
func (a AuditAnchor) String() string { return fmt.Sprintf("%d:%s", a.ID, a.Hash) }

// ParseAuditAnchor reads an anchor written as ID:HASH (a positive id in
// decimal digits and the 64 hex digits of a SHA-256), with or without the
// "Head: " that verify prints before it.
func ParseAuditAnchor(s string) (AuditAnchor, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimPrefix(s, "Head:"))
	id, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || strings.Trim(id, "0123456789") != "" {
		return AuditAnchor{}, fmt.Errorf("%q is not ID:HASH with a positive event id", s)
	}
	if b, err := hex.DecodeString(hash); err != nil || len(b) != sha256.Size {
		return AuditAnchor{}, fmt.Errorf("%q is not ID:HASH with a SHA-256 hash in 64 hex digits", s)
	}
	return AuditAnchor{ID: n, Hash: strings.ToLower(hash)}, nil
}

// AuditCheck is what a walk of the chain found.
type AuditCheck struct {
	Events int
	Break  *AuditBreak // the first break, nil when the chain holds
	Head   AuditAnchor // the newest event walked; zero when the log is empty
}

// VerifyAudit walks the whole chain and returns how many events it checked
// and the first break, if any.
func (t *Tx) VerifyAudit(ctx context.Context) (int, *AuditBreak, error) {
	c, err := t.CheckAudit(ctx, nil)
	return c.Events, c.Break, err
}

// CheckAudit walks the whole chain, oldest first, and stops at the first
// break. With an anchor it also requires that event to be there with that
// hash: a log cut short before it, or rewritten up to it, breaks there.
func (t *Tx) CheckAudit(ctx context.Context, anchor *AuditAnchor) (AuditCheck, error) {
	var c AuditCheck
	prev := ""
	var prevID int64
	err := t.EachAudit(ctx, time.Time{}, func(e shelf.AuditEvent) error {
		c.Events++
		switch {
		case e.ID != prevID+1:
			c.Break = &AuditBreak{ID: e.ID, Reason: fmt.Sprintf("event %d follows event %d: events are missing", e.ID, prevID)}
		case e.PrevHash != prev:
			c.Break = &AuditBreak{ID: e.ID, Reason: "its prev_hash does not match the hash of the event before it"}
		case ChainHash(e) != e.Hash:
			c.Break = &AuditBreak{ID: e.ID, Reason: "its contents do not match its hash: the row was altered"}
		case anchor != nil && e.ID == anchor.ID && e.Hash != anchor.Hash:
			c.Break = &AuditBreak{ID: e.ID, Reason: "its hash is not the anchor's: the log was rewritten up to here, or cut short and written again"}
		}
		if c.Break != nil {
			return errStop
		}
		prev, prevID = e.Hash, e.ID
		c.Head = AuditAnchor{ID: e.ID, Hash: e.Hash}
		return nil
	})
	if err == errStop {
		return c, nil
	}
	if err == nil && anchor != nil && c.Head.ID < anchor.ID {
		end := "the log is empty"
		if c.Head.ID > 0 {
			end = fmt.Sprintf("the log ends at event %d", c.Head.ID)
		}
		c.Break = &AuditBreak{ID: anchor.ID, Reason: "the anchor's event is missing (" + end + "): the newest events were removed"}
	}
	return c, err
}

var errStop = fmt.Errorf("stop")
