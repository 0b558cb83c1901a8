package web

import (
	"net/http"
	"strconv"

	"shelf"
	"shelf/service"
)

// The items list shows a page of 50; "Select all N items matching this
// search" takes every live item its search and category match, on every
// page, as one bulk delete. What "matching" means and how many one request
// takes are the service's (CountMatching, TrashMatching); these handlers
// confirm it like any bulk delete, with or without JavaScript.

// matchingView is the items list's offer to select everything its search
// matches; nil when the list has one page, where ticking the page is all.
type matchingView struct {
	Count    string // "120 items"
	More     bool   // more match than one request takes
	Link     string // the confirmation page
	Filtered bool   // a search or category narrows the list
}

// matchingPath is the address of the confirmation of deleting everything
// the list at r matches, keeping its search, category and scope.
func matchingPath(r *http.Request, all bool) string {
	keep := listFilters(r, all)
	keep.Del("limit")
	return pageLink("/items/delete-matching", "", keep)
}

// matchingOffer counts what the list at r matches when it has more than
// one page.
func (s *Server) matchingOffer(r *http.Request, l itemList) (*matchingView, error) {
	if l.Next == "" {
		return nil, nil
	}
	m, err := s.svc.CountMatching(r.Context(), actor(r), l.filter, l.All)
	if err != nil {
		return nil, err
	}
	return &matchingView{Count: countPhrase(m.Count, "item", "items"), More: m.More, Link: matchingPath(r, l.All),
		Filtered: l.filter.Query != "" || l.filter.CategoryID != nil}, nil
}

// deleteMatchingPage confirms deleting every live item the search matches.
func (s *Server) deleteMatchingPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.matchingConfirmation(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "bulk_delete", "Delete "+v.Count+"?", v)
}

// deleteMatching moves every live item the search matches to the Trash,
// once the count the person saw (expect) still holds and, past the friction
// threshold, they typed it.
func (s *Server) deleteMatching(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	// note: expect and newest are what the confirmation counted (see
	// service.Matching): how many, and the newest id, so nothing made since
	// is taken.
	expect, err := strconv.Atoi(field(r, "expect"))
	newest, nerr := strconv.ParseInt(field(r, "newest"), 10, 64)
	if err != nil || nerr != nil || expect < 0 || newest < 0 {
		s.htmlError(w, r, shelf.Errorf(shelf.EMALFORMED, "The form does not say how many items it confirms; go back to the list and try again."))
		return
	}
	f, all, err := itemFilter(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	res, err := s.svc.TrashMatching(r.Context(), actor(r), f, all, service.Matching{Count: expect, Newest: newest}, formConfirmation(r, "confirm_count"))
	if err != nil {
		if shelf.ErrorCode(err) != shelf.EINVALID {
			s.htmlError(w, r, err)
			return
		}
		p := s.refusal(w, r, err)
		// note: the page is counted again, so that it offers what matches now.
		v, verr := s.matchingConfirmation(r)
		if verr != nil {
			s.htmlError(w, r, verr)
			return
		}
		v.Message, v.Error = refusalMessage(p), p.Errors["confirm_count"]
		if msg := p.Errors["ids"]; msg != "" {
			v.Message = msg
		}
		v.Reason = reasonField{Value: field(r, "reason"), Error: p.Errors["reason"]}
		s.render(w, r, p.Status, "bulk_delete", "Delete "+v.Count+"?", v)
		return
	}
	if res.Job != nil {
		redirect(w, r, jobPath(res.Job.ID))
		return
	}
	s.setFlash(r, bulkFlash(res))
	redirect(w, r, pageLink("/items", "", listFilters(r, all)))
}

// matchingConfirmation is the bulk confirmation of everything the search at
// r matches: the count, the first few names, where the form posts.
func (s *Server) matchingConfirmation(r *http.Request) (bulkDeleteView, error) {
	f, all, err := itemFilter(r)
	if err != nil {
		return bulkDeleteView{}, err
	}
	f.After, f.Limit = "", bulkShown
	ctx, a := r.Context(), actor(r)
	m, err := s.svc.CountMatching(ctx, a, f, all)
	if err != nil {
		return bulkDeleteView{}, err
	}
	first, err := s.svc.Items(ctx, a, f, all)
	if err != nil {
		return bulkDeleteView{}, err
	}
	v := bulkDeleteView{Number: m.Count, Count: countPhrase(m.Count, "item", "items"), NeedCount: shelf.BulkNeedsCount(m.Count),
		Action: matchingPath(r, all), Matching: &matchingNote{More: m.More, Newest: m.Newest, Back: pageLink("/items", "", listFilters(r, all))}}
	for _, it := range first.Items {
		v.Names = append(v.Names, it.Name)
	}
	v.More = m.Count - len(v.Names)
	return v, nil
}

// matchingNote is what the bulk confirmation says when it takes everything
// a search matches.
type matchingNote struct {
	More   bool   // more match than one request takes: the newest go first
	Newest int64  // the newest id counted: nothing newer is taken
	Back   string // the list, with its search
}
