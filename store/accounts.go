package store

import (
	"context"
	"time"

	"shelf"
)

// AccountDeletion is a person's pending deletion of their own account.
type AccountDeletion struct {
	UserID      int64
	RequestedAt time.Time
	EraseAt     time.Time
}

// RequestAccountDeletion records that a user deleted their own account, to
// be erased at eraseAt, keeping their password aside for a restore; a
// pending one already is ECONFLICT. The caller stops the account.
func (t *Tx) RequestAccountDeletion(ctx context.Context, userID int64, at, eraseAt time.Time) error {
	res, err := t.exec(ctx, `INSERT INTO account_deletions (user_id, requested_at, erase_at, password_hash)
		SELECT id, ?, ?, password_hash FROM users WHERE id = ?`, ts(at), ts(eraseAt), userID)
	if err != nil {
		return err
	}
	if n, err := affected(res); err != nil || n == 0 {
		if err == nil {
			err = shelf.Errorf(shelf.ENOTFOUND, "User not found.")
		}
		return err
	}
	return nil
}

// PendingAccountDeletion returns a user's pending deletion, or ENOTFOUND.
func (t *Tx) PendingAccountDeletion(ctx context.Context, userID int64) (AccountDeletion, error) {
	rows, err := t.query(ctx, `SELECT user_id, requested_at, erase_at FROM account_deletions WHERE user_id = ?`, userID)
	if err != nil {
		return AccountDeletion{}, err
	}
	return one(rows, scanAccountDeletion)
}

// PendingAccountDeletions lists every pending deletion, by user.
func (t *Tx) PendingAccountDeletions(ctx context.Context) (map[int64]AccountDeletion, error) {
	rows, err := t.query(ctx, `SELECT user_id, requested_at, erase_at FROM account_deletions`)
	if err != nil {
		return nil, err
	}
	ds, err := all(rows, scanAccountDeletion)
	out := make(map[int64]AccountDeletion, len(ds))
	for _, d := range ds {
		out[d.UserID] = d
	}
	return out, err
}

func scanAccountDeletion(s interface{ Scan(...any) error }) (AccountDeletion, error) {
	var d AccountDeletion
	err := s.Scan(&d.UserID, timeCol{&d.RequestedAt}, timeCol{&d.EraseAt})
	return d, err
}

// CancelAccountDeletion gives a user whose deletion is pending their
// password back and drops the deletion; it reports whether there was one
// (its sessions and tokens, deleted when it stopped, stay deleted).
func (t *Tx) CancelAccountDeletion(ctx context.Context, userID int64) (bool, error) {
	if _, err := t.exec(ctx, `UPDATE users SET password_hash =
		(SELECT d.password_hash FROM account_deletions d WHERE d.user_id = users.id)
		WHERE id = ? AND EXISTS (SELECT 1 FROM account_deletions d WHERE d.user_id = users.id)`, userID); err != nil {
		return false, err
	}
	res, err := t.exec(ctx, `DELETE FROM account_deletions WHERE user_id = ?`, userID)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// DueAccountDeletions returns up to limit users whose grace ended at or
// before now, the longest due first.
func (t *Tx) DueAccountDeletions(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT user_id FROM account_deletions WHERE erase_at <= ? ORDER BY erase_at, user_id LIMIT ?`,
		ts(now), limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanID)
}

// ClaimAccountDeletion takes a due deletion off the list and reports
// whether this transaction did: of two instances that try, one gets true.
func (t *Tx) ClaimAccountDeletion(ctx context.Context, userID int64, now time.Time) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM account_deletions WHERE user_id = ? AND erase_at <= ?`, userID, ts(now))
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// ActiveAdmins counts, up to limit, the admins whose account is neither
// being deleted nor erased. On PostgreSQL it first locks every admin's row,
// so that of two admins deleting themselves at once the second counts after
// the first committed.
func (t *Tx) ActiveAdmins(ctx context.Context, limit int) (int, error) {
	if t.d.name() == "postgres" {
		rows, err := t.query(ctx, `SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`)
		if err != nil {
			return 0, err
		}
		if _, err := all(rows, scanID); err != nil {
			return 0, err
		}
	}
	return t.count(ctx, limit, `users u WHERE u.role = 'admin'
		AND NOT EXISTS (SELECT 1 FROM account_deletions d WHERE d.user_id = u.id)
		AND NOT EXISTS (SELECT 1 FROM erased_subjects e WHERE e.user_id = u.id)`)
}
