package store

import (
	"context"
	"time"

	"shelf"
)

// ClaimIdempotencyKey records that a request with this user, route and key
// has begun, and reports whether it did; when the key was already there it
// returns what is stored for it instead.
func (t *Tx) ClaimIdempotencyKey(ctx context.Context, userID int64, route, key, bodyHash string, now time.Time) (bool, shelf.IdempotentResponse, error) {
	res, err := t.exec(ctx, `INSERT INTO idempotency_keys (user_id, route, key, body_hash, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, userID, route, key, bodyHash, ts(now))
	if err != nil {
		return false, shelf.IdempotentResponse{}, err
	}
	if n, err := affected(res); err != nil || n == 1 {
		return n == 1, shelf.IdempotentResponse{}, err
	}
	rows, err := t.query(ctx, `SELECT body_hash, status, location, content_type, body, created_at
		FROM idempotency_keys WHERE user_id = ? AND route = ? AND key = ?`, userID, route, key)
	if err != nil {
		return false, shelf.IdempotentResponse{}, err
	}
	got, err := one(rows, func(s interface{ Scan(...any) error }) (shelf.IdempotentResponse, error) {
		var r shelf.IdempotentResponse
		err := s.Scan(&r.BodyHash, &r.Status, nullString{&r.Location}, nullString{&r.ContentType}, &r.Body, timeCol{&r.CreatedAt})
		return r, err
	})
	return false, got, err
}

// RestartIdempotencyKey hands a key whose first request never finished to a
// new one.
func (t *Tx) RestartIdempotencyKey(ctx context.Context, userID int64, route, key, bodyHash string, now time.Time) error {
	_, err := t.exec(ctx, `UPDATE idempotency_keys SET body_hash = ?, status = 0, location = NULL, content_type = NULL,
		body = NULL, created_at = ? WHERE user_id = ? AND route = ? AND key = ?`, bodyHash, ts(now), userID, route, key)
	return err
}

// SaveIdempotentResponse stores what the request with the key answered.
func (t *Tx) SaveIdempotentResponse(ctx context.Context, userID int64, route, key string, r shelf.IdempotentResponse) error {
	_, err := t.exec(ctx, `UPDATE idempotency_keys SET status = ?, location = ?, content_type = ?, body = ?
		WHERE user_id = ? AND route = ? AND key = ?`, r.Status, nullIfEmpty(r.Location), nullIfEmpty(r.ContentType), r.Body, userID, route, key)
	return err
}

// DeleteIdempotencyKey forgets a key, so that a retry runs anew.
func (t *Tx) DeleteIdempotencyKey(ctx context.Context, userID int64, route, key string) error {
	_, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE user_id = ? AND route = ? AND key = ?`, userID, route, key)
	return err
}

// DeleteIdempotencyKeysBefore forgets a user's keys created before a time.
func (t *Tx) DeleteIdempotencyKeysBefore(ctx context.Context, userID int64, before time.Time) error {
	_, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE user_id = ? AND created_at < ?`, userID, ts(before))
	return err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
