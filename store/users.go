package store

import (
	"context"
	"strings"
	"time"

	"shelf"
)

const userColumns = "id, email, name, password_hash, role, created_at"

func scanUser(s interface{ Scan(...any) error }) (shelf.User, error) {
	var u shelf.User
	var role string
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &role, timeCol{&u.CreatedAt})
	u.Role = shelf.Role(role)
	return u, err
}

// InsertUser stores a new user; a taken email is ECONFLICT.
func (t *Tx) InsertUser(ctx context.Context, u shelf.User) (shelf.User, error) {
	err := t.queryRow(ctx, []any{&u.ID},
		`INSERT INTO users (email, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.PasswordHash, string(u.Role), ts(u.CreatedAt))
	return u, err
}

// UserByID returns one user, or ENOTFOUND.
func (t *Tx) UserByID(ctx context.Context, id int64) (shelf.User, error) {
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
	if err != nil {
		return shelf.User{}, err
	}
	return one(rows, scanUser)
}

// UserByEmail returns the user with this email (compared case-insensitively).
func (t *Tx) UserByEmail(ctx context.Context, email string) (shelf.User, error) {
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower(?)`, email)
	if err != nil {
		return shelf.User{}, err
	}
	return one(rows, scanUser)
}

// Users lists every user, oldest first.
func (t *Tx) Users(ctx context.Context) ([]shelf.User, error) {
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return all(rows, scanUser)
}

// DeleteUser removes a user. The schema takes their categories, tokens and
// sessions with them, nulls the author of their notes, and refuses (as
// ERESTRICTED) while they own any item.
func (t *Tx) DeleteUser(ctx context.Context, id int64) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return 0, err
	}
	return affected(res)
}

// OwnedItems counts, capped, the live and trashed items a user owns.
func (t *Tx) OwnedItems(ctx context.Context, userID int64, limit int) (live, trashed int, err error) {
	live, err = t.count(ctx, limit, `items WHERE owner_id = ? AND deleted_at IS NULL`, userID)
	if err != nil {
		return 0, 0, err
	}
	trashed, err = t.count(ctx, limit, `items WHERE owner_id = ? AND deleted_at IS NOT NULL`, userID)
	return live, trashed, err
}

// OwnedItemList lists up to limit items (live and trashed) a user owns, by id.
func (t *Tx) OwnedItemList(ctx context.Context, userID int64, limit int) ([]shelf.Item, error) {
	rows, err := t.query(ctx, `SELECT `+itemColumns+` FROM items WHERE owner_id = ? ORDER BY id LIMIT ?`, userID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanItem)
}

// TransferItems gives every item (live and trashed) of one user to another
// and returns how many moved. Categories belong to their owner, so moved
// items become uncategorised.
func (t *Tx) TransferItems(ctx context.Context, from, to int64, now time.Time) (int64, error) {
	res, err := t.exec(ctx,
		`UPDATE items SET owner_id = ?, category_id = NULL, version = version + 1, updated_at = ? WHERE owner_id = ?`,
		to, ts(now), from)
	if err != nil {
		return 0, err
	}
	return affected(res)
}

// LiveNameClashes lists up to limit live items of owner to whose names equal
// (case-insensitively) names of live items of owner from.
func (t *Tx) LiveNameClashes(ctx context.Context, from, to int64, limit int) ([]shelf.Item, error) {
	rows, err := t.query(ctx, `SELECT `+itemColumns+` FROM items a
		WHERE a.owner_id = ? AND a.deleted_at IS NULL AND EXISTS (
			SELECT 1 FROM items b WHERE b.owner_id = ? AND b.deleted_at IS NULL AND lower(b.name) = lower(a.name))
		ORDER BY a.id LIMIT ?`, from, to, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanItem)
}

// one scans the single row of rows, or returns ENOTFOUND.
func one[T any](rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}, scan func(interface{ Scan(...any) error }) (T, error)) (T, error) {
	defer rows.Close()
	var zero T
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, err
		}
		return zero, shelf.Errorf(shelf.ENOTFOUND, "Not found.")
	}
	v, err := scan(rows)
	if err != nil {
		return zero, err
	}
	return v, rows.Close()
}

// all scans every row of rows.
func all[T any](rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// HasUsers reports whether any user exists.
func (t *Tx) HasUsers(ctx context.Context) (bool, error) {
	n, err := t.count(ctx, 1, `users`)
	return n > 0, err
}

// UsersByIDs returns the users among ids that still exist, by id, in one
// query.
func (t *Tx) UsersByIDs(ctx context.Context, ids []int64) (map[int64]shelf.User, error) {
	out := map[int64]shelf.User{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	us, err := all(rows, scanUser)
	for _, u := range us {
		out[u.ID] = u
	}
	return out, err
}

// SetPassword replaces a user's password hash; false when there is no such
// user.
func (t *Tx) SetPassword(ctx context.Context, id int64, hash string) (bool, error) {
	res, err := t.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// DeleteUserSessions ends every session of a user and returns how many
// there were.
func (t *Tx) DeleteUserSessions(ctx context.Context, id int64) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
	if err != nil {
		return 0, err
	}
	return affected(res)
}
