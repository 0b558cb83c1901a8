// Package service holds Shelf's use cases. Every rule of deletion and
// authorization is decided here, once, for both database engines: each use
// case runs in one store transaction, and a destructive one writes its audit
// event in that same transaction.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"shelf"
	"shelf/store"
)

// Service runs Shelf's use cases against one database.
type Service struct {
	db        *store.DB
	now       func() time.Time
	newCohort func() string
	count     counters
	master    []byte      // wraps the people's keys; nil without --key-file
	photos    *photoSetup // nil without a directory of files
	// webhookPrivate lets webhooks reach private addresses.
	webhookPrivate bool
	hashing        chan struct{} // one token per password hash running (see hashSlots)
	// jobThreshold is how many rows a deletion may remove before it runs
	// as a job; jobWake tells this process's runner of a new job, and jobs
	// keeps each job to one runner here.
	jobThreshold int
	jobWake      chan struct{}
	jobs         runningJobs
	// accountGrace is how long an account its owner deleted waits before
	// it is erased (see DeleteOwnAccount).
	accountGrace time.Duration
	// unsealed, for the benchmarks' baseline only, stores audit events'
	// personal data in plain text.
	unsealed bool
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the service read the time from now; tests use it to control
// retention.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns a service over db.
func New(db *store.DB, opts ...Option) *Service {
	s := &Service{db: db, now: time.Now, newCohort: randomID, count: newCounters(), hashing: make(chan struct{}, hashSlots),
		jobThreshold: shelf.DefaultJobThreshold, jobWake: make(chan struct{}, 1), accountGrace: DefaultAccountGrace}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping reports whether the database answers, for readiness checks.
func (s *Service) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Engine names the database engine the service runs on: "sqlite" or
// "postgres".
func (s *Service) Engine() string { return s.db.Engine() }

// Now returns the service's current time, in UTC to the microsecond (what the
// store keeps).
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// randomID returns 128 random bits in hex: cohort ids and request ids.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewRequestID returns a fresh id for a request or a command run.
func NewRequestID() string { return randomID() }

// notFound is the one answer for "missing" and "not yours", so that ids of
// other people's things leak nothing.
func notFound(what string) error { return shelf.Errorf(shelf.ENOTFOUND, "%s not found.", what) }

// canSee reports whether the actor may see and change something ownerID owns.
func canSee(a shelf.Actor, ownerID int64) bool { return a.IsAdmin() || a.UserID == ownerID }

// requireUser refuses an actor that is not a logged-in user or Shelf itself.
func requireUser(a shelf.Actor) error {
	if a.UserID == 0 && !a.IsAdmin() {
		return shelf.Errorf(shelf.EUNAUTHORIZED, "Please log in.")
	}
	return nil
}

// requireAdmin refuses members.
func requireAdmin(a shelf.Actor) error {
	if err := requireUser(a); err != nil {
		return err
	}
	if !a.IsAdmin() {
		return shelf.Errorf(shelf.EFORBIDDEN, "Only an administrator may do this.")
	}
	return nil
}

// AllOwners decides a list's "everyone's" switch (?all=1): only an admin
// sees everyone's things; a member who asks is refused (EFORBIDDEN) rather
// than silently shown their own.
func AllOwners(a shelf.Actor, all bool) error {
	if all && !a.IsAdmin() {
		return shelf.Errorf(shelf.EFORBIDDEN, "Only an administrator may list everyone's things.")
	}
	return nil
}

// ownerScope is the owner a listing is restricted to: the actor's own things,
// or everyone's when an admin asks for all.
func ownerScope(a shelf.Actor, allOwners bool) *int64 {
	if allOwners && a.IsAdmin() {
		return nil
	}
	id := a.UserID
	return &id
}

// audit appends one event in tx, recording who did what, from where, about
// whose thing: owner (0 for none) is who hears of it on the event stream and
// webhooks, and decides the event's audit lane.
func (s *Service) audit(ctx context.Context, tx *store.Tx, a shelf.Actor, owner int64, action, entityType string, entityID int64,
	cohort, summary string, snapshot any) error {
	_, err := s.appendAudit(ctx, tx, a, owner, action, entityType, entityID, cohort, summary, snapshot)
	return err
}

// appendAudit is audit that returns the event as written.
func (s *Service) appendAudit(ctx context.Context, tx *store.Tx, a shelf.Actor, owner int64, action, entityType string, entityID int64,
	cohort, summary string, snapshot any) (shelf.AuditEvent, error) {
	snap, err := json.Marshal(snapshot)
	if err != nil {
		return shelf.AuditEvent{}, err
	}
	var actorID *int64
	if a.UserID != 0 {
		id := a.UserID
		actorID = &id
	}
	var ownerID *int64
	if owner != 0 {
		ownerID = &owner
	}
	e := shelf.AuditEvent{
		At: s.Now(), ActorID: actorID, OwnerID: ownerID, Action: action, EntityType: entityType, EntityID: entityID,
		Cohort: cohort, Summary: summary, Snapshot: snap, RequestID: a.RequestID, RemoteAddr: a.RemoteAddr,
	}
	if err := s.sealEvent(ctx, tx, &e); err != nil {
		return shelf.AuditEvent{}, err
	}
	return tx.AppendAudit(ctx, e)
}

// itemSnapshot is the before-image of an item that audit events keep; it has
// the fields that the API hides (owner, cohort).
type itemSnapshot struct {
	ID          int64      `json:"id"`
	OwnerID     int64      `json:"owner_id"`
	CategoryID  *int64     `json:"category_id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Quantity    int64      `json:"quantity"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at"`
	DeletedBy   *int64     `json:"deleted_by"`
	Cohort      string     `json:"cohort,omitempty"`
	JobID       *int64     `json:"job_id,omitempty"` // the job that purges it, for one that does
}

func snapItem(it shelf.Item) itemSnapshot {
	return itemSnapshot{it.ID, it.OwnerID, it.CategoryID, it.Name, it.Description, it.Quantity, it.Version,
		it.CreatedAt, it.UpdatedAt, it.DeletedAt, it.DeletedBy, it.Cohort, it.JobID}
}
