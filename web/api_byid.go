package web

import (
	"context"
	"net/http"

	"shelf"
)

// Most API routes on one thing come down to one service call on the id in
// the path. These helpers are how such a route reads the id and answers, so
// that a bad id, a refusal and a success read the same on every route.

// byID is the service call of a route on one thing, given the path's id.
type byID func(ctx context.Context, a shelf.Actor, id int64) error

// callByID reads the path's id and makes the route's one service call with
// it. It answers a bad id or a failed call itself, and reports whether the
// call succeeded and the route has still to answer.
func callByID(s *Server, w http.ResponseWriter, r *http.Request, call byID) bool {
	id, err := pathID(r, "id")
	if err == nil {
		err = call(r.Context(), actor(r), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return false
	}
	return true
}

// doByID serves a route whose service call returns nothing the client
// reads: 204 No Content, or the error.
func doByID(s *Server, w http.ResponseWriter, r *http.Request, call byID) {
	if callByID(s, w, r, call) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// answerByID serves a route whose service call returns what the client
// reads: 200 with it as JSON, or the error.
func answerByID[T any](s *Server, w http.ResponseWriter, r *http.Request, call func(ctx context.Context, a shelf.Actor, id int64) (T, error)) {
	var v T
	if callByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) (err error) {
		v, err = call(ctx, a, id)
		return err
	}) {
		writeJSON(w, http.StatusOK, v)
	}
}

// idAndJSON reads the path's id and decodes the request's JSON body into v,
// for a route that changes one thing as the body says. It answers a bad id
// or body itself and reports whether both were good.
func idAndJSON(s *Server, w http.ResponseWriter, r *http.Request, v any) (int64, bool) {
	return idAnd(s, w, r, v, decodeJSON)
}

// idAndOptionalJSON is idAndJSON for a route whose body may be left out.
func idAndOptionalJSON(s *Server, w http.ResponseWriter, r *http.Request, v any) (int64, bool) {
	return idAnd(s, w, r, v, decodeOptionalJSON)
}

func idAnd(s *Server, w http.ResponseWriter, r *http.Request, v any, decode func(http.ResponseWriter, *http.Request, any) error) (int64, bool) {
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(w, r, v)
	}
	if err != nil {
		s.apiError(w, r, err)
		return 0, false
	}
	return id, true
}

// writeCreated answers a request that made something: 201 with it as JSON,
// and a Location that names where a GET reads it (its id under collection,
// "/api/v1/{collection}/{id}").
func writeCreated(w http.ResponseWriter, collection string, id int64, v any) {
	w.Header().Set("Location", "/api/v1/"+collection+"/"+itoa(id))
	writeJSON(w, http.StatusCreated, v)
}

// answerList serves a list of what the actor may see: 200 with
// {"key": [...]}, an empty list as [] (never null), or the error.
func answerList[T any](s *Server, w http.ResponseWriter, r *http.Request, key string, list func(ctx context.Context, a shelf.Actor) ([]T, error)) {
	xs, err := list(r.Context(), actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if xs == nil {
		xs = []T{}
	}
	writeJSON(w, http.StatusOK, map[string][]T{key: xs})
}
