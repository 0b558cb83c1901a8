package web

import (
	"fmt"
	"net/http"
	"time"
)

// apiExportAccount answers GET /api/v1/me/export: the caller's data as one
// JSON document, streamed as it is read (the "Download my data" link of
// the account page is this route, with the session cookie).
func (s *Server) apiExportAccount(w http.ResponseWriter, r *http.Request) {
	x, err := s.svc.ExportAccount(r.Context(), actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="shelf-export-%d-%s.json"`,
		x.User().ID, time.Now().UTC().Format("20060102")))
	// note: a large export outlasts the server's write timeout; each write
	// gets its own deadline instead, so a client that stops reading is
	// dropped and one that reads gets it all.
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w)}
	if err := x.Write(r.Context(), dw); err != nil {
		if r.Context().Err() == nil && !dw.failed {
			s.log.Error("export failed", "request_id", infoFrom(r).id, "err", err)
		}
		// note: the status is sent; ending the connection leaves the
		// document visibly unfinished rather than a short one that parses.
		panic(http.ErrAbortHandler)
	}
}

// deadlineWriter gives each write to a long response its own deadline.
type deadlineWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	failed bool // a write to the client failed
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	if err := d.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil {
		d.failed = true
		return 0, err
	}
	n, err := d.w.Write(b)
	if err != nil {
		d.failed = true
	}
	return n, err
}

// accountDeleted is the answer to DELETE /api/v1/me: when the erasure is
// due.
type accountDeleted struct {
	EraseAt time.Time `json:"erase_at"`
}

// apiDeleteOwnAccount answers DELETE /api/v1/me (body {"password"}): 202,
// the account stopped and its erasure due at erase_at.
func (s *Server) apiDeleteOwnAccount(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	eraseAt, err := s.svc.DeleteOwnAccount(r.Context(), actor(r), body.Password, nil)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, accountDeleted{EraseAt: eraseAt})
}

// apiRestoreAccount answers POST /api/v1/users/{id}/restore (admins): the
// account its owner deleted is theirs again, while its grace period runs.
func (s *Server) apiRestoreAccount(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.svc.RestoreAccount(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
