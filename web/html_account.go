package web

import (
	"net/http"
	"time"

	"shelf"
)

// accountView is the data of the account page and of the page that
// deletes the account: the grace period, and why a try was refused.
type accountView struct {
	Grace   string            // how long a deleted account waits before its erasure
	Typed   string            // the email as typed
	Errors  map[string]string // what is wrong with the password or the email
	Message string            // why the deletion was refused
	Blocked []shelf.Blocker   // what stands in the way (the last admin: oneself)
}

// graceText says a grace period in days, or hours when shorter.
func graceText(d time.Duration) string {
	if d >= 48*time.Hour {
		return itoa(int64(d/(24*time.Hour))) + " days"
	}
	if d >= 2*time.Hour {
		return itoa(int64(d/time.Hour)) + " hours"
	}
	return d.String()
}

// accountPage shows the user their account: the download of their data
// and the way to delete the account.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account", "Your account", accountView{Grace: graceText(s.svc.AccountGrace())})
}

// deleteAccountPage asks for the password and the email typed before the
// user deletes their own account.
func (s *Server) deleteAccountPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account_delete", "Delete your account?", accountView{Grace: graceText(s.svc.AccountGrace())})
}

// deleteAccount deletes the user's own account: the session ends with it,
// and the browser goes to the login page, which says what happens next. A
// refusal re-renders the page with its status and reason.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	typed := field(r, "confirm_email")
	_, err := s.svc.DeleteOwnAccount(r.Context(), actor(r), r.PostForm.Get("password"), &typed)
	if err != nil {
		p := s.refusal(w, r, err)
		v := accountView{Grace: graceText(s.svc.AccountGrace()), Typed: typed, Errors: p.Errors,
			Message: refusalMessage(p), Blocked: p.Blockers}
		if shelf.ErrorCode(err) == shelf.EFORBIDDEN {
			// note: the wrong password is said at its field.
			v.Errors, v.Message = map[string]string{"password": p.Detail}, ""
		}
		s.render(w, r, p.Status, "account_delete", "Delete your account?", v)
		return
	}
	s.clearSessionCookie(w)
	redirect(w, r, "/login?account=deleted")
}

// restoreAccountForm gives a user back the account they deleted (admins,
// from the users page).
func (s *Server) restoreAccountForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	u, err := s.svc.RestoreAccount(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Restored " + u.Name + "’s account: they can log in with their password again."})
	redirect(w, r, "/admin/users")
}
