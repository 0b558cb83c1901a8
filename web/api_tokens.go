package web

import (
	"context"
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
	answerList(s, w, r, "tokens", s.svc.Tokens)
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
	// note: the secret is shown once; a replay of this answer under an
	// Idempotency-Key has the token without it.
	infoFrom(r).replayBody, _ = json.Marshal(createdToken{ID: tk.ID, Name: tk.Name})
	writeCreated(w, "tokens", tk.ID, createdToken{ID: tk.ID, Name: tk.Name, Token: &secret})
}

func (s *Server) apiDeleteToken(w http.ResponseWriter, r *http.Request) {
	doByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) error {
		_, err := s.svc.DeleteToken(ctx, a, id)
		return err
	})
}
