package web

import (
	"encoding/json"
	"net/http"

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

// ensureSession gives a browser without a session an anonymous one, so that
// the login form has a CSRF token to carry.
func (s *Server) ensureSession(w http.ResponseWriter, r *http.Request) error {
	info := infoFrom(r)
	if info.session != nil {
		return nil
	}
	token, ss, err := s.svc.StartSession(r.Context(), 0, "")
	if err != nil {
		return err
	}
	info.token, info.session = token, &ss
	s.setSessionCookie(w, token)
	return nil
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
