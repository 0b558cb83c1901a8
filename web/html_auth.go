package web

import (
	"net/http"

	"shelf"
)

// loginFailed is the one answer to a failed login, whether the email is
// unknown or the password wrong, so that it tells nobody which.
const loginFailed = "Email or password is incorrect."

// loginForm is the data of the login page.
type loginForm struct {
	Email   string
	Message string
	Deleted bool // the browser comes from deleting its account
}

// home sends the browser to its items (and, through requireLogin, anyone
// else to the login page).
func (s *Server) home(w http.ResponseWriter, r *http.Request) { redirect(w, r, "/items") }

// loginPage shows the login form. A browser without a session gets the
// form's CSRF token in a cookie (see loginCookie), and no stored session.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	info := infoFrom(r)
	if info.user != nil {
		redirect(w, r, "/items")
		return
	}
	if info.session == nil {
		if _, err := r.Cookie(sessionCookie); err == nil {
			s.clearSessionCookie(w) // unknown or expired: no use to anyone
		}
		info.loginToken = s.loginToken(w, r)
	}
	s.render(w, r, http.StatusOK, "login", "Log in", loginForm{Deleted: r.URL.Query().Get("account") == "deleted"})
}

// login checks the credentials and, on success, replaces the session with a
// new one for the user: the id is renewed at login, so a session id planted
// before it is worthless.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	ctx, info := r.Context(), infoFrom(r)
	email, password := field(r, "email"), r.PostForm.Get("password")
	u, err := s.svc.Login(ctx, email, password, remoteAddr(r))
	if shelf.ErrorCode(err) == shelf.EUNAUTHORIZED {
		info.refused = true
		s.render(w, r, http.StatusUnauthorized, "login", "Log in", loginForm{Email: email, Message: loginFailed})
		return
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if info.token != "" {
		if err := s.svc.EndSession(ctx, info.token); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	token, _, err := s.svc.StartSession(ctx, u.ID, "")
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setSessionCookie(w, token)
	s.clearLoginCookie(w)
	redirect(w, r, "/items")
}

// logout destroys the session on the server, not just the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if info := infoFrom(r); info.token != "" {
		if err := s.svc.EndSession(r.Context(), info.token); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w)
	redirect(w, r, "/login")
}
