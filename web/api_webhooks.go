package web

import (
	"context"
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
	writeCreated(w, "webhooks", wh.ID, wh)
}

func (s *Server) apiListWebhooks(w http.ResponseWriter, r *http.Request) {
	answerList(s, w, r, "webhooks", s.svc.Webhooks)
}

func (s *Server) apiGetWebhook(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.Webhook)
}

func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	doByID(s, w, r, s.svc.DeleteWebhook)
}

func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) (map[string][]shelf.WebhookDelivery, error) {
		_, ds, err := s.svc.WebhookDeliveries(ctx, a, id)
		return map[string][]shelf.WebhookDelivery{"deliveries": ds}, err
	})
}
