package web

import (
	"net/http"

	"shelf"
)

// addNote writes a note on an item; an empty note comes back with its error.
func (s *Server) addNote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	body := r.PostForm.Get("body")
	if _, err := s.svc.AddNote(r.Context(), actor(r), id, body); err != nil {
		e := shelf.AsError(err)
		if e == nil || e.Code != shelf.EINVALID {
			s.htmlError(w, r, err)
			return
		}
		s.renderItem(w, r, http.StatusUnprocessableEntity, id, itemView{NoteBody: body, NoteError: e.Fields["body"]})
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Note added."})
	redirect(w, r, "/items/"+itoa(id))
}

// noteDeleteView is the data of the page that confirms deleting a note.
type noteDeleteView struct {
	Item shelf.Item
	Note shelf.Note
}

// deleteNotePage confirms deleting a note, showing it with its item.
func (s *Server) deleteNotePage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	n, it, err := s.svc.Note(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "note_delete", "Delete this note?", noteDeleteView{Item: it, Note: n})
}

// deleteNote deletes a note for good and goes back to its item.
func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	n, err := s.svc.DeleteNote(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Deleted the note."})
	redirect(w, r, "/items/"+itoa(n.ItemID))
}

// lendItem records a loan; invalid input comes back on the item's page.
func (s *Server) lendItem(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	borrower, dueText := r.PostForm.Get("borrower"), field(r, "due_at")
	again := itemView{Borrower: borrower, Due: dueText}
	due, err := parseDue(dueText)
	if err == nil {
		_, err = s.svc.LendItem(r.Context(), actor(r), id, borrower, due)
	}
	if err != nil {
		e := shelf.AsError(err)
		if e == nil || e.Code != shelf.EINVALID {
			s.htmlError(w, r, err)
			return
		}
		again.LendErrors = e.Fields
		s.renderItem(w, r, http.StatusUnprocessableEntity, id, again)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Lent to " + field(r, "borrower") + "."})
	redirect(w, r, "/items/"+itoa(id))
}

// returnLoan marks a loan returned and goes back to its item, or, from a
// delete that the loan blocked (then=delete), back to that delete.
func (s *Server) returnLoan(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	l, err := s.svc.ReturnLoan(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Marked the loan to " + l.Borrower + " as returned."})
	if r.PostForm.Get("then") == "delete" {
		redirect(w, r, "/items/"+itoa(l.ItemID)+"/delete")
		return
	}
	redirect(w, r, "/items/"+itoa(l.ItemID))
}
