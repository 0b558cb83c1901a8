package web

import (
	"context"
	"net/http"
	"net/url"

	"shelf"
)

// Every Location Shelf answers with names something a GET can read: these
// are the single reads that the lists and the creating routes point at.

func (s *Server) apiGetCategory(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.Category)
}

func (s *Server) apiGetToken(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.Token)
}

func (s *Server) apiGetTrashed(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) (trashedItem, error) {
		it, err := s.svc.TrashedItem(ctx, a, id)
		return asTrashed(it), err
	})
}

func (s *Server) apiGetNote(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) (shelf.Note, error) {
		n, _, err := s.svc.Note(ctx, a, id)
		return n, err
	})
}

func (s *Server) apiGetLoan(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.Loan)
}

// setNextLink sends Link: <…>; rel="next" while a list has a next page: the
// request's own URL with after set to the next cursor.
func (s *Server) setNextLink(w http.ResponseWriter, r *http.Request, next string) {
	if next == "" {
		return
	}
	q := r.URL.Query()
	q.Set("after", next)
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	w.Header().Set("Link", "<"+s.baseURL(r)+u.String()+`>; rel="next"`)
}

// nextCursor is a page's cursor as JSON has it: null on the last page.
func nextCursor(next string) *string { return shelf.NullString(next) }
