package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"shelf"
	"shelf/events"
)

// streamWriteTimeout bounds each write to an event stream: a client that
// stops reading is dropped after it, instead of holding its connection.
const streamWriteTimeout = 10 * time.Second

// apiEvents serves GET /api/v1/events: the change events the caller may see,
// as Server-Sent Events, from now on or, with Last-Event-ID, from after the
// event the client saw last.
func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("all")
	owner, err := s.svc.EventScope(actor(r), q == "1" || q == "true")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.events.Open(r.Context(), owner, strings.TrimSpace(r.Header.Get("Last-Event-ID")))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer st.Close()
	// note: a stream is not a request in progress for the retention purge,
	// which would otherwise wait while any page follows the stream.
	s.inFlight.Add(-1)
	defer s.inFlight.Add(1)

	// note: the server's read and write timeouts would end the stream; each
	// write gets its own deadline instead.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // note: nginx would buffer the stream otherwise
	w.WriteHeader(http.StatusOK)
	put := func(b []byte) error {
		if err := rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil {
			return err
		}
		_, err := w.Write(b)
		return err
	}
	write := func(b []byte) error {
		if err := put(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if write([]byte("retry: 2000\n: connected\n\n")) != nil {
		return
	}
	var buf []byte
	send := func(m events.Message) error {
		buf = appendMessage(buf[:0], m)
		return put(buf)
	}
	err = st.Run(r.Context(), s.cfg.EventHeartbeat, send, rc.Flush, func() error { return write([]byte(": heartbeat\n\n")) })
	switch {
	case errors.Is(err, events.ErrSlow):
		_ = write([]byte(": dropped: this client fell behind; reconnect to resume\nretry: 1000\n\n"))
	case errors.Is(err, events.ErrClosed):
		_ = write([]byte(": the server is shutting down; reconnect to resume\nretry: 1000\n\n"))
	case shelf.ErrorCode(err) == shelf.EUNAVAILABLE:
		_ = write([]byte(": the database is unavailable; reconnect to resume\nretry: 5000\n\n"))
	case err != nil && r.Context().Err() == nil:
		s.log.Warn("event stream ended", "err", err, "request_id", infoFrom(r).id)
		_ = write([]byte(": the stream failed; reconnect to resume\nretry: 5000\n\n"))
	}
}

// appendMessage encodes one Server-Sent Events message.
func appendMessage(b []byte, m events.Message) []byte {
	if m.ID != "" {
		b = append(b, "id: "...)
		b = append(b, m.ID...)
		b = append(b, '\n')
	}
	b = append(b, "event: "...)
	b = append(b, m.Type...)
	b = append(b, "\ndata: "...)
	b = append(b, m.Data...)
	return append(b, "\n\n"...)
}
