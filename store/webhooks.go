package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"shelf"
)

const webhookColumns = "id, owner_id, url, events, description, all_owners, secret, created_at, disabled_at, event_cursor, attempt, next_attempt_at"

func scanWebhook(s interface{ Scan(...any) error }) (shelf.Webhook, error) {
	var w shelf.Webhook
	var events string
	var all int
	err := s.Scan(&w.ID, &w.OwnerID, &w.URL, &events, &w.Description, &all, &w.Secret, timeCol{&w.CreatedAt},
		nullTimeCol{&w.DisabledAt}, &w.Cursor, &w.Attempt, nullTimeCol{&w.NextAttemptAt})
	w.Events = strings.Fields(events)
	w.All = all == 1
	return w, err
}

// InsertWebhook adds a webhook and returns it with its id.
func (t *Tx) InsertWebhook(ctx context.Context, w shelf.Webhook) (shelf.Webhook, error) {
	all := 0
	if w.All {
		all = 1
	}
	err := t.queryRow(ctx, []any{&w.ID}, `INSERT INTO webhooks (owner_id, url, events, description, all_owners, secret, created_at, event_cursor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		w.OwnerID, w.URL, strings.Join(w.Events, " "), w.Description, all, w.Secret, ts(w.CreatedAt), w.Cursor)
	return w, err
}

// Webhooks lists webhooks, oldest first: an owner's, or everyone's for nil.
func (t *Tx) Webhooks(ctx context.Context, owner *int64) ([]shelf.Webhook, error) {
	q := `SELECT ` + webhookColumns + ` FROM webhooks`
	var args []any
	if owner != nil {
		q += ` WHERE owner_id = ?`
		args = append(args, *owner)
	}
	rows, err := t.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanWebhook)
}

// WebhookByID returns one webhook, or ENOTFOUND.
func (t *Tx) WebhookByID(ctx context.Context, id int64) (shelf.Webhook, error) {
	var w shelf.Webhook
	rows, err := t.query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return w, err
	}
	ws, err := all(rows, scanWebhook)
	if err != nil {
		return w, err
	}
	if len(ws) == 0 {
		return w, t.d.mapErr(sql.ErrNoRows)
	}
	return ws[0], nil
}

// DeleteWebhook removes a webhook and its deliveries; it reports whether
// there was one.
func (t *Tx) DeleteWebhook(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// webhookDue is the condition of a webhook after the ? id that a worker
// may claim at the ? time (given twice): enabled, due and not leased.
const webhookDue = `id > ? AND disabled_at IS NULL AND (lease_until IS NULL OR lease_until < ?)
	AND (next_attempt_at IS NULL OR next_attempt_at <= ?)`

// AnyWebhookDue reports, in one statement that locks nothing, whether a
// webhook after afterID could be claimed at now. A claim may still find
// none (another worker was faster); what it saves is the write transaction
// of a claim when there is plainly nothing to claim, as after most commits.
func (t *Tx) AnyWebhookDue(ctx context.Context, afterID int64, now time.Time) (bool, error) {
	var due bool
	err := t.queryRow(ctx, []any{&due}, `SELECT EXISTS (SELECT 1 FROM webhooks WHERE `+webhookDue+`)`, afterID, ts(now), ts(now))
	return due, err
}

// ClaimWebhook takes the first webhook after afterID that is enabled, due
// and not leased, and leases it until lease: no other worker or instance
// takes it meanwhile (FOR UPDATE SKIP LOCKED on PostgreSQL, the one writer
// on SQLite). It reports ENOTFOUND when none is left.
func (t *Tx) ClaimWebhook(ctx context.Context, afterID int64, now, lease time.Time) (shelf.Webhook, error) {
	var w shelf.Webhook
	rows, err := t.query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE `+webhookDue+`
		ORDER BY id LIMIT 1`+t.d.skipLocked(), afterID, ts(now), ts(now))
	if err != nil {
		return w, err
	}
	ws, err := all(rows, scanWebhook)
	if err != nil {
		return w, err
	}
	if len(ws) == 0 {
		return w, t.d.mapErr(sql.ErrNoRows)
	}
	w = ws[0]
	_, err = t.exec(ctx, `UPDATE webhooks SET lease_until = ? WHERE id = ?`, ts(lease), w.ID)
	return w, err
}

// ReleaseWebhook ends a lease without a delivery (nothing was due).
func (t *Tx) ReleaseWebhook(ctx context.Context, id int64) error {
	_, err := t.exec(ctx, `UPDATE webhooks SET lease_until = NULL WHERE id = ?`, id)
	return err
}

// RecordDelivery logs an attempt and moves the webhook on: to cursor with
// no failed attempts (delivered, or given up on) when cursor is set, or to
// its next attempt otherwise; disabled is set when the receiver is gone.
// The lease ends.
func (t *Tx) RecordDelivery(ctx context.Context, d shelf.WebhookDelivery, cursor string, disabled *time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, attempt, status, error, at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, d.WebhookID, d.EventID, d.Attempt, d.Status, d.Error, ts(d.At), tsPtr(d.NextAttemptAt))
	if err != nil {
		return err
	}
	if cursor != "" {
		_, err = t.exec(ctx, `UPDATE webhooks SET event_cursor = ?, attempt = 0, next_attempt_at = NULL, lease_until = NULL,
			disabled_at = ? WHERE id = ?`, cursor, tsPtr(disabled), d.WebhookID)
	} else {
		_, err = t.exec(ctx, `UPDATE webhooks SET attempt = ?, next_attempt_at = ?, lease_until = NULL, disabled_at = ?
			WHERE id = ?`, d.Attempt, tsPtr(d.NextAttemptAt), tsPtr(disabled), d.WebhookID)
	}
	return err
}

// WebhookDeliveries returns a webhook's latest attempts, newest first.
func (t *Tx) WebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]shelf.WebhookDelivery, error) {
	rows, err := t.query(ctx, `SELECT id, webhook_id, event_id, attempt, status, error, at, next_attempt_at
		FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, func(s interface{ Scan(...any) error }) (shelf.WebhookDelivery, error) {
		var d shelf.WebhookDelivery
		var status sql.NullInt64
		var errText sql.NullString
		err := s.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.Attempt, &status, &errText, timeCol{&d.At}, nullTimeCol{&d.NextAttemptAt})
		if status.Valid {
			n := int(status.Int64)
			d.Status = &n
		}
		if errText.Valid {
			d.Error = &errText.String
		}
		return d, err
	})
}
