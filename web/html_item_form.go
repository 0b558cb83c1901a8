package web

import (
	"net/http"
	"strconv"
	"strings"

	"shelf"
)

// itemForm is the data of the create and edit forms: the fields as the user
// typed them, so that nothing typed is lost when the form comes back.
type itemForm struct {
	ID          int64 // 0 when creating
	Version     int64
	Name        string
	Description string
	Quantity    string
	CategoryID  int64
	Categories  []shelf.Category
	Errors      map[string]string
	Message     string
	Current     *shelf.Item // the saved item, when someone else changed it
}

// newItemPage shows an empty item form.
func (s *Server) newItemPage(w http.ResponseWriter, r *http.Request) {
	s.renderItemForm(w, r, http.StatusOK, itemForm{Quantity: "1"})
}

// createItem adds an item and shows it.
func (s *Server) createItem(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	form, in, bad := readItemForm(r)
	if bad != nil {
		s.itemFormFailed(w, r, form, bad)
		return
	}
	it, err := s.svc.CreateItem(r.Context(), actor(r), in)
	if err != nil {
		s.itemFormFailed(w, r, form, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Created " + quoted(it.Name) + "."})
	redirect(w, r, "/items/"+itoa(it.ID))
}

// editItemPage shows an item's edit form, with the version it was read at.
func (s *Server) editItemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	it, err := s.svc.Item(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.renderItemForm(w, r, http.StatusOK, formOf(it))
}

// formOf is an item's edit form filled with what is saved.
func formOf(it shelf.Item) itemForm {
	f := itemForm{ID: it.ID, Version: it.Version, Name: it.Name, Description: it.Description,
		Quantity: strconv.FormatInt(it.Quantity, 10)}
	if it.CategoryID != nil {
		f.CategoryID = *it.CategoryID
	}
	return f
}

// updateOrDeleteItem is POST /items/{id}: an edit, or, with _method=DELETE
// (the method override of HTML forms, honoured only on POST), a move to the
// Trash.
func (s *Server) updateOrDeleteItem(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	if strings.EqualFold(field(r, "_method"), http.MethodDelete) {
		s.trashItem(w, r, id)
		return
	}
	form, in, bad := readItemForm(r)
	form.ID = id
	version, err := formVersion(r)
	if err == nil && version == 0 {
		err = shelf.Errorf(shelf.EMALFORMED, "The form has no version; reload the page and try again.")
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	form.Version = version
	if bad != nil {
		s.itemFormFailed(w, r, form, bad)
		return
	}
	it, err := s.svc.UpdateItem(r.Context(), actor(r), id, in, version)
	if err != nil {
		s.itemFormFailed(w, r, form, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Saved " + quoted(it.Name) + "."})
	redirect(w, r, "/items/"+itoa(it.ID))
}

// readItemForm reads the item fields as typed, and the input they make. A
// field that cannot even be read (a quantity that is not a number) is
// reported with every other invalid field in one EINVALID error.
func readItemForm(r *http.Request) (itemForm, shelf.ItemInput, error) {
	f := itemForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"),
		Quantity: field(r, "quantity")}
	in := shelf.ItemInput{Name: f.Name, Description: f.Description}
	bad := map[string]string{}
	if q, err := strconv.ParseInt(f.Quantity, 10, 64); err == nil {
		in.Quantity = q
	} else if f.Quantity == "" {
		bad["quantity"] = "Quantity is required."
	} else {
		bad["quantity"] = "Quantity must be a whole number."
	}
	if c := field(r, "category_id"); c != "" {
		id, err := parseID(c)
		if err != nil {
			bad["category_id"] = "Category does not exist."
		} else {
			in.CategoryID, f.CategoryID = &id, id
		}
	}
	if len(bad) == 0 {
		return f, in, nil
	}
	in.Normalize()
	if e := shelf.AsError(in.Validate()); e != nil {
		for k, msg := range e.Fields {
			if _, ok := bad[k]; !ok {
				bad[k] = msg
			}
		}
	}
	return f, in, shelf.Invalid(bad)
}

// itemFormFailed shows the form again when the service refused it: invalid
// fields (422), a name in use (409), or a change by someone else since the
// form was read (412, with the saved values beside the user's). Anything
// else is an error page.
func (s *Server) itemFormFailed(w http.ResponseWriter, r *http.Request, form itemForm, err error) {
	e := shelf.AsError(err)
	if e == nil || (e.Code != shelf.EINVALID && e.Code != shelf.ENAMETAKEN && e.Code != shelf.ECONFLICT && e.Code != shelf.EPRECONDITION) {
		s.htmlError(w, r, err)
		return
	}
	form.Errors, form.Message = e.Fields, e.Message
	switch e.Code {
	case shelf.ENAMETAKEN, shelf.ECONFLICT:
		form.Errors = map[string]string{"name": e.Message}
	case shelf.EPRECONDITION:
		cur, err := s.svc.Item(r.Context(), actor(r), form.ID)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		// note: the form now carries the current version, so saving again
		// knowingly overwrites the other change; the user's input is kept.
		form.Current, form.Version = &cur, cur.Version
		form.Message = "This item was changed by someone else since you opened it. Your changes are kept below; compare them with what is saved now, then save again to overwrite it."
	}
	s.renderItemForm(w, r, statusOf(e.Code), form)
}

// renderItemForm renders the create or edit form with the user's categories.
func (s *Server) renderItemForm(w http.ResponseWriter, r *http.Request, status int, form itemForm) {
	cats, err := s.svc.Categories(r.Context(), actor(r))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if form.CategoryID != 0 && !hasCategory(cats, form.CategoryID) {
		// note: an admin editing someone else's item must not lose its
		// category just because the list shows the admin's own.
		name := s.categoryNamer(r, nil)(&form.CategoryID)
		cats = append([]shelf.Category{{ID: form.CategoryID, Name: name}}, cats...)
	}
	form.Categories = cats
	title := "New item"
	if form.ID != 0 {
		// note: the title names the item as saved, not as half-typed.
		name := strings.TrimSpace(form.Name)
		if form.Current != nil {
			name = form.Current.Name
		} else if form.Errors["name"] != "" {
			name = ""
		}
		title = "Edit item"
		if name != "" {
			title = "Edit " + quoted(name)
		}
	}
	s.render(w, r, status, "item_form", title, form)
}

func hasCategory(cs []shelf.Category, id int64) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}
