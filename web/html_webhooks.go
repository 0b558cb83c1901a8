package web

import (
	"net/http"

	"shelf"
)

// webhooksPage lists the user's webhooks, each with a link to its log.
func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) {
	ws, err := s.svc.Webhooks(r.Context(), actor(r))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "webhooks", "Webhooks", struct{ Webhooks []shelf.Webhook }{ws})
}

// webhookDeliveriesView is the data of a webhook's delivery log page.
type webhookDeliveriesView struct {
	Webhook    shelf.Webhook
	Deliveries []shelf.WebhookDelivery
}

// webhookDeliveriesPage shows a webhook's latest delivery attempts to its
// owner (or an admin).
func (s *Server) webhookDeliveriesPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	wh, ds, err := s.svc.WebhookDeliveries(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "webhook_deliveries", "Webhook deliveries", webhookDeliveriesView{Webhook: wh, Deliveries: ds})
}
