package web

import (
	"net/http"
	"strings"
	"time"

	"shelf"
)

func (s *Server) apiListNotes(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	notes, err := s.svc.Notes(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]shelf.Note{"notes": notes})
}

func (s *Server) apiAddNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := s.svc.AddNote(r.Context(), actor(r), id, body.Body)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/notes/"+itoa(n.ID))
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) apiDeleteNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.svc.DeleteNote(r.Context(), actor(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiListLoans(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	loans, err := s.svc.Loans(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]shelf.Loan{"loans": loans})
}

// parseDue reads a due date: an RFC 3339 time or a plain date (YYYY-MM-DD),
// or "" for none.
func parseDue(v string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, shelf.Invalid(map[string]string{"due_at": "Give the due date as YYYY-MM-DD or an RFC 3339 time."})
}

func (s *Server) apiLendItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Borrower string  `json:"borrower"`
		DueAt    *string `json:"due_at"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	var due *time.Time
	if body.DueAt != nil {
		if due, err = parseDue(*body.DueAt); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	l, err := s.svc.LendItem(r.Context(), actor(r), id, body.Borrower, due)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/loans/"+itoa(l.ID))
	writeJSON(w, http.StatusCreated, l)
}

func (s *Server) apiReturnLoan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	l, err := s.svc.ReturnLoan(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}
