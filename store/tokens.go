package store

import (
	"context"
	"time"

	"shelf"
)

func scanToken(s interface{ Scan(...any) error }) (shelf.APIToken, error) {
	var tk shelf.APIToken
	err := s.Scan(&tk.ID, &tk.UserID, &tk.Name, timeCol{&tk.CreatedAt}, nullTimeCol{&tk.LastUsedAt})
	return tk, err
}

const tokenColumns = "id, user_id, name, created_at, last_used_at"

// InsertToken stores a token by the hash of its secret.
func (t *Tx) InsertToken(ctx context.Context, tk shelf.APIToken, secretHash string) (shelf.APIToken, error) {
	err := t.queryRow(ctx, []any{&tk.ID},
		`INSERT INTO api_tokens (user_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		tk.UserID, tk.Name, secretHash, ts(tk.CreatedAt))
	return tk, err
}

// TokenBySecretHash returns the token whose secret hashes to h and the
// user it belongs to, or ENOTFOUND. It is one statement, so that a request
// authenticated by a token can read it with ReadOne.
func (t *Tx) TokenBySecretHash(ctx context.Context, h string) (shelf.APIToken, shelf.User, error) {
	var tk shelf.APIToken
	var u shelf.User
	var role string
	err := t.queryRow(ctx, []any{&tk.ID, &tk.UserID, &tk.Name, timeCol{&tk.CreatedAt}, nullTimeCol{&tk.LastUsedAt},
		&u.ID, &u.Email, &u.Name, &u.PasswordHash, &role, timeCol{&u.CreatedAt}},
		`SELECT t.id, t.user_id, t.name, t.created_at, t.last_used_at, u.id, u.email, u.name, u.password_hash, u.role, u.created_at
		 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?`, h)
	u.Role = shelf.Role(role)
	return tk, u, err
}

// Token returns one token, or ENOTFOUND.
func (t *Tx) Token(ctx context.Context, id int64) (shelf.APIToken, error) {
	rows, err := t.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id)
	if err != nil {
		return shelf.APIToken{}, err
	}
	return one(rows, scanToken)
}

// Tokens lists a user's tokens, oldest first.
func (t *Tx) Tokens(ctx context.Context, userID int64) ([]shelf.APIToken, error) {
	rows, err := t.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	return all(rows, scanToken)
}

// DeleteToken revokes a token and reports whether it did.
func (t *Tx) DeleteToken(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM api_tokens WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// TouchToken records when a token was last used, at most once a minute, so
// that reads do not turn into a write per request.
func (t *Tx) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		ts(at), id, ts(at.Add(-time.Minute)))
	return err
}
