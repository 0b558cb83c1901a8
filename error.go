package shelf

import (
	"errors"
	"fmt"
)

// Error codes. Every layer speaks these; only the web layer turns them into
// HTTP statuses, in one table.
const (
	EINVALID      = "invalid"      // fields fail validation (422)
	EMALFORMED    = "malformed"    // input cannot be parsed at all (400)
	ENOTFOUND     = "not_found"    // missing, or not the actor's (404)
	ECONFLICT     = "conflict"     // a unique name is taken (409)
	ERESTRICTED   = "restricted"   // something blocks the change (409)
	EPRECONDITION = "precondition" // the version the caller saw is stale (412)
	EUNAUTHORIZED = "unauthorized" // not logged in (401)
	EFORBIDDEN    = "forbidden"    // logged in but not allowed (403)
	ERATELIMIT    = "rate_limited" // too many requests (429)
	EUNAVAILABLE  = "unavailable"  // the database cannot be reached (503)
	EINTERNAL     = "internal"     // a bug or an unexpected failure (500)
)

// Blocker names one thing that stands in the way of a change, such as an
// active loan that keeps an item out of the Trash.
type Blocker struct {
	Type  string `json:"type"`
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// Error is Shelf's error: a code for machines, a message safe to show a user,
// and optionally the fields that failed and the things that block.
type Error struct {
	Code     string
	Message  string
	Fields   map[string]string
	Blockers []Blocker
	Err      error // the cause, for logs only; never shown to a user
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

// Restricted returns an ERESTRICTED error that lists what blocks the change.
func Restricted(msg string, blockers []Blocker) *Error {
	return &Error{Code: ERESTRICTED, Message: msg, Blockers: blockers}
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
