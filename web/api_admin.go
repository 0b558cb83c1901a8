package web

import (
	"context"
	"net/http"
	"strconv"

	"shelf"
)

// auditResponse is a page of the audit log.
type auditResponse struct {
	Events []shelf.AuditEvent `json:"events"`
	Next   *string            `json:"next"`
}

// auditFilter reads actor, action, entity_type, entity_id, after and limit.
func auditFilter(r *http.Request) (shelf.AuditFilter, error) {
	q := r.URL.Query()
	f := shelf.AuditFilter{Action: q.Get("action"), EntityType: q.Get("entity_type"), After: q.Get("after")}
	if v := q.Get("actor"); v != "" {
		id, err := parseID(v)
		if err != nil {
			return f, shelf.Errorf(shelf.EMALFORMED, "actor must be a user id.")
		}
		f.ActorID = &id
	}
	if v := q.Get("entity_id"); v != "" {
		id, err := parseID(v)
		if err != nil {
			return f, shelf.Errorf(shelf.EMALFORMED, "entity_id must be an id.")
		}
		f.EntityID = &id
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > shelf.MaxPageSize {
			return f, shelf.Errorf(shelf.EMALFORMED, "limit must be a whole number from 1 to %d.", shelf.MaxPageSize)
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.AuditEvents(r.Context(), actor(r), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	res := auditResponse{Events: page.Events, Next: nextCursor(page.Next)}
	s.setNextLink(w, r, page.Next)
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	answerList(s, w, r, "users", s.svc.UserList)
}

func (s *Server) apiDeleteUser(w http.ResponseWriter, r *http.Request) {
	doByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) error {
		_, err := s.svc.DeleteUser(ctx, a, id)
		return err
	})
}

func (s *Server) apiTransferItems(w http.ResponseWriter, r *http.Request) {
	var body struct {
		To            int64 `json:"to"`
		RenameClashes bool  `json:"rename_clashes"`
	}
	id, ok := idAndJSON(s, w, r, &body)
	if !ok {
		return
	}
	transfer := s.svc.TransferItems
	if body.RenameClashes {
		transfer = s.svc.TransferItemsRenaming
	}
	res, err := transfer(r.Context(), actor(r), id, body.To)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// apiUnlockLogins lets a user whom failed logins locked out log in again.
func (s *Server) apiUnlockLogins(w http.ResponseWriter, r *http.Request) {
	doByID(s, w, r, s.svc.UnlockLogins)
}

// apiEraseUser erases a user: body {"confirm_email": "…"}, their email
// typed to confirm; 204 once nothing of them is left, or 202 with the job
// that erases them when they have too many rows for one request.
func (s *Server) apiEraseUser(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ConfirmEmail string `json:"confirm_email"`
	}
	id, ok := idAndJSON(s, w, r, &body)
	if !ok {
		return
	}
	res, err := s.svc.EraseUser(r.Context(), actor(r), id, body.ConfirmEmail)
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
