package service

import (
	"context"
	"fmt"

	"shelf"
	"shelf/store"
)

// CreateUser adds a user on an admin's behalf, with the password rules of
// AddUser, and writes user.create in the same transaction.
func (s *Service) CreateUser(ctx context.Context, a shelf.Actor, nu NewUser) (shelf.User, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.User{}, err
	}
	u, err := nu.check(s.Now())
	if err != nil {
		return shelf.User{}, err
	}
	if u.PasswordHash, err = s.newHash(ctx, nu.Password); err != nil {
		return shelf.User{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if u, err = insertUser(ctx, tx, u); err != nil {
			return err
		}
		// note: the event is the new user's, in their lane and sealed under
		// their key, so that erasing them erases their email here too.
		return s.audit(ctx, tx, a, u.ID, shelf.ActionUserCreate, "user", u.ID, "",
			fmt.Sprintf("Added user %s (%s)", u.Email, u.Role),
			map[string]any{"user": map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "role": u.Role, "created_at": u.CreatedAt}})
	})
	if err != nil {
		return shelf.User{}, err
	}
	return u, nil
}

// PasswordReset is what resetting a password did.
type PasswordReset struct {
	User     shelf.User
	Sessions int64 // the sessions it ended
}

// ResetPassword sets a user's password on an admin's behalf, with the
// rules of AddUser, and ends every session the user had (whoever held the
// old password is logged out), writing user.password_reset in the same
// transaction. Their API tokens stay: they were made by the person, not
// with the password. An account its owner deleted is refused: a password
// would bring it back without the restore that the grace period offers.
func (s *Service) ResetPassword(ctx context.Context, a shelf.Actor, id int64, password string) (PasswordReset, error) {
	if err := requireAdmin(a); err != nil {
		return PasswordReset{}, err
	}
	if msg := passwordProblem(password); msg != "" {
		// note: a missing user is still 404 before any field error, so
		// the user is looked up first.
		if _, err := s.User(ctx, a, id); err != nil {
			return PasswordReset{}, err
		}
		return PasswordReset{}, shelf.Invalid(map[string]string{"password": msg})
	}
	hash, err := s.newHash(ctx, password)
	if err != nil {
		return PasswordReset{}, err
	}
	var res PasswordReset
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		u, err := findUser(ctx, tx, id)
		if err != nil {
			return err
		}
		erased, err := tx.ErasedAmong(ctx, []int64{id})
		if err != nil {
			return err
		}
		if erased[id] {
			return shelf.Restricted(shelf.ERESTRICTED, fmt.Sprintf("%s is being erased.", u.Name),
				[]shelf.Blocker{shelf.NewBlocker(shelf.BlockUser, u.ID, u.Name)})
		}
		if _, err := tx.PendingAccountDeletion(ctx, id); err == nil {
			return shelf.Restricted(shelf.ERESTRICTED,
				fmt.Sprintf("%s deleted their own account; restore it first, and they log in with their own password.", u.Name),
				[]shelf.Blocker{shelf.NewBlocker(shelf.BlockUser, u.ID, u.Name)})
		} else if shelf.ErrorCode(err) != shelf.ENOTFOUND {
			return err
		}
		if _, err := tx.SetPassword(ctx, id, hash); err != nil {
			return err
		}
		n, err := tx.DeleteUserSessions(ctx, id)
		if err != nil {
			return err
		}
		res = PasswordReset{User: u, Sessions: n}
		return s.audit(ctx, tx, a, u.ID, shelf.ActionUserPasswordReset, "user", u.ID, "",
			fmt.Sprintf("Reset the password of %s; %s ended", u.Email, shelf.Count(n, "session", "sessions")),
			map[string]any{"user": map[string]any{"id": u.ID, "email": u.Email, "name": u.Name}, "sessions_ended": n})
	})
	if err != nil {
		return PasswordReset{}, err
	}
	return res, nil
}
