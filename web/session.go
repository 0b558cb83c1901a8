package web

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"time"

	"shelf/service"
)

// sessionCookie is the name of the session cookie.
const sessionCookie = "shelf_session"

// setSessionCookie sends the session cookie: HttpOnly, SameSite=Lax, Secure
// with --secure-cookies, and no longer-lived than the session itself.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies, MaxAge: int(service.SessionLifetime.Seconds()),
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies, MaxAge: -1,
	})
}

// loginCookie carries the CSRF token of the login form to a browser that
// has no session. It is a double-submit token: the form must send back what
// the cookie holds, which a foreign site can neither read nor set (the
// cross-origin layer refuses its posts before that, too). Nothing is stored
// for it, so requests for the login page cannot fill the sessions table.
const loginCookie = "shelf_login"

// loginCookieAge is how long a login form stays usable.
const loginCookieAge = 2 * time.Hour

// loginToken gives a browser without a session the login form's CSRF token:
// the one its login cookie holds, or a fresh one, set in the cookie now.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCookie); err == nil && validLoginToken(c.Value) {
		return c.Value
	}
	token := rand.Text()
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.cfg.SecureCookies, MaxAge: int(loginCookieAge.Seconds()),
	})
	return token
}

// validLoginToken reports whether a login cookie's value has the form that
// loginToken gives (26 characters of base32), so that no other value, empty
// or chosen, ever serves as a token.
func validLoginToken(v string) bool {
	if len(v) != 26 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

func (s *Server) clearLoginCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies, MaxAge: -1})
}

// flash is a message shown once on the next page; after a delete it carries
// the Undo form's target.
type flash struct {
	Kind   string `json:"kind"` // "success" or "error"
	Text   string `json:"text"`
	Undo   string `json:"undo,omitempty"`   // the form action that undoes the change
	Cohort string `json:"cohort,omitempty"` // the cohort field of that form, if any
}

// setFlash stores a flash for the session's next page.
func (s *Server) setFlash(r *http.Request, f flash) {
	info := infoFrom(r)
	if info.token == "" {
		return
	}
	b, _ := json.Marshal(f)
	if err := s.svc.SetFlash(r.Context(), info.token, string(b)); err != nil {
		s.log.Warn("flash not saved", "request_id", info.id, "err", err)
	}
}

// takeFlash returns the session's flash and clears it, so it shows once.
func (s *Server) takeFlash(r *http.Request) *flash {
	info := infoFrom(r)
	if info.session == nil || info.session.Flash == "" {
		return nil
	}
	var f flash
	if err := json.Unmarshal([]byte(info.session.Flash), &f); err != nil {
		return nil
	}
	info.session.Flash = ""
	if err := s.svc.SetFlash(r.Context(), info.token, ""); err != nil {
		s.log.Warn("flash not cleared", "request_id", info.id, "err", err)
	}
	return &f
}

// redirect ends a successful state change: 303 See Other, so a reload does
// not repeat the POST.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
