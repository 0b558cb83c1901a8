package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"shelf"
)

// AuditBreak describes the first event where the chain does not hold.
type AuditBreak struct {
	ID     int64
	Reason string
}

// AuditAnchor names one event by id and hash. The lanes alone
// cannot show that its newest events were removed, or that an intruder
// rewrote a lane and recomputed every hash; an anchor kept outside the database
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

// AuditCheck is what a walk of the lanes found.
type AuditCheck struct {
	Events int
	Break  *AuditBreak // the first break, nil when every lane holds
	// Head is the newest audit.anchor event, which binds every lane's head;
	// zero when there is none.
	Head AuditAnchor
}

// VerifyAudit walks every lane and returns how many events it checked and
// the first break, if any.
func (t *Tx) VerifyAudit(ctx context.Context) (int, *AuditBreak, error) {
	c, err := t.CheckAudit(ctx, nil)
	return c.Events, c.Break, err
}

// laneState is where the walk of one lane stands.
type laneState struct {
	seq  int64
	hash string
	id   int64
}

// laneSeq names one event by its place in its lane.
type laneSeq struct {
	lane int
	seq  int64
}

// claim is a lane head that an anchor event recorded.
type claim struct {
	hash   string
	anchor int64
}

// CheckAudit walks every event once, oldest first (by id, which within a
// lane follows seq), checks each lane's chain, and stops at the first
// break: so the event it names is the first altered one. It also holds the
// lanes to the heads that the newest anchor event recorded (a lane cut
// short below them breaks), and, given an anchor kept outside the
// database, requires that event to be there with that hash and, when it is
// an anchor event, the lanes to reach the heads it recorded.
func (t *Tx) CheckAudit(ctx context.Context, anchor *AuditAnchor) (AuditCheck, error) {
	var c AuditCheck
	claims := map[laneSeq]claim{}
	addClaims := func(e shelf.AuditEvent) error {
		// note: only an anchor event that is itself intact is believed; an
		// altered one is named by the walk when it gets there.
		if e.Action != shelf.ActionAuditAnchor || ChainHash(e) != e.Hash {
			return nil
		}
		snap, err := anchorSnapshot(e)
		if err != nil {
			return nil
		}
		for _, h := range snap.Lanes {
			claims[laneSeq{h.Lane, h.Seq}] = claim{h.Hash, e.ID}
		}
		return nil
	}
	latest, _, err := t.LatestAnchor(ctx)
	if err != nil && shelf.ErrorCode(err) != shelf.ENOTFOUND {
		return c, err
	}
	if err == nil {
		_ = addClaims(latest)
	}
	if anchor != nil {
		rows, err := t.query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id = ?`, anchor.ID)
		if err != nil {
			return c, err
		}
		events, err := all(rows, scanAudit)
		if err != nil {
			return c, err
		}
		if len(events) == 1 && events[0].Hash == anchor.Hash {
			_ = addClaims(events[0])
		}
	}

	lanes := map[int]laneState{}
	var lastID int64
	seenAnchor := false
	err = t.EachAudit(ctx, time.Time{}, func(e shelf.AuditEvent) error {
		c.Events++
		c.Break = checkEvent(e, lanes[e.Lane], claims[laneSeq{e.Lane, e.Seq}])
		if c.Break == nil && anchor != nil && e.ID == anchor.ID {
			seenAnchor = true
			if e.Hash != anchor.Hash {
				c.Break = &AuditBreak{ID: e.ID, Reason: "its hash is not the anchor's: the log was rewritten up to here, or cut short and written again"}
			}
		}
		if c.Break != nil {
			return errStop
		}
		lanes[e.Lane] = laneState{seq: e.Seq, hash: e.Hash, id: e.ID}
		lastID = e.ID
		if e.Action == shelf.ActionAuditAnchor {
			c.Head = AuditAnchor{ID: e.ID, Hash: e.Hash}
		}
		return nil
	})
	if err == errStop {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if anchor != nil && !seenAnchor {
		end := "the log is empty"
		if lastID > 0 {
			end = fmt.Sprintf("the log ends at event %d", lastID)
		}
		why := "the newest events were removed"
		if anchor.ID < lastID {
			why = "it was removed"
		}
		c.Break = &AuditBreak{ID: anchor.ID, Reason: "the anchor's event is missing (" + end + "): " + why}
		return c, nil
	}
	c.Break = unmetClaim(claims, lanes)
	return c, nil
}

// checkEvent checks one event against the one before it in its lane and
// against what an anchor recorded for its place.
func checkEvent(e shelf.AuditEvent, prev laneState, cl claim) *AuditBreak {
	switch {
	case e.Seq != prev.seq+1 && prev.seq == 0:
		return &AuditBreak{ID: e.ID, Reason: fmt.Sprintf("it is number %d of lane %d, but the first one there: events are missing", e.Seq, e.Lane)}
	case e.Seq != prev.seq+1:
		return &AuditBreak{ID: e.ID, Reason: fmt.Sprintf("event %d follows event %d in lane %d, number %d after %d: events are missing", e.ID, prev.id, e.Lane, e.Seq, prev.seq)}
	case e.PrevHash != prev.hash:
		return &AuditBreak{ID: e.ID, Reason: fmt.Sprintf("its prev_hash does not match the hash of the event before it in lane %d", e.Lane)}
	case e.HashFormat == 1 && (e.Lane != 0 || e.Seq != e.ID),
		e.HashFormat != 1 && e.HashFormat != 2,
		ChainHash(e) != e.Hash:
		reason := "its contents do not match its hash: the row was altered"
		if !eventUTF8(e) {
			reason += " (it holds bytes that are not UTF-8)"
		}
		return &AuditBreak{ID: e.ID, Reason: reason}
	case cl.hash != "" && cl.hash != e.Hash:
		return &AuditBreak{ID: e.ID, Reason: fmt.Sprintf("its hash is not the one anchor event %d recorded for number %d of lane %d: the lane was rewritten", cl.anchor, e.Seq, e.Lane)}
	}
	return nil
}

// unmetClaim returns a break for the first anchored head (by anchor, lane)
// that a lane no longer reaches: its newest events were removed.
func unmetClaim(claims map[laneSeq]claim, lanes map[int]laneState) *AuditBreak {
	keys := make([]laneSeq, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b laneSeq) int {
		if a.lane != b.lane {
			return a.lane - b.lane
		}
		return int(a.seq - b.seq)
	})
	for _, k := range keys {
		if got := lanes[k.lane].seq; got < k.seq {
			return &AuditBreak{ID: claims[k].anchor, Reason: fmt.Sprintf(
				"it recorded lane %d up to number %d, but the lane ends at number %d: the lane's newest events were removed", k.lane, k.seq, got)}
		}
	}
	return nil
}

var errStop = fmt.Errorf("stop")
