package web

import (
	"net/http"
	"strconv"
)

func (s *Server) apiListCategories(w http.ResponseWriter, r *http.Request) {
	answerList(s, w, r, "categories", s.svc.Categories)
}

func (s *Server) apiCreateCategory(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.svc.CreateCategory(r.Context(), actor(r), body.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeCreated(w, "categories", c.ID, c)
}

// categoryImpact is what deleting a category would do.
type categoryImpact struct {
	Action string `json:"action"`
	Items  int    `json:"items"`
}

func (s *Server) apiCategoryImpact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := s.svc.CategoryImpact(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, categoryImpact{Action: "uncategorise", Items: n})
}

func (s *Server) apiDeleteCategory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	del, err := s.svc.DeleteCategory(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("X-Shelf-Uncategorised", strconv.Itoa(del.Uncategorised))
	w.WriteHeader(http.StatusNoContent)
}
