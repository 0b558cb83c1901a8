package store

import (
	"context"
	"encoding/json"
	"slices"

	"shelf"
)

// AuditLanes is how many lanes the audit log has: the rows of audit_lanes,
// made by the migration that introduced lanes. An event's lane is its
// owner's id modulo AuditLanes (lane 0 for events with no owner), so one
// owner's events are in one lane, in the order they committed, and writers
// of owners in different lanes never wait for each other. Changing it takes
// a migration that adds rows; events keep the lane they were written in.
const AuditLanes = 64

// LaneOf is the lane of an event about something owner owns.
func LaneOf(owner *int64) int {
	if owner == nil || *owner <= 0 {
		return 0
	}
	return int(*owner % AuditLanes)
}

// LockAuditLanes takes the locks of the lanes of these owners, lowest lane
// first, so that transactions writing events to several lanes (a transfer,
// an admin's bulk delete, a purge batch) never wait for each other in a
// circle. A transaction of one lane needs no call: its first event takes the
// lock. Where there is one writer (SQLite) it does nothing.
func (t *Tx) LockAuditLanes(ctx context.Context, owners ...int64) error {
	q := t.d.lockAuditLane()
	if q == "" {
		return nil
	}
	var lanes []int
	for _, o := range owners {
		lanes = append(lanes, LaneOf(&o))
	}
	slices.Sort(lanes)
	lanes = slices.Compact(lanes)
	if len(lanes) < 2 {
		return nil
	}
	for _, l := range lanes {
		var got int
		if err := t.queryRow(ctx, []any{&got}, q, l); err != nil {
			return err
		}
	}
	return nil
}

// LaneHead is the newest event of one audit lane, as an anchor records it.
type LaneHead struct {
	Lane int    `json:"lane"`
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// AnchorSnapshot is the snapshot of an audit.anchor event: the head of
// every lane that had events when it was written.
type AnchorSnapshot struct {
	Lanes []LaneHead `json:"lanes"`
}

// AuditLaneHeads returns the head of every lane that has events, by lane.
// Each is a committed head; no lock is taken.
func (t *Tx) AuditLaneHeads(ctx context.Context) ([]LaneHead, error) {
	rows, err := t.query(ctx, `SELECT lane, seq, hash FROM audit_lanes WHERE seq > 0 ORDER BY lane`)
	if err != nil {
		return nil, err
	}
	return all(rows, func(s interface{ Scan(...any) error }) (LaneHead, error) {
		var h LaneHead
		err := s.Scan(&h.Lane, &h.Seq, &h.Hash)
		return h, err
	})
}

// LatestAnchor returns the newest audit.anchor event and the lane heads it
// records; ENOTFOUND when there is none.
func (t *Tx) LatestAnchor(ctx context.Context) (shelf.AuditEvent, AnchorSnapshot, error) {
	rows, err := t.query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE action = ? ORDER BY id DESC LIMIT 1`, shelf.ActionAuditAnchor)
	if err != nil {
		return shelf.AuditEvent{}, AnchorSnapshot{}, err
	}
	events, err := all(rows, scanAudit)
	if err != nil {
		return shelf.AuditEvent{}, AnchorSnapshot{}, err
	}
	if len(events) == 0 {
		return shelf.AuditEvent{}, AnchorSnapshot{}, &shelf.Error{Code: shelf.ENOTFOUND, Message: "No audit anchor yet."}
	}
	snap, err := anchorSnapshot(events[0])
	return events[0], snap, err
}

// anchorSnapshot reads the lane heads an anchor event records.
func anchorSnapshot(e shelf.AuditEvent) (AnchorSnapshot, error) {
	var snap AnchorSnapshot
	err := json.Unmarshal(e.Snapshot, &snap)
	return snap, err
}
