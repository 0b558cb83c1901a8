package web

import (
	"net/http"
	"net/url"
	"strconv"

	"shelf"
)

// auditView is the data of the audit log page: the events, who acted in
// them, and the filters as chosen, so the form shows them again.
type auditView struct {
	Events     []auditRow
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	Actions    []string
	People     []actorOption // the actor picker's choices
	Paged      bool
	First      string
	Next       string
	Error      string // why the filter was refused
}

// auditRow is one event as the log lists it.
type auditRow struct {
	shelf.AuditEvent
	Actor shelf.AuditActor
}

// actorOption is one choice of the actor picker.
type actorOption struct {
	ID       string
	Label    string
	Selected bool
}

// auditPage lists the audit log, newest first, filtered by the query string.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := auditView{Actor: q.Get("actor"), Action: q.Get("action"), EntityType: q.Get("entity_type"),
		EntityID: q.Get("entity_id"), Actions: shelf.AuditActions}
	f, err := auditFilter(r)
	status := http.StatusOK
	if shelf.ErrorCode(err) == shelf.EMALFORMED {
		// note: a mistyped filter keeps the form and what was typed, with
		// the error above it, rather than a page that loses both
		v.Error, status = shelf.AsError(err).Message, http.StatusBadRequest
	} else if err != nil {
		s.htmlError(w, r, err)
		return
	}
	var page shelf.AuditPage
	if v.Error == "" {
		if page, err = s.svc.AuditEvents(r.Context(), actor(r), f); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	ids := make([]int64, 0, len(page.Events)+1)
	for _, e := range page.Events {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	if f.ActorID != nil {
		ids = append(ids, *f.ActorID)
	}
	people, err := s.svc.AuditActors(r.Context(), actor(r), ids)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if v.People, err = s.actorOptions(r, v.Actor, f.ActorID, people); err != nil {
		s.htmlError(w, r, err)
		return
	}
	for _, e := range page.Events {
		row := auditRow{AuditEvent: e}
		if e.ActorID != nil {
			row.Actor = people[*e.ActorID]
		}
		v.Events = append(v.Events, row)
	}
	v.Paged = f.After != ""
	keep := url.Values{"actor": {v.Actor}, "action": {v.Action}, "entity_type": {v.EntityType},
		"entity_id": {v.EntityID}, "limit": {q.Get("limit")}}
	v.First = pageLink("/admin/audit", "", keep)
	if page.Next != "" {
		v.Next = pageLink("/admin/audit", page.Next, keep)
	}
	s.render(w, r, status, "audit", "Audit log", v)
}

// actorOptions are the actor picker's choices: anyone, then every user; a
// chosen actor who is no longer a user stays chosen, named as the log names
// them.
func (s *Server) actorOptions(r *http.Request, typed string, chosen *int64, people map[int64]shelf.AuditActor) ([]actorOption, error) {
	users, err := s.svc.Users(r.Context(), actor(r))
	if err != nil {
		return nil, err
	}
	opts := []actorOption{{ID: "", Label: "Anyone", Selected: typed == ""}}
	found := false
	for _, u := range users {
		sel := chosen != nil && *chosen == u.ID
		found = found || sel
		opts = append(opts, actorOption{ID: itoa(u.ID), Label: u.Name + " (" + u.Email + ")", Selected: sel})
	}
	if chosen != nil && !found {
		opts = append(opts, actorOption{ID: itoa(*chosen), Label: people[*chosen].Label(), Selected: true})
	}
	return opts, nil
}

// auditEventView is the data of one audit event's page.
type auditEventView struct {
	Event    shelf.AuditEvent
	Actor    shelf.AuditActor
	Owner    shelf.AuditActor
	HasActor bool
	HasOwner bool
	Reason   string
	Sections []snapSection
	Raw      string
}

// auditEventPage shows one audit event with every field and its
// before-image laid out, opened as the API opens it for admins.
func (s *Server) auditEventPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	e, err := s.svc.AuditEvent(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	var ids []int64
	for _, p := range []*int64{e.ActorID, e.OwnerID} {
		if p != nil {
			ids = append(ids, *p)
		}
	}
	people, err := s.svc.AuditActors(r.Context(), actor(r), ids)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := auditEventView{Event: e, Reason: e.Reason()}
	if e.ActorID != nil {
		v.Actor, v.HasActor = people[*e.ActorID], true
	}
	if e.OwnerID != nil {
		v.Owner, v.HasOwner = people[*e.OwnerID], true
	}
	v.Sections, v.Raw = layoutSnapshot(e.Snapshot)
	s.render(w, r, http.StatusOK, "audit_event", "Audit event "+strconv.FormatInt(e.ID, 10), v)
}
