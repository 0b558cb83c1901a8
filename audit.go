package shelf

import (
	"encoding/json"
	"time"
)

// Audit actions.
const (
	ActionItemTrash      = "item.trash"
	ActionItemRestore    = "item.restore"
	ActionItemPurge      = "item.purge"
	ActionNoteDelete     = "note.delete"
	ActionCategoryDelete = "category.delete"
	ActionUserDelete     = "user.delete"
	ActionItemsTransfer  = "items.transfer"
	ActionTokenDelete    = "token.delete"
	ActionHoldPlace      = "hold.place"
	ActionHoldRelease    = "hold.release"
	ActionUserErase      = "user.erase"
	// ActionAccountDelete records that a person deleted their own account
	// (erased when its grace period ends), ActionAccountRestore that an
	// admin gave it back before then.
	ActionAccountDelete  = "account.delete"
	ActionAccountRestore = "account.restore"
	// ActionUserCreate records that an admin added a user from the web,
	// ActionUserPasswordReset that an admin set a user's password (the
	// event never holds the password or its hash).
	ActionUserCreate        = "user.create"
	ActionUserPasswordReset = "user.password_reset"
	// ActionAuditAnchor binds the heads of every audit lane (see AuditEvent),
	// so that a lane cut short is detected.
	ActionAuditAnchor = "audit.anchor"
)

// AuditEvent records one destructive action, restore or purge. Events are
// append-only and kept in lanes: an event's lane follows from its owner (the
// owner of the thing it is about), Seq numbers a lane's events from 1 in the
// order they committed, and each event carries the hash of the one before it
// in its lane, so a changed or removed row breaks the lane's chain. Ids are
// unique across lanes and grow with Seq within one lane.
type AuditEvent struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id"`
	Action     string    `json:"action"`
	EntityType string    `json:"entity_type"`
	EntityID   int64     `json:"entity_id"`
	// OwnerID is the owner of the thing the event is about: who hears of it
	// on the event stream and through webhooks. Null in events written
	// before Shelf recorded it.
	OwnerID    *int64          `json:"owner_id"`
	Cohort     string          `json:"cohort"`
	Summary    string          `json:"summary"`
	Snapshot   json.RawMessage `json:"snapshot"`
	RequestID  string          `json:"request_id"`
	RemoteAddr string          `json:"remote_addr"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
	// Lane is the audit lane (the owner's id modulo the number of lanes; 0
	// without an owner), and Seq the event's number in it, from 1.
	Lane int   `json:"lane"`
	Seq  int64 `json:"seq"`
	// HashFormat says which fields Hash covers: 1 for events written before
	// lanes (not lane or seq, and the owner only when set), 2 since.
	HashFormat int `json:"hash_format"`
}

// MarshalJSON writes the text fields an event may lack (cohort, request id,
// remote address) as null rather than "".
func (e AuditEvent) MarshalJSON() ([]byte, error) {
	type plain AuditEvent
	return json.Marshal(struct {
		plain
		Cohort     *string `json:"cohort"`
		RequestID  *string `json:"request_id"`
		RemoteAddr *string `json:"remote_addr"`
	}{plain(e), NullString(e.Cohort), NullString(e.RequestID), NullString(e.RemoteAddr)})
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	ActorID    *int64
	Action     string
	EntityType string
	EntityID   *int64
	Since      time.Time
	After      string
	Limit      int
}

// AuditPage is one page of events, newest first.
type AuditPage struct {
	Events []AuditEvent
	Next   string
}

// Audit actions of photos.
const (
	ActionPhotoTrash   = "photo.trash"
	ActionPhotoRestore = "photo.restore"
	ActionPhotoPurge   = "photo.purge"
)

// AuditActions are every action the audit log records: what its filters
// offer, what the event stream and webhooks send (EventTypes), and what the
// OpenAPI document lists (a test holds it to this list).
var AuditActions = []string{
	ActionItemTrash, ActionItemRestore, ActionItemPurge, ActionNoteDelete, ActionCategoryDelete,
	ActionUserDelete, ActionItemsTransfer, ActionTokenDelete,
	ActionPhotoTrash, ActionPhotoRestore, ActionPhotoPurge,
	ActionHoldPlace, ActionHoldRelease, ActionUserErase, ActionAccountDelete, ActionAccountRestore,
	ActionUserCreate, ActionUserPasswordReset, ActionAuditAnchor,
}
