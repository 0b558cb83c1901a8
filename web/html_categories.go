package web

import (
	"net/http"

	"shelf"
)

// categoriesView is the data of the categories page, with the create form's
// input when it needs correcting.
type categoriesView struct {
	Categories []shelf.Category
	Name       string
	Error      string
}

// categoriesPage lists the user's categories, with a form to add one.
func (s *Server) categoriesPage(w http.ResponseWriter, r *http.Request) {
	s.renderCategories(w, r, http.StatusOK, categoriesView{})
}

func (s *Server) renderCategories(w http.ResponseWriter, r *http.Request, status int, v categoriesView) {
	cs, err := s.svc.Categories(r.Context(), actor(r))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Categories = cs
	s.render(w, r, status, "categories", "Categories", v)
}

// createCategory adds a category; an invalid (422) or taken (409) name comes
// back with its error.
func (s *Server) createCategory(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	name := r.PostForm.Get("name")
	c, err := s.svc.CreateCategory(r.Context(), actor(r), name)
	if e := shelf.AsError(err); e != nil && (e.Code == shelf.EINVALID || e.Code == shelf.ENAMETAKEN || e.Code == shelf.ECONFLICT) {
		msg := e.Fields["name"]
		if msg == "" {
			msg = e.Message
		}
		s.renderCategories(w, r, statusOf(e.Code), categoriesView{Name: name, Error: msg})
		return
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Created category " + quoted(c.Name) + "."})
	redirect(w, r, "/categories")
}

// categoryDeleteView is the data of the page that confirms deleting a
// category.
type categoryDeleteView struct {
	Category shelf.Category
	Items    string // "3 items"
	Number   int
	Message  string
}

// deleteCategoryPage states what deleting a category does: its items, live
// and trashed, become uncategorised.
func (s *Server) deleteCategoryPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	s.renderCategoryDelete(w, r, id, nil)
}

func (s *Server) renderCategoryDelete(w http.ResponseWriter, r *http.Request, id int64, failure error) {
	ctx, a := r.Context(), actor(r)
	c, err := s.svc.Category(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	n, err := s.svc.CategoryImpact(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := categoryDeleteView{Category: c, Number: n, Items: countPhrase(n, "item", "items")}
	status := http.StatusOK
	if failure != nil {
		p := s.refusal(w, r, failure)
		status, v.Message = p.Status, p.Detail
	}
	s.render(w, r, status, "category_delete", "Delete category "+quoted(c.Name)+"?", v)
}

// deleteCategory deletes a category; its items stay, uncategorised.
func (s *Server) deleteCategory(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	del, err := s.svc.DeleteCategory(r.Context(), actor(r), id)
	if err != nil {
		s.renderCategoryDelete(w, r, id, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Deleted category " + quoted(del.Category.Name) + "; " +
		countPhrase(del.Uncategorised, "item is", "items are") + " now uncategorised."})
	redirect(w, r, "/categories")
}
