package shelf

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Every layer speaks these; only the web layer turns them into
// HTTP statuses, problem types and pages, in one table. A code is the stable,
// snake_case name of one kind of problem: clients switch on it, so a code is
// never renamed once released, and a new kind of problem gets a new code.
const (
	EINVALID      = "invalid_fields"   // fields fail validation (422)
	EMALFORMED    = "malformed"        // input cannot be parsed at all (400)
	ENOTFOUND     = "not_found"        // missing, or not the actor's (404)
	ECONFLICT     = "conflict"         // a unique value is taken, not yet named more precisely (409)
	ENAMETAKEN    = "name_taken"       // a live item or a category already has the name (409)
	EEMAILTAKEN   = "email_taken"      // another user has the email (409)
	ELOANRETURNED = "loan_returned"    // the loan was already returned (409)
	ERESTRICTED   = "restricted"       // something blocks the change, not yet named more precisely (409)
	EONLOAN       = "on_loan"          // an active loan keeps the item out of the Trash (409)
	EOWNSITEMS    = "owns_items"       // the user still owns items (409)
	EOWNACCOUNT   = "own_account"      // an admin cannot delete their own account (409)
	EHELD         = "held"             // a legal hold keeps the data (409)
	ELASTADMIN    = "last_admin"       // the last admin cannot delete their own account (409)
	EPRECONDITION = "version_mismatch" // the version the caller saw is stale (412)
	EUNAUTHORIZED = "unauthorized"     // not logged in (401)
	EFORBIDDEN    = "forbidden"        // logged in but not allowed (403)
	ENEEDSESSION  = "session_required" // only a logged-in session may do this, not an API token (403)
	ECROSSORIGIN  = "cross_origin"     // a browser sent a cross-origin state-changing request (403)
	ECSRF         = "csrf_failed"      // the CSRF token is missing or stale (403)
	EMETHOD       = "method_not_allowed"
	ETOOLARGE     = "body_too_large"         // the body is over the limit (413)
	EMEDIATYPE    = "unsupported_media_type" // the body is not in the format the route reads (415)
	EKEYREUSED    = "idempotency_key_reused" // an Idempotency-Key came back with another body (422)
	EKEYINFLIGHT  = "idempotency_key_in_use" // the first request with the key is still running (409)
	ERATELIMIT    = "rate_limited"           // too many requests (429)
	EUNAVAILABLE  = "unavailable"            // the database cannot be reached (503)
	EPHOTOSIZE    = "photo_too_large"        // a photo is over 10 MiB or 40 megapixels (413)
	ENOTIMAGE     = "not_an_image"           // an upload is not a JPEG, PNG or WebP image (415)
	EPHOTOLIMIT   = "too_many_photos"        // the item has as many photos as it may (409)
	ESTORAGEFULL  = "storage_full"           // no room left to store a file (507)
	EINTERNAL     = "internal"               // a bug or an unexpected failure (500)
)

// Blocker types: what kind of thing a Blocker's ID names.
const (
	BlockItem     = "item"
	BlockLoan     = "loan"
	BlockCategory = "category"
	BlockUser     = "user"
	BlockHold     = "hold"
	BlockJob      = "job"
)

// MaxBlockerLabel is the longest a blocker's label gets, in characters.
const MaxBlockerLabel = 80

// Blocker names one thing that stands in the way of a change, such as an
// active loan that keeps an item out of the Trash: its type (Block*), the id
// of that thing itself, and its short name (an item's or category's name, a
// loan's borrower, a user's name, a hold's reason), never a sentence.
type Blocker struct {
	Type  string `json:"type"`
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// BulkBlocker is a Blocker in the result of a bulk change: what kept one of
// its items from the change (an active loan, or the live item that holds
// the name), and ItemID, the item it kept.
type BulkBlocker struct {
	Blocker
	ItemID int64 `json:"item_id"`
}

// NewBlocker returns a Blocker whose label is cut to MaxBlockerLabel
// characters.
func NewBlocker(typ string, id int64, label string) Blocker {
	if r := []rune(label); len(r) > MaxBlockerLabel {
		label = string(r[:MaxBlockerLabel-1]) + "…"
	}
	return Blocker{Type: typ, ID: id, Label: label}
}

// Error is Shelf's error: a code for machines, a message safe to show a user,
// and optionally the fields that failed and the things that block.
type Error struct {
	Code     string
	Message  string
	Fields   map[string]string
	Blockers []Blocker
	// RetryAfter says, for ERATELIMIT and EUNAVAILABLE, how long to wait
	// before trying again (0 when the rule has no figure).
	RetryAfter time.Duration
	Err        error // the cause, for logs only; never shown to a user
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a message for users.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming each field that failed.
func Invalid(fields map[string]string) *Error {
	return &Error{Code: EINVALID, Message: "Some fields are not valid.", Fields: fields}
}

// Restricted returns an error with a 409 code (EONLOAN, EOWNSITEMS, …) that
// lists what blocks the change.
func Restricted(code, msg string, blockers []Blocker) *Error {
	return &Error{Code: code, Message: msg, Blockers: blockers}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrorMessage returns the user-safe message of err; an error without a code
// gets a generic message, since its text may hold SQL or internals.
func ErrorMessage(err error) string {
	if e := AsError(err); e != nil {
		return e.Message
	}
	return "Something went wrong on our side."
}
