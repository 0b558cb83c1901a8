package web

import (
	"net/http"
	"slices"
	"strings"

	"shelf"
)

// problemKind is what HTTP says about one error code: its status, a short
// title, and a paragraph for the public page its problem type names.
type problemKind struct {
	status int
	title  string
	about  string
}

// problemKinds is the one table from error codes (decided in the shelf
// package and the service) to HTTP statuses and problem pages. A code not
// in it is a 500.
var problemKinds = map[string]problemKind{
	shelf.EMALFORMED: {http.StatusBadRequest, "Malformed request",
		"The request could not be read: an id that is not a positive whole number, a query parameter out of range, a page cursor Shelf did not issue, or a body that is not valid JSON. Nothing was changed. Fix the request before sending it again."},
	shelf.EUNAUTHORIZED: {http.StatusUnauthorized, "Not logged in",
		"The request carries no valid credentials. Send a personal API token as Authorization: Bearer shelf_…, or log in and send the session cookie with its CSRF token in X-CSRF-Token."},
	shelf.EFORBIDDEN: {http.StatusForbidden, "Forbidden",
		"You are logged in but may not do this: the route is for administrators, or a member asked for everyone's things (all=1). Things that are not yours answer 404 instead, so that their ids reveal nothing."},
	shelf.ENEEDSESSION: {http.StatusForbidden, "Session required",
		"API tokens are made from a logged-in session, never by another token, so that revoking a leaked token cannot leave tokens it made behind. Log in and create the token with the session cookie."},
	shelf.ECROSSORIGIN: {http.StatusForbidden, "Cross-origin request refused",
		"A browser sent a state-changing request from another origin (Sec-Fetch-Site or Origin say so). Shelf refuses it before any handler runs; nothing was changed."},
	shelf.ECSRF: {http.StatusForbidden, "CSRF token missing or stale",
		"A request made with the session cookie must carry the session's CSRF token (the csrf_token form field, or the X-CSRF-Token header for the API). Reload the page, or read the token from the page's csrf-token meta tag, and try again."},
	shelf.ENOTFOUND: {http.StatusNotFound, "Not found",
		"Nothing with this id exists for you: it was never there, it belongs to someone else, it is in the Trash (for routes about live things) or it was deleted. A repeated DELETE answers 404: deletes are idempotent in effect, not in status (RFC 9110)."},
	shelf.EMETHOD: {http.StatusMethodNotAllowed, "Method not allowed",
		"The path exists but does not take this method. The Allow header lists the methods it takes."},
	shelf.ECONFLICT: {http.StatusConflict, "Conflict",
		"The change collides with a concurrent one in the database. The blockers list what is in the way when Shelf can name it; reading the thing again and retrying usually succeeds."},
	shelf.ENAMETAKEN: {http.StatusConflict, "Name taken",
		"Another live item (or category) of the same owner already has this name, ignoring case. The blocker names that item or category. Items in the Trash do not hold their names; restoring one whose name was taken since needs a new name."},
	shelf.EEMAILTAKEN: {http.StatusConflict, "Email taken",
		"Another user already has this email address, ignoring case. The blocker names that user."},
	shelf.ELOANRETURNED: {http.StatusConflict, "Loan already returned",
		"The loan was marked returned before this request. The blocker names the loan and its borrower. Nothing was changed."},
	shelf.ERESTRICTED: {http.StatusConflict, "Restricted",
		"Other records still depend on this one, so it cannot be deleted yet. The blockers name them when Shelf can."},
	shelf.EONLOAN: {http.StatusConflict, "On loan",
		"The item has an active loan, so it cannot go to the Trash. The blockers name each active loan (label: the borrower). Mark the loans returned (POST /api/v1/loans/{id}/return), then delete again."},
	shelf.EOWNSITEMS: {http.StatusConflict, "User still owns items",
		"A user who owns items, live or in the Trash, cannot be deleted. The blockers name the first 50 of those items and the detail gives the total. Transfer the items to another user first (POST /api/v1/users/{id}/transfer)."},
	shelf.EOWNACCOUNT: {http.StatusConflict, "Own account",
		"An administrator cannot delete their own account here; another administrator can."},
	shelf.ELASTADMIN: {http.StatusConflict, "Last administrator",
		"Shelf needs an administrator: the last one whose account is not being deleted cannot delete their own account. The blocker names them. Add another administrator first (shelf user add --admin)."},
	shelf.EHELD: {http.StatusConflict, "Held",
		"A legal hold covers this data, so it cannot be deleted for ever. The blocker names the hold (label: its reason). It can still go to the Trash and come back."},
	shelf.EKEYINFLIGHT: {http.StatusConflict, "Idempotency key in use",
		"A request with this Idempotency-Key is still being served. Wait for it and send the request again: you will then get its response replayed."},
	shelf.EPRECONDITION: {http.StatusPreconditionFailed, "Version mismatch",
		"If-Match named a version of the item that is no longer current: someone changed it since you read it. GET it again (its ETag is the current version), check the change still makes sense, and retry with the new ETag."},
	shelf.ETOOLARGE: {http.StatusRequestEntityTooLarge, "Body too large",
		"The request body is larger than 1 MiB. Nothing was changed. Split a bulk request into smaller ones."},
	shelf.EMEDIATYPE: {http.StatusUnsupportedMediaType, "Unsupported media type",
		"The body is not in the format this route reads: the API reads application/json, the HTML forms application/x-www-form-urlencoded. Nothing was changed."},
	shelf.EPHOTOLIMIT: {http.StatusConflict, "Too many photos",
		"An item has at most 10 photos (photos in the Trash do not count). The blocker names the item. Move one of its photos to the Trash first; nothing was stored."},
	shelf.EPHOTOSIZE: {http.StatusRequestEntityTooLarge, "Photo too large",
		"A photo may be at most 10 MiB, and at most 40 megapixels (read from the image's header, before anything is decoded). Nothing was stored. Scale the photo down and upload it again."},
	shelf.ENOTIMAGE: {http.StatusUnsupportedMediaType, "Not an image",
		"The file is not a JPEG, PNG or WebP image. Shelf decides by the content, not by the file's name or declared type. Nothing was stored."},
	shelf.ESTORAGEFULL: {http.StatusInsufficientStorage, "Storage full",
		"There is no room left in the directory where Shelf keeps photo files. Nothing was stored; tell the administrator."},
	shelf.EINVALID: {http.StatusUnprocessableEntity, "Invalid fields",
		"Some fields are not valid; errors names each field with what is wrong with it. Nothing was changed."},
	shelf.EKEYREUSED: {http.StatusUnprocessableEntity, "Idempotency key reused",
		"This Idempotency-Key was already used on this route with a different body. A key names one request: use a new key for a new request. Keys are kept for 24 hours."},
	shelf.ERATELIMIT: {http.StatusTooManyRequests, "Rate limited",
		"Too many requests: destructive requests are limited per user, and login attempts per account and address. Retry-After says how many seconds to wait; RateLimit and RateLimit-Policy describe the limit."},
	shelf.EINTERNAL: {http.StatusInternalServerError, "Internal error",
		"Something went wrong on Shelf's side. Nothing is shown of it, but it is logged with the request id; give that id to the administrator."},
	shelf.EUNAVAILABLE: {http.StatusServiceUnavailable, "Unavailable",
		"The database cannot be reached for a moment. Nothing was changed; retry after the seconds Retry-After gives."},
	codeClientClosed: {statusClientClosed, "Client closed request",
		"The client hung up before the answer was ready; the work was cancelled with it. Nobody receives this answer; it is recorded in logs only."},
}

