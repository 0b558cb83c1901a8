package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"shelf"
)

// itemRow is one line of the items list or the Trash.
type itemRow struct {
	shelf.Item
	Category string    // "" when uncategorised
	Owner    string    // shown when an admin lists everyone's
	DaysLeft int       // in the Trash: days before the retention purge
	PurgeAt  time.Time // in the Trash: when the retention purge takes it
}

// itemsView is the data of the items list.
type itemsView struct {
	List       listing
	Rows       template.HTML // the table's rows, see itemRowsHTML
	Query      string
	CategoryID int64
	Categories []shelf.Category
	IDsError   string // a bulk delete came with nothing ticked
	Matching   *matchingView
}

// listing is what the items list and the Trash show around their rows: whose
// items, and the links between pages. The views hold it in a named field, not
// embedded: html/template finds a promoted field through reflect's slow
// FieldByName path, which allocates on every lookup (35 allocations a page).
type listing struct {
	All       bool // an admin listing everyone's items
	CanSeeAll bool
	Paged     bool   // not the first page
	First     string // the first page's address
	Next      string // the next page's address, "" on the last
}

// itemList is one page of a list of items, as the items list and the Trash
// read it for a request.
type itemList struct {
	listing
	filter shelf.ItemFilter
	rows   []itemRow
	cats   []shelf.Category // the actor's own
}

// listItems reads the page of the list at path (its filter, scope and cursor
// from the request) with list, and names each row's category and owner.
func (s *Server) listItems(r *http.Request, path string,
	list func(context.Context, shelf.Actor, shelf.ItemFilter, bool) (shelf.ItemPage, error)) (itemList, error) {
	f, all, err := itemFilter(r)
	if err != nil {
		return itemList{}, err
	}
	ctx, a := r.Context(), actor(r)
	page, err := list(ctx, a, f, all)
	if err != nil {
		return itemList{}, err
	}
	all = page.AllOwners
	cats, err := s.svc.Categories(ctx, a)
	if err != nil {
		return itemList{}, err
	}
	rows, err := s.itemRows(r, page.Items, cats, all)
	if err != nil {
		return itemList{}, err
	}
	l := itemList{filter: f, rows: rows, cats: cats,
		listing: listing{All: all, CanSeeAll: a.IsAdmin(), Paged: f.After != "", First: pageLink(path, "", listFilters(r, all))}}
	if page.Next != "" {
		l.Next = pageLink(path, page.Next, listFilters(r, all))
	}
	return l, nil
}

// itemsPage lists the user's live items, newest first, a page at a time.
func (s *Server) itemsPage(w http.ResponseWriter, r *http.Request) {
	s.renderItems(w, r, http.StatusOK, "")
}

// renderItems renders the items list with a status; idsError says that a
// bulk delete came with nothing ticked.
func (s *Server) renderItems(w http.ResponseWriter, r *http.Request, status int, idsError string) {
	l, err := s.listItems(r, "/items", s.svc.Items)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	ids := make([]int64, len(l.rows))
	for i, row := range l.rows {
		ids[i] = row.ID
	}
	loans, err := s.svc.LoanStates(r.Context(), actor(r), ids)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rows := make([]listRow, len(l.rows))
	for i, row := range l.rows {
		ls := loans[row.ID]
		rows[i] = listRow{ID: row.ID, Name: row.Name, Category: row.Category, Quantity: row.Quantity, Owner: row.Owner, Version: row.Version,
			OnLoan: ls.Active > 0, Overdue: ls.Overdue > 0}
	}
	v := itemsView{List: l.listing, Rows: itemRowsHTML(rows, l.All), Query: l.filter.Query, Categories: l.cats, IDsError: idsError}
	if l.filter.CategoryID != nil {
		v.CategoryID = *l.filter.CategoryID
	}
	if v.Matching, err = s.matchingOffer(r, l); err != nil {
		s.htmlError(w, r, err)
		return
	}
	title := "Your items"
	if l.All {
		title = "Everyone’s items"
	}
	s.render(w, r, status, "items", title, v)
}

// listFilters are the query parameters a list keeps from page to page.
func listFilters(r *http.Request, all bool) url.Values {
	q := r.URL.Query()
	keep := url.Values{"q": {q.Get("q")}, "category": {q.Get("category")}, "limit": {q.Get("limit")}}
	if all {
		keep.Set("all", "1")
	}
	return keep
}

// itemRows adds what a list shows beside each item: its category's name and,
// when an admin lists everyone's, its owner's.
func (s *Server) itemRows(r *http.Request, items []shelf.Item, own []shelf.Category, all bool) ([]itemRow, error) {
	names := s.categoryNamer(r, own)
	owners := map[int64]string{}
	if all {
		users, err := s.svc.Users(r.Context(), actor(r))
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			owners[u.ID] = u.Name
		}
	}
	rows := make([]itemRow, 0, len(items))
	for _, it := range items {
		rows = append(rows, itemRow{Item: it, Category: names(it.CategoryID), Owner: owners[it.OwnerID]})
	}
	return rows, nil
}

// categoryNamer names categories: the user's own from the list at hand, and
// others' (which only an admin meets) one at a time, remembered.
func (s *Server) categoryNamer(r *http.Request, own []shelf.Category) func(*int64) string {
	names := make(map[int64]string, len(own))
	for _, c := range own {
		names[c.ID] = c.Name
	}
	return func(id *int64) string {
		if id == nil {
			return ""
		}
		if n, ok := names[*id]; ok {
			return n
		}
		n := "Category " + itoa(*id)
		if c, err := s.svc.Category(r.Context(), actor(r), *id); err == nil {
			n = c.Name
		}
		names[*id] = n
		return n
	}
}

// itemView is the data of an item's page, with what the note and lend forms
// were sent with when they need correcting.
type itemView struct {
	Item       shelf.Item
	Category   string
	Notes      []shelf.Note
	Loans      []shelf.Loan
	Active     int // active loans
	NoteBody   string
	NoteError  string
	Borrower   string
	Due        string
	LendErrors map[string]string
	Photos     photosView
	Now        time.Time // for the loans' Overdue badges
}

// itemPage shows an item with its notes and loans.
func (s *Server) itemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	s.renderItem(w, r, http.StatusOK, id, itemView{})
}

// renderItem renders an item's page with a status; v carries any form input
// to show again.
func (s *Server) renderItem(w http.ResponseWriter, r *http.Request, status int, id int64, v itemView) {
	ctx, a := r.Context(), actor(r)
	it, err := s.svc.Item(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	notes, err := s.svc.Notes(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	loans, err := s.svc.Loans(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	photos, err := s.svc.ItemPhotos(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Item, v.Notes, v.Loans, v.Now = it, notes, loans, s.svc.Now()
	v.Photos = newPhotosView(photos, v.Photos.Error)
	for _, l := range loans {
		if l.Active() {
			v.Active++
		}
	}
	v.Category = s.categoryNamer(r, nil)(it.CategoryID)
	s.render(w, r, status, "item", it.Name, v)
}
