package web

import (
	"net/http"

	"shelf"
)

// tokensView is the data of the API tokens page; Secret is set only on the
// response that creates a token, the one time it is shown.
type tokensView struct {
	Tokens  []shelf.APIToken
	Name    string
	Error   string
	Created *shelf.APIToken
	Secret  string
}

// tokensPage lists the user's API tokens, with a form to make one.
func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, tokensView{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, v tokensView) {
	ts, err := s.svc.Tokens(r.Context(), actor(r))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Tokens = ts
	s.render(w, r, status, "tokens", "API tokens", v)
}

// createTokenForm makes a token and shows its secret on this response only:
// not a redirect, since a secret must never be stored in a flash.
func (s *Server) createTokenForm(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	name := r.PostForm.Get("name")
	tk, secret, err := s.svc.CreateToken(r.Context(), actor(r), name)
	if e := shelf.AsError(err); e != nil && e.Code == shelf.EINVALID {
		s.renderTokens(w, r, http.StatusUnprocessableEntity, tokensView{Name: name, Error: e.Fields["name"]})
		return
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.renderTokens(w, r, http.StatusCreated, tokensView{Created: &tk, Secret: secret})
}

// deleteTokenForm revokes a token; it stops working at once.
func (s *Server) deleteTokenForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	tk, err := s.svc.DeleteToken(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Revoked the token " + quoted(tk.Name) + "; it no longer works."})
	redirect(w, r, "/tokens")
}

// deleteTokenPage is the no-script path of Revoke: it says what revoking
// does, and that it cannot be undone, before it is done.
func (s *Server) deleteTokenPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	tk, err := s.svc.Token(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "token_delete", "Revoke the token "+quoted(tk.Name)+"?", tk)
}
