package web

import (
	"net/http"

	"shelf"
)

// userEraseView is the data of the page that confirms erasing a user: what
// goes, the email to type, and why a try was refused.
type userEraseView struct {
	Target  shelf.User
	Live    string
	Trashed string
	Typed   string
	Error   string          // what is wrong with the typed email
	Message string          // why the erasure was refused
	Blocked []shelf.Blocker // what stands in the way (legal holds)
}

// eraseUserPage confirms erasing a user, with the friction of a user
// delete and more: their email must be typed.
func (s *Server) eraseUserPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	s.renderUserErase(w, r, http.StatusOK, id, userEraseView{})
}

func (s *Server) renderUserErase(w http.ResponseWriter, r *http.Request, status int, id int64, v userEraseView) {
	im, err := s.svc.DeleteUserImpact(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	u := im.User
	v.Target = u
	v.Live, v.Trashed = countPhrase(im.LiveItems, "live item", "live items"), countPhrase(im.TrashedItems, "trashed item", "trashed items")
	s.render(w, r, status, "user_erase", "Erase "+u.Name+"?", v)
}

// eraseUser erases a user once their email is typed (or, past the job
// threshold, leads to the job that does); a refusal re-renders the page
// with its status and reason.
func (s *Server) eraseUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	v := userEraseView{Typed: field(r, "confirm_email")}
	res, err := s.svc.EraseUser(r.Context(), actor(r), id, v.Typed)
	if err != nil {
		p := s.refusal(w, r, err)
		if p.Status == http.StatusNotFound {
			s.htmlError(w, r, err)
			return
		}
		v.Error, v.Message, v.Blocked = p.Errors["confirm_email"], refusalMessage(p), p.Blockers
		s.renderUserErase(w, r, p.Status, id, v)
		return
	}
	if res.Job != nil {
		redirect(w, r, jobPath(res.Job.ID))
		return
	}
	// note: the flash names the user by id only; their name and email are
	// exactly what was erased.
	s.setFlash(r, flash{Kind: "success", Text: "Erased user #" + itoa(id) + "; nothing of them is left."})
	redirect(w, r, "/admin/users")
}
