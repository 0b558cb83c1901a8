package service

import (
	"context"
	"fmt"
	"time"

	"shelf"
	"shelf/store"
)

// WebhookJob is one delivery to make: the next event of a webhook, and which
// attempt this is.
type WebhookJob struct {
	Webhook shelf.Webhook
	Event   shelf.Event
	Attempt int
}

// webhookLease is how long a claimed webhook stays with the worker that
// claimed it: longer than a delivery may take, so that only a worker (or an
// instance) that died leaves it to another, which then sends the same event
// again with the same webhook-id.
const webhookLease = shelf.WebhookTimeout + 20*time.Second

// NextWebhookDelivery claims the first webhook after afterID that is due,
// and returns its next event to send. claimed is false when no webhook is
// left after afterID; a claimed webhook with nothing to send comes back with
// a zero Event and is released at once. A claim holds for one worker of one
// instance at a time (a lease, taken with FOR UPDATE SKIP LOCKED).
func (s *Service) NextWebhookDelivery(ctx context.Context, afterID int64) (job WebhookJob, claimed bool, err error) {
	var due bool
	err = s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		due, err = tx.AnyWebhookDue(ctx, afterID, s.Now())
		return err
	})
	if err != nil || !due {
		return job, false, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		now := s.Now()
		w, err := tx.ClaimWebhook(ctx, afterID, now, now.Add(webhookLease))
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			claimed = false
			return nil
		} else if err != nil {
			return err
		}
		claimed = true
		f := shelf.EventFilter{After: w.Cursor, Actions: w.Events, Limit: 1}
		if !w.All {
			f.OwnerID = &w.OwnerID
		}
		evs, err := tx.Events(ctx, f)
		if err != nil {
			return err
		}
		if err := s.openEvents(ctx, tx, evs); err != nil {
			return err
		}
		job = WebhookJob{Webhook: w, Attempt: w.Attempt + 1}
		if len(evs) == 0 {
			return tx.ReleaseWebhook(ctx, w.ID)
		}
		job.Event = evs[0]
		return nil
	})
	return job, claimed, err
}

// FinishWebhookDelivery records how an attempt went and decides what comes
// next: a 2xx moves the webhook to its next event; 410 Gone disables it;
// anything else (status nil: no answer) is retried after the next step of
// shelf.WebhookBackoff, and after the last step the event is given up on.
func (s *Service) FinishWebhookDelivery(ctx context.Context, job WebhookJob, status *int, errText string) (shelf.WebhookDelivery, error) {
	now := s.Now()
	d := shelf.WebhookDelivery{WebhookID: job.Webhook.ID, EventID: job.Event.ID, Attempt: job.Attempt, Status: status, At: now}
	cursor := ""
	var disabled *time.Time
	switch {
	case status != nil && *status >= 200 && *status < 300:
		cursor = job.Event.Cursor
	case status != nil && *status == 410:
		disabled = &now
		errText = "The receiver answered 410 Gone: the webhook is disabled."
	case job.Attempt <= len(shelf.WebhookBackoff):
		next := now.Add(shelf.WebhookBackoff[job.Attempt-1])
		d.NextAttemptAt = &next
	default:
		cursor = job.Event.Cursor
		errText = fmt.Sprintf("%s Given up after %d attempts.", errText, job.Attempt)
	}
	if errText != "" {
		d.Error = &errText
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.RecordDelivery(ctx, d, cursor, disabled) })
	return d, err
}
