package service

import (
	"context"
	"runtime"
	"strings"
	"time"

	"shelf"
	"shelf/store"
)

// The login throttle. Failed logins are counted per account and per
// address in a fixed window, in the database, so that the limits hold for
// the whole deployment. A lock-out is the price of the throttle: five wrong
// guesses lock any account, an admin's too, for the rest of the window (an
// admin can unlock it, UnlockLogins); the per-address limit is looser, so
// that one office behind one address is not locked out by one person.
const (
	LoginWindow          = 15 * time.Minute
	LoginLimitPerAccount = 5
	LoginLimitPerAddress = 20
	// hashWait is how long a login waits for a hashing slot before it is
	// refused as busy.
	hashWait = 3 * time.Second
)

// hashSlots bounds the passwords hashed at once: each Argon2id hash holds
// 19 MiB, so a flood of logins would otherwise hold that much per request.
// About one per CPU keeps the CPUs busy and the memory bounded.
var hashSlots = max(2, runtime.NumCPU())

func loginKeys(email, addr string) (acct, address string) {
	return "acct:" + strings.ToLower(strings.TrimSpace(email)), "addr:" + addr
}

// Login checks a password for an email, as asked from addr, under the
// throttle: the attempt is counted before the password is hashed, in one
// step with the check, so parallel attempts cannot all pass a check made
// before any was counted. A failed login keeps its count; a successful one
// gives back the address's count and clears the account's. Over a limit it
// is ERATELIMIT with RetryAfter, and so it is while every hashing slot is
// taken for longer than hashWait. Unknown emails and wrong passwords get the
// same EUNAUTHORIZED, after the same work.
func (s *Service) Login(ctx context.Context, email, password, addr string) (shelf.User, error) {
	acct, address := loginKeys(email, addr)
	var ok bool
	var wait time.Duration
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		ok, wait, err = tx.ReserveAttempts(ctx, []store.Limit{{Key: acct, Max: LoginLimitPerAccount},
			{Key: address, Max: LoginLimitPerAddress}}, s.Now(), LoginWindow)
		return err
	})
	if err != nil {
		return shelf.User{}, err
	}
	if !ok {
		return shelf.User{}, &shelf.Error{Code: shelf.ERATELIMIT, RetryAfter: wait,
			Message: "Too many failed logins; wait a while and try again."}
	}
	u, err := s.hashBounded(ctx, email, password)
	switch code := shelf.ErrorCode(err); code {
	case shelf.EUNAUTHORIZED:
		return shelf.User{}, err
	case "":
		err = s.db.Write(ctx, func(tx *store.Tx) error {
			if err := tx.ClearAttempts(ctx, acct); err != nil {
				return err
			}
			return tx.GiveBackAttempt(ctx, address)
		})
		return u, err
	}
	// note: the attempt was never judged (busy, cancelled, the database
	// failed), so it does not count against anyone.
	_ = s.db.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if err := tx.GiveBackAttempt(ctx, acct); err != nil {
			return err
		}
		return tx.GiveBackAttempt(ctx, address)
	})
	return shelf.User{}, err
}

// hashBounded runs Authenticate in one of the hashing slots.
func (s *Service) hashBounded(ctx context.Context, email, password string) (u shelf.User, err error) {
	if serr := s.inHashSlot(ctx, func() { u, err = s.Authenticate(ctx, email, password) }); serr != nil {
		return shelf.User{}, serr
	}
	return u, err
}

// newHash hashes a new password in one of the hashing slots, as a login
// does: an admin setting passwords from the web holds no more memory than
// that many logins.
func (s *Service) newHash(ctx context.Context, password string) (hash string, err error) {
	err = s.inHashSlot(ctx, func() { hash = hashPassword(password) })
	return hash, err
}

// inHashSlot runs fn once a hashing slot is free (see hashSlots), or
// refuses as busy (ERATELIMIT) after hashWait.
func (s *Service) inHashSlot(ctx context.Context, fn func()) error {
	timer := time.NewTimer(hashWait)
	defer timer.Stop()
	select {
	case s.hashing <- struct{}{}:
	case <-timer.C:
		return &shelf.Error{Code: shelf.ERATELIMIT, RetryAfter: time.Second,
			Message: "Too many passwords are being checked at once; try again in a moment."}
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashing }()
	fn()
	return nil
}

// UnlockLogins forgets the failed logins of a user's account, so that they
// may log in again at once (admins only). It reports ENOTFOUND for a user
// who does not exist.
func (s *Service) UnlockLogins(ctx context.Context, a shelf.Actor, userID int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		acct, _ := loginKeys(u.Email, "")
		return tx.ClearAttempts(ctx, acct)
	})
}
