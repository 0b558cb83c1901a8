package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"shelf"
	"shelf/store"
)

// tokenPrefix marks Shelf's API token secrets, so that they are easy to
// recognise in a leaked file.
const tokenPrefix = "shelf_"

// hashSecret is how token secrets are kept: a fast hash is right here, since
// the secret is 256 random bits, not a password.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a personal API token and returns it with its secret,
// which is never stored nor shown again.
func (s *Service) CreateToken(ctx context.Context, a shelf.Actor, name string) (shelf.APIToken, string, error) {
	if err := requireUser(a); err != nil || a.UserID == 0 {
		return shelf.APIToken{}, "", shelf.Errorf(shelf.EUNAUTHORIZED, "Please log in.")
	}
	if a.ByToken {
		// note: a token that could mint tokens would outlive its own
		// revocation through the tokens it made.
		return shelf.APIToken{}, "", shelf.Errorf(shelf.ENEEDSESSION, "Tokens are made from a logged-in session, not with another token.")
	}
	name = strings.TrimSpace(name)
	if msg := shelf.ValidateName(name); msg != "" {
		return shelf.APIToken{}, "", shelf.Invalid(map[string]string{"name": msg})
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	var tk shelf.APIToken
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		tk, err = tx.InsertToken(ctx, shelf.APIToken{UserID: a.UserID, Name: name, CreatedAt: s.Now()}, hashSecret(secret))
		return err
	})
	return tk, secret, err
}

// AuthenticateToken returns the user a token secret belongs to.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (shelf.User, error) {
	unauth := shelf.Errorf(shelf.EUNAUTHORIZED, "The API token is not valid.")
	if !strings.HasPrefix(secret, tokenPrefix) {
		return shelf.User{}, unauth
	}
	var u shelf.User
	var tk shelf.APIToken
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		tk, u, err = tx.TokenBySecretHash(ctx, hashSecret(secret))
		return err
	})
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return shelf.User{}, unauth
	}
	if err != nil {
		return shelf.User{}, err
	}
	now := s.Now()
	if tk.LastUsedAt == nil || now.Sub(*tk.LastUsedAt) > 60e9 {
		_ = s.db.Write(ctx, func(tx *store.Tx) error { return tx.TouchToken(ctx, tk.ID, now) })
	}
	return u, nil
}

// Tokens lists the actor's tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context, a shelf.Actor) ([]shelf.APIToken, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	var ts []shelf.APIToken
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		ts, err = tx.Tokens(ctx, a.UserID)
		return err
	})
	if ts == nil {
		ts = []shelf.APIToken{}
	}
	return ts, err
}

// Token returns one of the actor's tokens, without its secret (an admin may
// see anyone's).
func (s *Service) Token(ctx context.Context, a shelf.Actor, id int64) (shelf.APIToken, error) {
	if err := requireUser(a); err != nil {
		return shelf.APIToken{}, err
	}
	var tk shelf.APIToken
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		tk, err = visibleToken(ctx, tx, a, id)
		return err
	})
	return tk, err
}

// visibleToken returns a token the actor may see (their own; an admin's,
// anyone's), for the read and the revoke alike; anything else is ENOTFOUND.
func visibleToken(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64) (shelf.APIToken, error) {
	return visible(ctx, a, "Token", id, tx.Token, tokenOwner, nil)
}

// DeleteToken revokes one of the actor's tokens (an admin may revoke anyone's).
func (s *Service) DeleteToken(ctx context.Context, a shelf.Actor, id int64) (shelf.APIToken, error) {
	if err := requireUser(a); err != nil {
		return shelf.APIToken{}, err
	}
	var tk shelf.APIToken
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if tk, err = visibleToken(ctx, tx, a, id); err != nil {
			return err
		}
		ok, err := tx.DeleteToken(ctx, tk.ID)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Token") // revoked by a concurrent request
		}
		// note: revoking a token is destructive (whatever used it stops
		// working), so it is audited like the other deletes; the snapshot
		// never holds the secret's hash.
		return s.audit(ctx, tx, a, tk.UserID, shelf.ActionTokenDelete, "token", tk.ID, "",
			fmt.Sprintf("Revoked the API token “%s”", tk.Name),
			map[string]any{"token": map[string]any{"id": tk.ID, "user_id": tk.UserID, "name": tk.Name,
				"created_at": tk.CreatedAt, "last_used_at": tk.LastUsedAt}})
	})
	if err != nil {
		return shelf.APIToken{}, err
	}
	counted(s.count.deletes, "token", 1)
	return tk, nil
}
