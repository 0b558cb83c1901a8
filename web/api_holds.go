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
	w.Header().Set("Location", "/api/v1/holds/"+itoa(h.ID))
	writeJSON(w, http.StatusCreated, h)
}

func (s *Server) apiListHolds(w http.ResponseWriter, r *http.Request) {
	hs, err := s.svc.Holds(r.Context(), actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]shelf.Hold{"holds": hs})
}

func (s *Server) apiGetHold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h, err := s.svc.Hold(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// apiReleaseHold releases a hold: 204, and what it kept can be deleted
// for good again.
func (s *Server) apiReleaseHold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.ReleaseHold(r.Context(), actor(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
