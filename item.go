package shelf

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on item fields.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 10000
	MaxQuantity       = 1_000_000_000
)

// Item is a thing someone keeps. A trashed item has DeletedAt set; it stays in
// the Trash, with its notes and loans, until it is restored or purged.
type Item struct {
	ID          int64      `json:"id"`
	OwnerID     int64      `json:"-"`
	CategoryID  *int64     `json:"category_id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Quantity    int64      `json:"quantity"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
	DeletedBy   *int64     `json:"deleted_by,omitempty"`
	Cohort      string     `json:"-"`
	// JobID names the job that is deleting the item, which has left its
	// owner's view meanwhile; nil for every other item.
	JobID *int64 `json:"-"`
}

// Trashed reports whether the item is in the Trash.
func (it Item) Trashed() bool { return it.DeletedAt != nil }

// ItemInput holds the fields a user sets when creating or editing an item.
type ItemInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	CategoryID  *int64 `json:"category_id"`
}

// Normalize trims the name and description.
func (in *ItemInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
}

// Validate reports every field that is not acceptable.
func (in ItemInput) Validate() error {
	f := map[string]string{}
	if msg := ValidateName(in.Name); msg != "" {
		f["name"] = msg
	}
	if !utf8.ValidString(in.Description) {
		f["description"] = "Description must be valid UTF-8 text."
	} else if utf8.RuneCountInString(in.Description) > MaxDescriptionLen {
		f["description"] = "Description is too long."
	}
	if in.Quantity < 0 {
		f["quantity"] = "Quantity cannot be negative."
	} else if in.Quantity > MaxQuantity {
		f["quantity"] = "Quantity is too large."
	}
	if in.CategoryID != nil && *in.CategoryID <= 0 {
		f["category_id"] = "Category does not exist."
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// ItemFilter selects a page of items (live or trashed).
type ItemFilter struct {
	Query      string // matches anywhere in the name, ignoring case as the engine's lower() does (A-Z only on SQLite)
	CategoryID *int64
	After      string // the cursor of the previous page
	Limit      int
	Cohort     string // the Trash only: the items of one delete request
}

// MaxSearchLen is the longest search text, in bytes.
const MaxSearchLen = 200

// Validate refuses a filter that no list answers: a search text longer than
// MaxSearchLen.
func (f ItemFilter) Validate() error {
	if len(f.Query) > MaxSearchLen {
		return Errorf(EMALFORMED, "The search text is too long.")
	}
	return nil
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// ItemPage is one page of items, newest first; Next is "" on the last page.
type ItemPage struct {
	Items []Item
	Next  string
	// AllOwners says the page holds everyone's items, not only the
	// actor's: an admin asked for all.
	AllOwners bool
}

// Impact says what deleting something would do, counted with capped queries;
// a count at the cap means "at least this many".
type Impact struct {
	Action      string    `json:"action"`
	Notes       int       `json:"notes"`
	Loans       int       `json:"loans"`
	ActiveLoans int       `json:"active_loans"`
	Blockers    []Blocker `json:"blockers"`
	// Refusal is the error a delete would answer now (an active loan's), nil
	// when it would go through.
	Refusal error `json:"-"`
}

// ImpactCap is where impact counts stop counting.
const ImpactCap = 10_000

// BulkTrashResult is the per-id outcome of a bulk delete. Cohort is empty
// (null in JSON) when nothing was trashed.
type BulkTrashResult struct {
	Cohort   string        `json:"cohort"`
	Trashed  []int64       `json:"trashed"`
	NotFound []int64       `json:"not_found"`
	Blocked  []BulkBlocker `json:"blocked"`
	// Job, when there were too many ids for one request, is the job that
	// moves them; the outcome is then in its result.
	Job *Job `json:"-"`
	// Kept are the items that Blocked kept, so a page can name them
	// without reading them again.
	Kept []Item `json:"-"`
}

// MarshalJSON writes an empty cohort as null: an absent value is never "".
func (r BulkTrashResult) MarshalJSON() ([]byte, error) {
	type plain BulkTrashResult
	return json.Marshal(struct {
		plain
		Cohort *string `json:"cohort"`
	}{plain(r), NullString(r.Cohort)})
}

// NullString returns nil for "" and a pointer to s otherwise, so that an
// absent text value is null in JSON.
func NullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// PurgeResult is the outcome of deleting one item forever: the item as it
// was, and, when it took too many rows with it for one request, the job that
// deletes it (nil otherwise).
type PurgeResult struct {
	Item Item
	Job  *Job
}

// MaxBulkIDs is the most ids one bulk delete takes.
const MaxBulkIDs = 1000

// RestoreResult is the outcome of undoing one delete request.
type RestoreResult struct {
	Restored  []Item        `json:"restored"`
	Photos    []Photo       `json:"photos"` // photos deleted on their own by that request
	Conflicts []BulkBlocker `json:"conflicts"`
}

// BulkRestoreResult is the outcome of restoring chosen items from the
// Trash: which came back, which stay because a live item has their name
// now, and which were not in the Trash (or not the actor's).
type BulkRestoreResult struct {
	Restored  []Item
	Conflicts []BulkBlocker
	NotFound  []int64
}

// BulkPurgeResult is the outcome of deleting chosen items of the Trash
// forever: which went, which legal holds kept, and which were not in the
// Trash (or not the actor's).
type BulkPurgeResult struct {
	Purged   []Item
	Held     []Item        // kept by legal holds
	Blocked  []BulkBlocker // the holds that keep them
	NotFound []int64
}
