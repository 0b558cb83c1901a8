package web

import (
	"net/http"
	"time"

	"shelf"
)

func (s *Server) apiListTrash(w http.ResponseWriter, r *http.Request) {
	f, all, err := itemFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.Trash(r.Context(), actor(r), f, all)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	res := trashResponse{Items: make([]trashedItem, len(page.Items)), Next: nextCursor(page.Next)}
	for i, it := range page.Items {
		res.Items[i] = asTrashed(it)
	}
	s.setNextLink(w, r, page.Next)
	writeJSON(w, http.StatusOK, res)
}

// trashedItem is an item as the Trash lists it: deleted_at, deleted_by and
// cohort are always there, deleted_by null once the user who trashed it is
// deleted. (These fields shadow the item's own, which live items leave out.)
type trashedItem struct {
	shelf.Item
	DeletedAt *time.Time `json:"deleted_at"`
	DeletedBy *int64     `json:"deleted_by"`
	Cohort    *string    `json:"cohort"`
}

func asTrashed(it shelf.Item) trashedItem {
	return trashedItem{Item: it, DeletedAt: it.DeletedAt, DeletedBy: it.DeletedBy, Cohort: shelf.NullString(it.Cohort)}
}

type trashResponse struct {
	Items []trashedItem `json:"items"`
	Next  *string       `json:"next"`
}

func (s *Server) apiPurgeImpact(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.PurgeImpact)
}

func (s *Server) apiRestoreItem(w http.ResponseWriter, r *http.Request) {
	// note: the body is optional; {"name": "…"} restores under a new name.
	var body struct {
		Name string `json:"name"`
	}
	id, ok := idAndOptionalJSON(s, w, r, &body)
	if !ok {
		return
	}
	it, err := s.svc.RestoreItem(r.Context(), actor(r), id, body.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(it.Version))
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) apiRestoreCohort(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Cohort string `json:"cohort"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.svc.RestoreCohort(r.Context(), actor(r), body.Cohort)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiPurgeItem(w http.ResponseWriter, r *http.Request) {
	// note: the body is optional. A reason is kept in the audit event; a
	// confirm_name, when sent, must be the item's name (what the dialog asks
	// a person to type before a large purge).
	var body struct {
		Reason      string  `json:"reason"`
		ConfirmName *string `json:"confirm_name"`
	}
	id, ok := idAndOptionalJSON(s, w, r, &body)
	if !ok {
		return
	}
	c := shelf.Confirmation{Reason: body.Reason, Typed: body.ConfirmName}
	res, err := s.svc.PurgeItem(r.Context(), actor(r), id, c)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if res.Job != nil {
		writeJobAccepted(w, res.Job)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiEmptyTrash empties the caller's Trash, or with ?owner= (admins) another
// user's. The body is optional: {"reason": "…"} is kept in every purged
// item's audit event. Held items stay, listed under blocked. A Trash past
// the job threshold is emptied by a job: 202 with the job.
func (s *Server) apiEmptyTrash(w http.ResponseWriter, r *http.Request) {
	var owner int64
	if v := r.URL.Query().Get("owner"); v != "" {
		id, err := parseID(v)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		owner = id
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptionalJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.svc.EmptyTrash(r.Context(), actor(r), owner, shelf.Confirmation{Reason: body.Reason})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if res.Job != nil {
		writeJobAccepted(w, res.Job)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
