package web

import (
	"net/http"

	"shelf"
)

// apiPlaceHold places a legal hold: {"user_id"|"item_id", "reason"}.
func (s *Server) apiPlaceHold(w http.ResponseWriter, r *http.Request) {
	var in shelf.HoldInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	h, err := s.svc.PlaceHold(r.Context(), actor(r), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeCreated(w, "holds", h.ID, h)
}

func (s *Server) apiListHolds(w http.ResponseWriter, r *http.Request) {
	answerList(s, w, r, "holds", s.svc.Holds)
}

func (s *Server) apiGetHold(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.Hold)
}

// apiReleaseHold releases a hold: 204, and what it kept can be deleted
// for good again.
func (s *Server) apiReleaseHold(w http.ResponseWriter, r *http.Request) {
	doByID(s, w, r, s.svc.ReleaseHold)
}
