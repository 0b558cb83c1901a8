package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shelf"
	"shelf/store"
)

// DefaultAccountGrace is how long an account its owner deleted waits
// before it is erased (shelf serve --account-grace).
const DefaultAccountGrace = 336 * time.Hour

// WithAccountGrace sets the grace period of self-service account deletion
// (DefaultAccountGrace otherwise).
func WithAccountGrace(d time.Duration) Option {
	return func(s *Service) {
		if d > 0 {
			s.accountGrace = d
		}
	}
}

// AccountGrace is how long a deleted account waits before it is erased.
func (s *Service) AccountGrace() time.Duration { return s.accountGrace }

// DeleteOwnAccount deletes the actor's own account, with their password
// again (EFORBIDDEN when wrong) and, where the form asks for it, their
// email typed (confirmEmail non-nil; EINVALID when it differs). The account
// stops at once (sessions and tokens deleted, the password unusable) and is
// erased when the grace period ends, unless an admin restores it first. The
// last admin whose account is not being deleted cannot (ELASTADMIN). It
// writes account.delete, and returns when the erasure is due.
func (s *Service) DeleteOwnAccount(ctx context.Context, a shelf.Actor, password string, confirmEmail *string) (time.Time, error) {
	if a.UserID == 0 {
		return time.Time{}, shelf.Errorf(shelf.EUNAUTHORIZED, "Please log in.")
	}
	u, err := s.User(ctx, a, a.UserID)
	if err != nil {
		return time.Time{}, err
	}
	if password == "" {
		return time.Time{}, shelf.Invalid(map[string]string{"password": "Enter your password."})
	}
	if confirmEmail != nil && !strings.EqualFold(strings.TrimSpace(*confirmEmail), u.Email) {
		return time.Time{}, shelf.Invalid(map[string]string{"confirm_email": "Type your email exactly to confirm."})
	}
	// note: the password is checked as a login checks it, in a bounded
	// hashing slot, before the transaction: a hash takes tens of
	// milliseconds, which no transaction should wait for.
	if _, err := s.hashBounded(ctx, u.Email, password); shelf.ErrorCode(err) == shelf.EUNAUTHORIZED {
		return time.Time{}, shelf.Errorf(shelf.EFORBIDDEN, "The password is not right.")
	} else if err != nil {
		return time.Time{}, err
	}
	now := s.Now()
	eraseAt := now.Add(s.accountGrace)
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, a.UserID)
		if err != nil {
			return err
		}
		if u.Role == shelf.RoleAdmin {
			n, err := tx.ActiveAdmins(ctx, 2)
			if err != nil {
				return err
			}
			if n < 2 {
				return shelf.Restricted(shelf.ELASTADMIN,
					"You are the last administrator: add another administrator before you delete your account.",
					[]shelf.Blocker{shelf.NewBlocker(shelf.BlockUser, u.ID, u.Name)})
			}
		}
		if err := tx.RequestAccountDeletion(ctx, u.ID, now, eraseAt); err != nil {
			return err
		}
		if err := tx.StopAccount(ctx, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, u.ID, shelf.ActionAccountDelete, "user", u.ID, "",
			fmt.Sprintf("Deleted their own account; erasure due at %s", eraseAt.Format(time.RFC3339)),
			map[string]any{"user_id": u.ID, "erase_at": eraseAt})
	})
	if err != nil {
		return time.Time{}, err
	}
	counted(s.count.deletes, "account", 1)
	return eraseAt, nil
}

// RestoreAccount gives a user back the account they deleted, while its
// grace period runs (admins only): they log in with their password again;
// the sessions and tokens it had stay revoked. No pending deletion, or one
// whose grace ended, is ENOTFOUND. It writes account.restore.
func (s *Service) RestoreAccount(ctx context.Context, a shelf.Actor, id int64) (shelf.User, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.User{}, err
	}
	var u shelf.User
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByID(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("User")
		} else if err != nil {
			return err
		}
		d, err := tx.PendingAccountDeletion(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND || (err == nil && !d.EraseAt.After(s.Now())) {
			return shelf.Errorf(shelf.ENOTFOUND, "%s has no account deletion waiting to be undone.", u.Name)
		} else if err != nil {
			return err
		}
		if _, err := tx.CancelAccountDeletion(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, u.ID, shelf.ActionAccountRestore, "user", u.ID, "",
			"Restored the account its owner had deleted", map[string]any{"user_id": u.ID, "erase_at": d.EraseAt})
	})
	if err == nil {
		counted(s.count.restores, "account", 1)
	}
	return u, err
}

// beginDueErasures begins the erasure of every account whose grace period
// has ended: each in one transaction that takes the deletion off the list
// and records the erasure as begun, so that of several instances exactly
// one begins it, and a crash leaves it either still due or begun (and
// finished by resumeErasures). It returns how many it began.
func (s *Service) beginDueErasures(ctx context.Context) (int, error) {
	began := 0
	for {
		now := s.Now()
		var due []int64
		if err := s.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			due, err = tx.DueAccountDeletions(ctx, now, EraseBatch)
			return err
		}); err != nil {
			return began, err
		}
		for _, id := range due {
			var claimed bool
			err := s.db.Write(ctx, func(tx *store.Tx) error {
				var err error
				if claimed, err = tx.ClaimAccountDeletion(ctx, id, now); err != nil || !claimed {
					return err
				}
				return tx.BeginErasure(ctx, id, now)
			})
			if err != nil {
				return began, err
			}
			if claimed {
				began++
			}
		}
		if len(due) < EraseBatch {
			return began, nil
		}
	}
}
