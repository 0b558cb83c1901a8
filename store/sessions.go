package store

import (
	"context"
	"time"

	"shelf"
)

// InsertSession stores a session under the hash of its cookie.
func (t *Tx) InsertSession(ctx context.Context, hash string, s shelf.Session) error {
	var user any
	if s.UserID != 0 {
		user = s.UserID
	}
	_, err := t.exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, flash, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, user, s.CSRFToken, s.Flash, ts(s.CreatedAt), ts(s.LastSeenAt), ts(s.ExpiresAt))
	return err
}

// Session returns the session stored under hash, or ENOTFOUND.
func (t *Tx) Session(ctx context.Context, hash string) (shelf.Session, error) {
	rows, err := t.query(ctx, `SELECT user_id, csrf_token, flash, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = ?`, hash)
	if err != nil {
		return shelf.Session{}, err
	}
	return one(rows, func(s interface{ Scan(...any) error }) (shelf.Session, error) {
		var ss shelf.Session
		var user *int64
		err := s.Scan(nullInt{&user}, &ss.CSRFToken, &ss.Flash, timeCol{&ss.CreatedAt}, timeCol{&ss.LastSeenAt}, timeCol{&ss.ExpiresAt})
		if user != nil {
			ss.UserID = *user
		}
		return ss, err
	})
}

// TouchSession records activity on a session.
func (t *Tx) TouchSession(ctx context.Context, hash string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, ts(at), hash)
	return err
}

// SetSessionFlash replaces a session's flash message ("" clears it) and
// reports whether the session still exists.
func (t *Tx) SetSessionFlash(ctx context.Context, hash, flash string) (bool, error) {
	res, err := t.exec(ctx, `UPDATE sessions SET flash = ? WHERE token_hash = ?`, flash, hash)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// DeleteSession removes a session.
func (t *Tx) DeleteSession(ctx context.Context, hash string) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
	return err
}

// DeleteExpiredSessions removes sessions past their absolute timeout or idle
// since before idleBefore, and returns how many.
func (t *Tx) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, ts(now), ts(idleBefore))
	if err != nil {
		return 0, err
	}
	return affected(res)
}
