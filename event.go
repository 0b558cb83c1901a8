package shelf

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Event is a change the world may hear about: every audit event is one, read
// back from the audit log after its transaction committed. It is what the
// event stream and webhooks send as their data (never the snapshot).
type Event struct {
	// Cursor is the event's position, opaque to clients: the stream's id,
	// from which a reader resumes.
	Cursor     string    `json:"-"`
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	EntityType string    `json:"entity_type"`
	EntityID   int64     `json:"entity_id"`
	OwnerID    *int64    `json:"owner_id"`
	Cohort     *string   `json:"cohort"`
	Summary    string    `json:"summary"`
}

// EventFilter selects events; zero fields match everything.
type EventFilter struct {
	After   string   // a cursor: only events after it ("" is the beginning)
	Until   string   // a cursor: only events at or before it ("" is no bound)
	OwnerID *int64   // only events about this owner's things
	Actions []string // only these actions
	Limit   int      // at most this many (the store caps it)
	// Committed asks for every committed event after After, also those
	// that cannot be placed in the order yet (on PostgreSQL, written by a
	// transaction newer than one still running): what happened before now,
	// for a reader that starts from now.
	Committed bool
}

// EventTypes are the event types a subscriber can ask for: every audited
// action, since every audit event is also a change event.
var EventTypes = AuditActions

// IsEventType reports whether t names an event type.
func IsEventType(t string) bool { return slices.Contains(EventTypes, t) }

// EventCursor is a position in the order of events: the database
// transaction that wrote the event (on PostgreSQL; 0 on SQLite) and the
// event's id. The store explains why events are read in this order.
type EventCursor struct {
	XID uint64
	ID  int64
}

// String encodes the cursor opaquely for clients (the stream's ids).
func (c EventCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(c.XID, 10) + "." + strconv.FormatInt(c.ID, 10)))
}

// After reports whether c comes after d.
func (c EventCursor) After(d EventCursor) bool {
	return c.XID > d.XID || c.XID == d.XID && c.ID > d.ID
}

// ParseEventCursor reads a cursor that String wrote; "" is the beginning. A
// cursor that does not decode is EMALFORMED.
func ParseEventCursor(s string) (EventCursor, error) {
	if s == "" {
		return EventCursor{}, nil
	}
	bad := Errorf(EMALFORMED, "The event id is not one that Shelf sent.")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return EventCursor{}, bad
	}
	x, i, ok := strings.Cut(string(b), ".")
	if !ok {
		return EventCursor{}, bad
	}
	xid, err1 := strconv.ParseUint(x, 10, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if err1 != nil || err2 != nil || id < 0 || strconv.FormatUint(xid, 10) != x || strconv.FormatInt(id, 10) != i {
		return EventCursor{}, bad
	}
	return EventCursor{XID: xid, ID: id}, nil
}

// Webhook is a subscription of an outside system to events, delivered as
// signed POSTs. The secret is shown once, when the webhook is created.
type Webhook struct {
	ID          int64     `json:"id"`
	OwnerID     int64     `json:"-"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Description string    `json:"description"`
	All         bool      `json:"all"`
	Secret      string    `json:"secret,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// DisabledAt is set when the receiver answered 410 Gone.
	DisabledAt *time.Time `json:"disabled_at"`
	// Cursor is where the webhook stands in the event log; Attempt counts
	// the failed tries of the next event, due again at NextAttemptAt.
	Cursor        string     `json:"-"`
	Attempt       int        `json:"-"`
	NextAttemptAt *time.Time `json:"-"`
}

// WebhookDelivery is one attempt to deliver an event to a webhook.
type WebhookDelivery struct {
	ID            int64      `json:"-"`
	WebhookID     int64      `json:"webhook_id"`
	EventID       int64      `json:"event_id"`
	Attempt       int        `json:"attempt"`
	Status        *int       `json:"status"`
	Error         *string    `json:"error"`
	At            time.Time  `json:"at"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
}

// WebhookBackoff is how long a failed delivery waits before each retry;
// after the last, the event is given up on and the webhook moves on.
var WebhookBackoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute,
	10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

// WebhookTimeout is how long a receiver has to answer one delivery.
const WebhookTimeout = 10 * time.Second
