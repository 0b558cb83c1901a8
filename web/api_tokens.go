package web

import (
	"encoding/json"
	"net/http"

	"shelf"
)

// createdToken is the one response that carries a token's secret.
type createdToken struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Token *string `json:"token"` // null when an Idempotency-Key replays the answer
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.svc.Tokens(r.Context(), actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]shelf.APIToken{"tokens": ts})
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	tk, secret, err := s.svc.CreateToken(r.Context(), actor(r), body.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tokens/"+itoa(tk.ID))
	// note: the secret is shown once; a replay of this answer under an
	// Idempotency-Key has the token without it.
	infoFrom(r).replayBody, _ = json.Marshal(createdToken{ID: tk.ID, Name: tk.Name})
	writeJSON(w, http.StatusCreated, createdToken{ID: tk.ID, Name: tk.Name, Token: &secret})
}

func (s *Server) apiDeleteToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.DeleteToken(r.Context(), actor(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
