package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"shelf"
)

func (s *Server) apiListNotes(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) (map[string][]shelf.Note, error) {
		notes, err := s.svc.Notes(ctx, a, id)
		return map[string][]shelf.Note{"notes": notes}, err
	})
}

func (s *Server) apiAddNote(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Body string `json:"body"`
	}
	id, ok := idAndJSON(s, w, r, &body)
	if !ok {
		return
	}
	n, err := s.svc.AddNote(r.Context(), actor(r), id, body.Body)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeCreated(w, "notes", n.ID, n)
}

func (s *Server) apiDeleteNote(w http.ResponseWriter, r *http.Request) {
	doByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) error {
		_, err := s.svc.DeleteNote(ctx, a, id)
		return err
	})
}

func (s *Server) apiListLoans(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) (map[string][]shelf.Loan, error) {
		loans, err := s.svc.Loans(ctx, a, id)
		return map[string][]shelf.Loan{"loans": loans}, err
	})
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
	var body struct {
		Borrower string  `json:"borrower"`
		DueAt    *string `json:"due_at"`
	}
	id, ok := idAndJSON(s, w, r, &body)
	if !ok {
		return
	}
	var due *time.Time
	if body.DueAt != nil {
		var err error
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
	writeCreated(w, "loans", l.ID, l)
}

func (s *Server) apiReturnLoan(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.ReturnLoan)
}
