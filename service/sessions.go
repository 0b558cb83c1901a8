package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"shelf"
	"shelf/store"
)

// Session timeouts: a session ends after SessionIdle without a request, and
// after SessionLifetime whatever happens.
const (
	SessionIdle     = 12 * time.Hour
	SessionLifetime = 7 * 24 * time.Hour
	// touchEvery bounds how often a session's activity is written, so that a
	// page view is not a database write.
	touchEvery = time.Minute
)

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is how session cookies are kept: only a hash, so a leaked
// database holds no usable session.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession creates a session (for a user, or anonymous when userID is 0)
// with a fresh CSRF token and returns its cookie value. Logging in always
// starts a new session, so a session id fixed before login is worthless.
func (s *Service) StartSession(ctx context.Context, userID int64, flash string) (string, shelf.Session, error) {
	token := randomToken()
	now := s.Now()
	ss := shelf.Session{UserID: userID, CSRFToken: randomToken(), Flash: flash, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(SessionLifetime)}
	err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.InsertSession(ctx, hashToken(token), ss) })
	return token, ss, err
}

// LoadSession returns the live session of a cookie value; an unknown, expired
// or idle one is ENOTFOUND (and an expired one is removed).
func (s *Service) LoadSession(ctx context.Context, token string) (shelf.Session, error) {
	if token == "" || len(token) > 100 {
		return shelf.Session{}, shelf.Errorf(shelf.ENOTFOUND, "No session.")
	}
	h := hashToken(token)
	var ss shelf.Session
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		ss, err = tx.Session(ctx, h)
		return err
	})
	if err != nil {
		return shelf.Session{}, err
	}
	now := s.Now()
	if now.After(ss.ExpiresAt) || now.Sub(ss.LastSeenAt) > SessionIdle {
		_ = s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, h) })
		return shelf.Session{}, shelf.Errorf(shelf.ENOTFOUND, "The session expired.")
	}
	if now.Sub(ss.LastSeenAt) > touchEvery {
		if err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, h, now) }); err != nil {
			return shelf.Session{}, err
		}
	}
	return ss, nil
}

// EndSession removes a session; its cookie no longer works.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, hashToken(token)) })
}

// SetFlash stores a message for the session's next page ("" clears it).
func (s *Service) SetFlash(ctx context.Context, token, flash string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.SetSessionFlash(ctx, hashToken(token), flash)
		return err
	})
}

// DeleteExpiredSessions removes sessions past either timeout, and the
// login throttle's windows that have ended.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	now := s.Now()
	var n int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(ctx, now, now.Add(-SessionIdle))
		if err != nil {
			return err
		}
		_, err = tx.DeleteAttemptsBefore(ctx, now.Add(-LoginWindow))
		return err
	})
	return n, err
}
