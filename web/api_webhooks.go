package web

import (
	"net/http"

	"shelf"
	"shelf/service"
)

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request) {
	var in service.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	wh, err := s.svc.CreateWebhook(r.Context(), actor(r), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+itoa(wh.ID))
	writeJSON(w, http.StatusCreated, wh)
}

func (s *Server) apiListWebhooks(w http.ResponseWriter, r *http.Request) {
	ws, err := s.svc.Webhooks(r.Context(), actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]shelf.Webhook{"webhooks": ws})
}

func (s *Server) apiGetWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	wh, err := s.svc.Webhook(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wh)
}

func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.DeleteWebhook(r.Context(), actor(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	_, ds, err := s.svc.WebhookDeliveries(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]shelf.WebhookDelivery{"deliveries": ds})
}
