package web

import (
	"net/http"

	"shelf"
	"shelf/service"
)

// userForm is the data of the add-user and reset-password forms: what was
// typed (never the passwords), and why it was refused.
type userForm struct {
	Target  shelf.User // whose password is reset; zero when adding
	Email   string
	Name    string
	Role    string
	Errors  map[string]string
	Message string
}

// newUserPage shows an empty add-user form.
func (s *Server) newUserPage(w http.ResponseWriter, r *http.Request) {
	s.renderUserForm(w, r, http.StatusOK, userForm{Role: string(shelf.RoleMember)})
}

// createUser adds a user with the rules of shelf user add, and lists the
// users with the new one.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	f := userForm{Email: field(r, "email"), Name: r.PostForm.Get("name"), Role: field(r, "role")}
	if err := samePasswords(r); err != nil {
		s.userFormFailed(w, r, f, err)
		return
	}
	u, err := s.svc.CreateUser(r.Context(), actor(r), service.NewUser{Email: f.Email, Name: f.Name,
		Password: r.PostForm.Get("password"), Role: shelf.Role(f.Role)})
	if err != nil {
		s.userFormFailed(w, r, f, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Added " + u.Name + " (" + u.Email + ") as " + string(u.Role) + "; they can log in now."})
	redirect(w, r, "/admin/users")
}

// passwordPage shows the form that sets a user's password.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	u, err := s.svc.User(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.renderUserForm(w, r, http.StatusOK, userForm{Target: u})
}

// resetPassword sets a user's password; the service ends their sessions.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	err := samePasswords(r)
	var res service.PasswordReset
	if err == nil {
		res, err = s.svc.ResetPassword(r.Context(), actor(r), id, r.PostForm.Get("password"))
	}
	if err != nil {
		// note: the form names whose password it sets; a user who is not
		// there is the 404 of that look-up.
		u, uerr := s.svc.User(r.Context(), actor(r), id)
		if uerr != nil {
			s.htmlError(w, r, uerr)
			return
		}
		s.userFormFailed(w, r, userForm{Target: u}, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Set a new password for " + res.User.Name + "; " +
		shelf.Count(res.Sessions, "session of theirs was", "sessions of theirs were") + " ended."})
	redirect(w, r, "/admin/users")
}

// samePasswords refuses a form whose two password fields differ.
// note: the repeat is the form's own guard against a typo, which a single
// line on the command line has no need of; the password's rules are the
// service's.
func samePasswords(r *http.Request) error {
	if r.PostForm.Get("password") != r.PostForm.Get("password_repeat") {
		return shelf.Invalid(map[string]string{"password_repeat": "The two passwords differ; type the same one twice."})
	}
	return nil
}

// userFormFailed shows the form again with why it was refused: invalid
// fields (422), a taken email or an account that cannot be given a
// password (409). Anything else is an error page.
func (s *Server) userFormFailed(w http.ResponseWriter, r *http.Request, f userForm, err error) {
	e := shelf.AsError(err)
	if e == nil || (e.Code != shelf.EINVALID && e.Code != shelf.EEMAILTAKEN && e.Code != shelf.ERESTRICTED) {
		s.htmlError(w, r, err)
		return
	}
	p := s.refusal(w, r, err)
	f.Errors, f.Message = e.Fields, p.Detail
	if e.Code == shelf.EEMAILTAKEN {
		f.Errors = map[string]string{"email": e.Message}
	}
	s.renderUserForm(w, r, p.Status, f)
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, f userForm) {
	if f.Target.ID != 0 {
		s.render(w, r, status, "user_form", "New password for "+f.Target.Name, f)
		return
	}
	s.render(w, r, status, "user_form", "Add a user", f)
}
