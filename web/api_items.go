package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"shelf"
	"shelf/service"
)

// listResponse is a page of items (live or trashed).
type listResponse struct {
	Items []shelf.Item `json:"items"`
	Next  *string      `json:"next"`
}

func pageResponse(p shelf.ItemPage) listResponse {
	res := listResponse{Items: p.Items}
	if res.Items == nil {
		res.Items = []shelf.Item{}
	}
	if p.Next != "" {
		res.Next = &p.Next
	}
	return res
}

// itemFilter reads limit, after, q and category from the query string.
func itemFilter(r *http.Request) (shelf.ItemFilter, bool, error) {
	q := r.URL.Query()
	f := shelf.ItemFilter{Query: strings.TrimSpace(q.Get("q")), After: q.Get("after"), Cohort: q.Get("cohort")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > shelf.MaxPageSize {
			return f, false, shelf.Errorf(shelf.EMALFORMED, "limit must be a whole number from 1 to %d.", shelf.MaxPageSize)
		}
		f.Limit = n
	}
	if v := q.Get("category"); v != "" {
		id, err := parseID(v)
		if err != nil {
			return f, false, shelf.Errorf(shelf.EMALFORMED, "category must be a category id.")
		}
		f.CategoryID = &id
	}
	all, err := allParam(r)
	return f, all, err
}

// allParam reads a list's ?all= switch: 1 or true, 0 or false.
func allParam(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("all") {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, shelf.Errorf(shelf.EMALFORMED, "all must be 1, true, 0 or false.")
}

// checkAll refuses a member's ?all=1 on any API read with 403, as the
// service decides, so that no list silently shows less than was asked.
func (s *Server) checkAll(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Query().Has("all") {
			all, err := allParam(r)
			if err == nil {
				err = service.AllOwners(actor(r), all)
			}
			if err != nil {
				s.apiError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) apiListItems(w http.ResponseWriter, r *http.Request) {
	f, all, err := itemFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.Items(r.Context(), actor(r), f, all)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.setNextLink(w, r, page.Next)
	writeJSON(w, http.StatusOK, pageResponse(page))
}

func (s *Server) apiCreateItem(w http.ResponseWriter, r *http.Request) {
	in := shelf.ItemInput{Quantity: 1}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	it, err := s.svc.CreateItem(r.Context(), actor(r), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(it.Version))
	writeCreated(w, "items", it.ID, it)
}

func (s *Server) apiGetItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	it, err := s.svc.Item(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(it.Version))
	writeJSON(w, http.StatusOK, it)
}

// itemPatch is a PATCH body: only the fields present change; category_id:
// null makes the item uncategorised.
type itemPatch struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Quantity    *int64          `json:"quantity"`
	CategoryID  json.RawMessage `json:"category_id"`
}

func (s *Server) apiUpdateItem(w http.ResponseWriter, r *http.Request) {
	var p itemPatch
	id, ok := idAndJSON(s, w, r, &p)
	if !ok {
		return
	}
	a := actor(r)
	cur, err := s.svc.Item(r.Context(), a, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	version, _ := ifMatch(r, func() (int64, error) { return cur.Version, nil })
	if version == 0 {
		// note: without If-Match, still refuse to overwrite a change made
		// between the read above and the write.
		version = cur.Version
	}
	in := shelf.ItemInput{Name: cur.Name, Description: cur.Description, Quantity: cur.Quantity, CategoryID: cur.CategoryID}
	if p.Name != nil {
		in.Name = *p.Name
	}
	if p.Description != nil {
		in.Description = *p.Description
	}
	if p.Quantity != nil {
		in.Quantity = *p.Quantity
	}
	if len(p.CategoryID) > 0 {
		if string(p.CategoryID) == "null" {
			in.CategoryID = nil
		} else {
			var c int64
			if err := json.Unmarshal(p.CategoryID, &c); err != nil {
				s.apiError(w, r, shelf.Invalid(map[string]string{"category_id": "must be a number or null"}))
				return
			}
			in.CategoryID = &c
		}
	}
	it, err := s.svc.UpdateItem(r.Context(), a, id, in, version)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(it.Version))
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) apiTrashItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	a := actor(r)
	version, err := ifMatch(r, func() (int64, error) {
		it, err := s.svc.Item(r.Context(), a, id)
		return it.Version, err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	it, err := s.svc.TrashItem(r.Context(), a, id, version)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("X-Shelf-Cohort", it.Cohort)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiItemImpact(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.ItemImpact)
}

func (s *Server) apiBulkTrash(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IDs    []int64 `json:"ids"`
		Reason string  `json:"reason"` // optional; kept in each item's audit event
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.svc.TrashItems(r.Context(), actor(r), body.IDs, shelf.Confirmation{Reason: body.Reason})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if res.Job != nil {
		writeJobAccepted(w, res.Job)
		return
	}
	if res.Cohort != "" {
		w.Header().Set("X-Shelf-Cohort", res.Cohort)
	}
	writeJSON(w, http.StatusOK, res)
}

// etag is an item version as an entity tag.
func etag(version int64) string { return `"` + itoa(version) + `"` }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
