package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"shelf"
)

// statusClientClosed is the status of a request whose client hung up
// before it was answered (nginx's 499; HTTP has none).
const statusClientClosed = 499

// httpError is a refusal that only HTTP has words for (413, 415, 405, …),
// with its code (its status comes from problemKinds) and headers.
type httpError struct {
	code       string
	msg        string
	allow      string // for 405
	retryAfter int    // seconds, for 429 and 503
}

func (e *httpError) Error() string { return e.msg }

// problem is an RFC 9457 problem document, with Shelf's stable code.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Code      string            `json:"code"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
	Blockers  []shelf.Blocker   `json:"blockers,omitempty"`
}

// problemFor turns any error into what a client may see, logging what it may
// not: an error without a code is a 500 with a generic message.
func (s *Server) problemFor(r *http.Request, err error) (problem, *httpError) {
	info := infoFrom(r)
	p := problem{RequestID: info.id}
	var he *httpError
	code := shelf.ErrorCode(err)
	if errors.As(err, &he) {
		p.Code, p.Detail = he.code, he.msg
	} else if r.Context().Err() != nil && (code == shelf.EINTERNAL || code == shelf.EUNAVAILABLE) {
		// note: the client hung up and its request's work was cancelled
		// with it. Nothing failed on our side, so this is no 500 and no
		// error log line; 499 is what proxies record for it. Nobody
		// receives this answer.
		p.Code, p.Detail = codeClientClosed, "The client closed the request."
	} else {
		p.Code = code
		p.Detail = shelf.ErrorMessage(err)
		if e := shelf.AsError(err); e != nil {
			p.Errors = e.Fields
			p.Blockers = e.Blockers
			if statusOf(code) == http.StatusConflict && p.Blockers == nil {
				p.Blockers = []shelf.Blocker{}
			}
		}
		if code == shelf.EUNAVAILABLE {
			he = &httpError{code: code, retryAfter: 5}
		}
		if e := shelf.AsError(err); e != nil && e.RetryAfter > 0 {
			he = &httpError{code: code, retryAfter: retrySeconds(e.RetryAfter)}
		}
		if statusOf(code) >= 500 {
			s.log.Error("request failed", "request_id", info.id, "method", r.Method, "path", r.URL.Path, "err", err)
		}
		if st := statusOf(code); st == http.StatusForbidden || st == http.StatusNotFound {
			info.refused = true
		}
	}
	if _, known := problemKinds[p.Code]; !known {
		p.Code = shelf.EINTERNAL
	}
	k := problemKinds[p.Code]
	p.Status, p.Title, p.Type = k.status, k.title, s.problemType(r, p.Code)
	return p, he
}

// apiError writes err as application/problem+json.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	p, he := s.problemFor(r, err)
	setErrorHeaders(w, he)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shelf"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func setErrorHeaders(w http.ResponseWriter, he *httpError) {
	if he == nil {
		return
	}
	if he.allow != "" {
		w.Header().Set("Allow", he.allow)
	}
	if he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.retryAfter))
	}
}

// writeJSON writes v as JSON with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