// codeClientClosed is the code of a request whose client hung up.
const codeClientClosed = "client_closed"

// ProblemCodes lists every problem code Shelf answers with, sorted; the
// OpenAPI document's enum is held to it by tests.
func ProblemCodes() []string {
	codes := make([]string, 0, len(problemKinds))
	for c := range problemKinds {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// statusOf is the status of an error code; an unknown code is a 500.
func statusOf(code string) int {
	if k, ok := problemKinds[code]; ok {
		return k.status
	}
	return http.StatusInternalServerError
}

// problemSlug is the last segment of a code's problem type URI.
func problemSlug(code string) string { return strings.ReplaceAll(code, "_", "-") }

// problemType is the absolute URI of a code's problem type, on the
// request's own scheme and host, so that it answers GET wherever Shelf is
// reached.
func (s *Server) problemType(r *http.Request, code string) string {
	return s.baseURL(r) + "/problems/" + problemSlug(code)
}

// baseURL is scheme://host of the request as the client sent it: https when
// the connection is TLS, or when a trusted proxy says so in
// X-Forwarded-Proto.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if s.trustedProxy(peerAddr(r)) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// problemPage is the data of a problem type's public page.
type problemPage struct {
	Code   string
	Status int
	Title  string
	About  string
	Type   string
}

// problemDoc answers GET /problems/{slug}: the public page that explains
// one kind of problem.
func (s *Server) problemDoc(w http.ResponseWriter, r *http.Request) {
	code := strings.ReplaceAll(r.PathValue("slug"), "-", "_")
	k, ok := problemKinds[code]
	if !ok || strings.Contains(r.PathValue("slug"), "_") {
		s.htmlError(w, r, shelf.Errorf(shelf.ENOTFOUND, "There is no such kind of problem."))
		return
	}
	s.render(w, r, http.StatusOK, "problem", k.title, problemPage{Code: code, Status: k.status, Title: k.title,
		About: k.about, Type: s.problemType(r, code)})
}
