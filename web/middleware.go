package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"shelf"
	"shelf/service"
)

// reqInfo is what the middleware learns about a request; one pointer in the
// context, filled in as the request goes down the chain.
type reqInfo struct {
	id      string
	addr    string // the client's address (see clientAddr)
	user    *shelf.User
	token   string // the session cookie's value
	session *shelf.Session
	bearer  bool // authenticated with an API token
	refused bool // an authorization or CSRF refusal, logged as such
	// loginToken is the login form's CSRF token for a browser without a
	// session (see loginCookie).
	loginToken string
	// replayBody, when set, is what a replay of this request's answer
	// sends instead of its body (a created token's, without the secret).
	replayBody []byte
}

type ctxKey struct{}

func infoFrom(r *http.Request) *reqInfo {
	if info, ok := r.Context().Value(ctxKey{}).(*reqInfo); ok {
		return info
	}
	return &reqInfo{}
}

// actor is who is asking, for the service.
func actor(r *http.Request) shelf.Actor {
	info := infoFrom(r)
	a := shelf.Actor{RequestID: info.id, RemoteAddr: remoteAddr(r)}
	if info.user != nil {
		a.UserID, a.Role, a.ByToken = info.user.ID, info.user.Role, info.bearer
	}
	return a
}

// remoteAddr is the client's address, as the standard middleware worked it
// out (see clientAddr).
func remoteAddr(r *http.Request) string {
	if info := infoFrom(r); info.addr != "" {
		return info.addr
	}
	return peerAddr(r)
}

// peerAddr is the connection's peer, without port.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientAddr is the address of the client: the connection's peer, unless the
// peer is a trusted proxy, in which case it is the rightmost address of
// X-Forwarded-For that is not itself a trusted proxy.
// note: X-Forwarded-For from anyone else is ignored, since any client can
// send it.
func (s *Server) clientAddr(r *http.Request) string {
	peer := peerAddr(r)
	if !s.trustedProxy(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break
		}
		if !s.trustedProxy(hop) {
			return hop
		}
		peer = hop
	}
	return peer
}

func (s *Server) trustedProxy(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// standard is the chain every request goes through: request id, security
// headers, panic recovery, one log line and metrics.
func (s *Server) standard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: service.NewRequestID()}
		info.addr = s.clientAddr(r)
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, info))
		h := w.Header()
		h.Set("X-Request-Id", info.id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		if s.cfg.SecureCookies { // served over HTTPS: browsers must not fall back to HTTP
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "request_id", info.id, "panic", p)
				if sw.status == 0 {
					s.apiError(sw, r, shelf.Errorf(shelf.EINTERNAL, "internal"))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			s.metrics.observe(route, r.Method, status, elapsed)
			attrs := []any{"request_id", info.id, "method", r.Method, "route", route, "path", r.URL.Path,
				"status", status, "bytes", sw.bytes, "duration_ms", float64(elapsed.Microseconds()) / 1000, "remote", remoteAddr(r)}
			if info.user != nil {
				attrs = append(attrs, "user_id", info.user.ID)
			}
			if info.refused {
				attrs = append(attrs, "refused", true)
				s.log.Warn("request refused", attrs...)
				return
			}
			s.log.Info("request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// withSession loads the session cookie's session and its user, if any.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r)
		if c, err := r.Cookie(sessionCookie); err == nil {
			ss, err := s.svc.LoadSession(r.Context(), c.Value)
			switch shelf.ErrorCode(err) {
			case "":
				info.token, info.session = c.Value, &ss
				if ss.UserID != 0 {
					u, err := s.svc.User(r.Context(), shelf.System(info.id), ss.UserID)
					if err != nil && shelf.ErrorCode(err) != shelf.ENOTFOUND {
						s.fail(w, r, err)
						return
					}
					if err == nil {
						info.user = &u
					}
				}
			case shelf.ENOTFOUND:
				// an unknown or expired cookie is no session at all
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withAPIAuth authenticates an API request: a Bearer token, or else the
// session cookie.
func (s *Server) withAPIAuth(next http.Handler) http.Handler {
	withSession := s.withSession(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			withSession.ServeHTTP(w, r)
			return
		}
		secret, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			s.apiError(w, r, shelf.Errorf(shelf.EUNAUTHORIZED, "Use an Authorization: Bearer token."))
			return
		}
		u, err := s.svc.AuthenticateToken(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		info := infoFrom(r)
		info.user, info.bearer = &u, true
		next.ServeHTTP(w, r)
	})
}

// requireLogin answers 401 to an API request from nobody, and sends a
// browser to the login page.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if infoFrom(r).user != nil {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			s.apiError(w, r, shelf.Errorf(shelf.EUNAUTHORIZED, "Log in, or send an API token."))
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
}

// requireAdmin refuses members with 403.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := infoFrom(r).user; u == nil || u.Role != shelf.RoleAdmin {
			s.fail(w, r, shelf.Errorf(shelf.EFORBIDDEN, "Only an administrator may do this."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// csrf checks the synchronizer token of a state-changing request made with a
// session cookie: the csrf_token form field or the X-CSRF-Token header must
// equal the session's token. API-token requests carry no ambient authority
// and need none. GET and HEAD never change state, so they are not checked.
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r)
		if r.Method == http.MethodGet || r.Method == http.MethodHead || info.bearer {
			next.ServeHTTP(w, r)
			return
		}
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" && !isAPI(r) {
			if err := parseForm(w, r); err != nil {
				s.fail(w, r, err)
				return
			}
			sent = r.PostForm.Get("csrf_token")
		}
		want := ""
		if info.session != nil {
			want = info.session.CSRFToken
		} else if c, err := r.Cookie(loginCookie); err == nil && validLoginToken(c.Value) {
			// note: only the login routes let a browser without a session
			// this far (the others require a login first).
			want, info.loginToken = c.Value, c.Value
		}
		if want == "" || sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
			info.refused = true
			s.csrfFailed(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isAPI reports whether a request is for the JSON API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// fail writes an error the way the request's side expects: problem+json for
// the API, an HTML page for browsers.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.htmlError(w, r, err)
}

// chain applies middleware so that the first one listed runs first.
func chain(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
