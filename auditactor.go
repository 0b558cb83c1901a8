package shelf

import (
	"encoding/json"
	"strconv"
)

// AuditActor is a person an audit event names as its actor, as the log
// shows them: by name, or, once they are gone, by what is left of them.
type AuditActor struct {
	ID     int64
	Name   string
	Email  string
	Gone   bool // deleted: no name is known any more
	Erased bool // erased: their name is personal data that no longer exists
}

// Label is how pages name the actor: their display name, "[erased]" for an
// erased person (as every erased field reads), and "deleted user #12" for
// one deleted without erasure.
func (p AuditActor) Label() string {
	switch {
	case p.Erased:
		return ErasedText
	case p.Gone:
		return "deleted user #" + strconv.FormatInt(p.ID, 10)
	}
	return p.Name
}

// ErasedText is what a reader sees in place of personal data whose key an
// erasure destroyed.
const ErasedText = "[erased]"

// Reason is the reason the person gave for the action, kept in the event's
// snapshot (a bulk delete, a delete forever, a legal hold), or "" when none
// was given or the snapshot is erased.
func (e AuditEvent) Reason() string {
	var v struct {
		Reason string `json:"reason"`
	}
	if len(e.Snapshot) == 0 || e.Snapshot[0] != '{' || json.Unmarshal(e.Snapshot, &v) != nil {
		return ""
	}
	return v.Reason
}
