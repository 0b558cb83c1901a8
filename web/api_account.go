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
