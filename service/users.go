package service

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"shelf"
	"shelf/store"
)

// MinPasswordLen is the shortest password Shelf accepts.
const MinPasswordLen = 8

// NewUser is what it takes to add a user.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Role     shelf.Role
}

// AddUser creates a user (the command line's shelf user add, which has no
// actor to audit). Emails are unique regardless of case.
func (s *Service) AddUser(ctx context.Context, nu NewUser) (shelf.User, error) {
	u, err := nu.check(s.Now())
	if err != nil {
		return shelf.User{}, err
	}
	if u.PasswordHash, err = s.newHash(ctx, nu.Password); err != nil {
		return shelf.User{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		u, err = insertUser(ctx, tx, u)
		return err
	})
	return u, err
}

// check validates and tidies what it takes to add a user, and returns the
// user to insert, without its password hash (which the caller makes).
func (nu NewUser) check(now time.Time) (shelf.User, error) {
	nu.Email = strings.ToLower(strings.TrimSpace(nu.Email))
	nu.Name = strings.TrimSpace(nu.Name)
	fields := map[string]string{}
	if addr, err := mail.ParseAddress(nu.Email); err != nil || addr.Address != nu.Email || len(nu.Email) > 254 {
		fields["email"] = "Enter a valid email address."
	}
	if msg := shelf.ValidateName(nu.Name); msg != "" {
		fields["name"] = msg
	}
	if msg := passwordProblem(nu.Password); msg != "" {
		fields["password"] = msg
	}
	if nu.Role == "" {
		nu.Role = shelf.RoleMember
	}
	if nu.Role != shelf.RoleAdmin && nu.Role != shelf.RoleMember {
		fields["role"] = "Role must be admin or member."
	}
	if len(fields) > 0 {
		return shelf.User{}, shelf.Invalid(fields)
	}
	return shelf.User{Email: nu.Email, Name: nu.Name, Role: nu.Role, CreatedAt: now}, nil
}

// passwordProblem says what is wrong with a new password, or "" when it
// will do: the one rule for every way a password is set.
func passwordProblem(password string) string {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return fmt.Sprintf("The password needs at least %d characters.", MinPasswordLen)
	} else if len(password) > 1024 {
		return "The password is too long."
	}
	return ""
}

// insertUser adds u in tx; a taken email is EEMAILTAKEN, naming who has it.
func insertUser(ctx context.Context, tx *store.Tx, u shelf.User) (shelf.User, error) {
	if clash, err := tx.UserByEmail(ctx, u.Email); err == nil {
		return u, &shelf.Error{Code: shelf.EEMAILTAKEN, Message: fmt.Sprintf("A user with the email %s already exists.", u.Email),
			Blockers: []shelf.Blocker{shelf.NewBlocker(shelf.BlockUser, clash.ID, clash.Name)}}
	} else if shelf.ErrorCode(err) != shelf.ENOTFOUND {
		return u, err
	}
	u, err := tx.InsertUser(ctx, u)
	if e := shelf.AsError(err); e != nil && e.Code == shelf.ECONFLICT {
		// note: added by a concurrent request since the check.
		e.Code, e.Blockers = shelf.EEMAILTAKEN, []shelf.Blocker{}
		e.Message = fmt.Sprintf("A user with the email %s already exists.", u.Email)
	}
	return u, err
}

// Authenticate checks an email (any case) and password. Unknown emails and
// wrong passwords get the same error and take the same time.
func (s *Service) Authenticate(ctx context.Context, email, password string) (shelf.User, error) {
	var u shelf.User
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByEmail(ctx, strings.TrimSpace(email))
		return err
	})
	if err != nil && shelf.ErrorCode(err) != shelf.ENOTFOUND {
		return shelf.User{}, err
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash()
	}
	if !checkPassword(hash, password) || err != nil {
		return shelf.User{}, shelf.Errorf(shelf.EUNAUTHORIZED, "Email or password is incorrect.")
	}
	return u, nil
}

// User returns a user by id: any user to an admin, only oneself to a member.
func (s *Service) User(ctx context.Context, a shelf.Actor, id int64) (shelf.User, error) {
	if err := requireUser(a); err != nil {
		return shelf.User{}, err
	}
	if !canSee(a, id) || id <= 0 {
		return shelf.User{}, notFound("User")
	}
	var u shelf.User
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		u, err = findUser(ctx, tx, id)
		return err
	})
	return u, err
}

// findUser reads the user a use case acts on; a missing one is the
// ENOTFOUND every such use case answers.
func findUser(ctx context.Context, tx *store.Tx, id int64) (shelf.User, error) {
	u, err := tx.UserByID(ctx, id)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return shelf.User{}, notFound("User")
	}
	return u, err
}

// Users lists every user; admins only.
func (s *Service) Users(ctx context.Context, a shelf.Actor) ([]shelf.User, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var us []shelf.User
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		us, err = tx.Users(ctx)
		return err
	})
	return us, err
}

// UserList lists every user for an admin, each with when their account is
// due for erasure if its owner deleted it, in one read.
func (s *Service) UserList(ctx context.Context, a shelf.Actor) ([]shelf.ListedUser, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var out []shelf.ListedUser
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		us, err := tx.Users(ctx)
		if err != nil {
			return err
		}
		pending, err := tx.PendingAccountDeletions(ctx)
		if err != nil {
			return err
		}
		out = make([]shelf.ListedUser, len(us))
		for i, u := range us {
			out[i].User = u
			if d, ok := pending[u.ID]; ok {
				out[i].EraseAt = &d.EraseAt
			}
		}
		return nil
	})
	return out, err
}

// UserImpact is what deleting a user would do, or what blocks it: their
// own account (Code EOWNACCOUNT), a legal hold on them or their items
// (EHELD), or the items they own (EOWNSITEMS, the first maxUserBlockers of
// them; the counts give the total).
type UserImpact struct {
	User         shelf.User // whom it is of, for the page that asks
	LiveItems    int
	TrashedItems int
	Code         string
	Message      string // why it is blocked, with the total
	Blockers     []shelf.Blocker
}

// atLeast writes a capped count: "at least 10000" once it reaches the cap.
func atLeast(n int) string {
	if n >= shelf.ImpactCap {
		return fmt.Sprintf("at least %d", n)
	}
	return fmt.Sprint(n)
}

// maxUserBlockers caps how many of a user's items a refused delete names.
const maxUserBlockers = 50

func userBlockers(ctx context.Context, tx *store.Tx, a shelf.Actor, u shelf.User) (UserImpact, error) {
	var im UserImpact
	var err error
	im.LiveItems, im.TrashedItems, err = tx.OwnedItems(ctx, u.ID, shelf.ImpactCap)
	if err != nil {
		return im, err
	}
	holds, err := tx.HoldsOnUser(ctx, u.ID, maxBlockers)
	if err != nil {
		return im, err
	}
	switch {
	case u.ID == a.UserID:
		im.Code, im.Message = shelf.EOWNACCOUNT, "You cannot delete your own account."
		im.Blockers = []shelf.Blocker{shelf.NewBlocker(shelf.BlockUser, u.ID, u.Name)}
	case len(holds) > 0:
		im.Code, im.Message = shelf.EHELD, fmt.Sprintf("A legal hold covers %s’s things; release it first.", u.Name)
		im.Blockers = holdBlockers(holds)
	case im.LiveItems+im.TrashedItems > 0:
		items, err := tx.OwnedItemList(ctx, u.ID, maxUserBlockers)
		if err != nil {
			return im, err
		}
		im.Code = shelf.EOWNSITEMS
		im.Message = fmt.Sprintf("%s owns %s live and %s trashed items; transfer them first.",
			u.Name, atLeast(im.LiveItems), atLeast(im.TrashedItems))
		for _, it := range items {
			im.Blockers = append(im.Blockers, shelf.NewBlocker(shelf.BlockItem, it.ID, it.Name))
		}
	}
	return im, nil
}

// DeleteUserImpact says what deleting a user would do; admins only.
func (s *Service) DeleteUserImpact(ctx context.Context, a shelf.Actor, id int64) (UserImpact, error) {
	if err := requireAdmin(a); err != nil {
		return UserImpact{}, err
	}
	var im UserImpact
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		u, err := findUser(ctx, tx, id)
		if err != nil {
			return err
		}
		im, err = userBlockers(ctx, tx, a, u)
		im.User = u
		return err
	})
	return im, err
}

// DeleteUser deletes a user; admins only. It is refused (EOWNSITEMS) while
// the user owns any item, live or trashed, and for one's own account
// (EOWNACCOUNT). Their
// categories, tokens and sessions go with them; notes they wrote on others'
// items stay, with no author. It returns the user as they were, for the
// message that says so.
func (s *Service) DeleteUser(ctx context.Context, a shelf.Actor, id int64) (shelf.User, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.User{}, err
	}
	var u shelf.User
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = findUser(ctx, tx, id); err != nil {
			return err
		}
		im, err := userBlockers(ctx, tx, a, u)
		if err != nil {
			return err
		}
		if im.Code != "" {
			return shelf.Restricted(im.Code, im.Message, im.Blockers)
		}
		if _, err := tx.DeleteUser(ctx, u.ID); err != nil {
			if e := shelf.AsError(err); e != nil && e.Code == shelf.ERESTRICTED {
				// note: an item created since the check; the schema's RESTRICT holds.
				e.Code = shelf.EOWNSITEMS
				e.Message = fmt.Sprintf("%s still owns items; transfer them first.", u.Name)
				e.Blockers = []shelf.Blocker{}
			}
			return err
		}
		return s.audit(ctx, tx, a, u.ID, shelf.ActionUserDelete, "user", u.ID, "",
			fmt.Sprintf("Deleted user %s", u.Email),
			map[string]any{"user": map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "role": u.Role, "created_at": u.CreatedAt}})
	})
	if err != nil {
		return shelf.User{}, err
	}
	counted(s.count.deletes, "user", 1)
	return u, nil
}

// TransferItems gives every item of one user, live and trashed, to another;
// admins only. The moved items become uncategorised (categories stay with
// their owner). A live name both users use refuses the whole transfer
// (ENAMETAKEN, naming the items); TransferItemsRenaming resolves it.
func (s *Service) TransferItems(ctx context.Context, a shelf.Actor, from, to int64) (shelf.TransferResult, error) {
	return s.transferItems(ctx, a, from, to, false)
}

// TransferItemsRenaming is TransferItems that, rather than refuse, renames
// each live item whose name the recipient already uses ("Drill (from
// Alice)", then "… 2" and on while that is taken too), in the same
// transaction as the transfer, whose audit events keep both names.
func (s *Service) TransferItemsRenaming(ctx context.Context, a shelf.Actor, from, to int64) (shelf.TransferResult, error) {
	return s.transferItems(ctx, a, from, to, true)
}

func (s *Service) transferItems(ctx context.Context, a shelf.Actor, from, to int64, rename bool) (shelf.TransferResult, error) {
	var res shelf.TransferResult
	if err := requireAdmin(a); err != nil {
		return res, err
	}
	if to <= 0 {
		return res, shelf.Invalid(map[string]string{"to": "Choose who receives the items."})
	}
	if from == to {
		return res, shelf.Invalid(map[string]string{"to": "Choose another user to receive the items."})
	}
	var n int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		src, err := findUser(ctx, tx, from)
		if err != nil {
			return err
		}
		dst, err := tx.UserByID(ctx, to)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return shelf.Invalid(map[string]string{"to": "That user does not exist."})
		} else if err != nil {
			return err
		}
		// note: a hold on the user covers their items by owner; moving
		// them to another owner would take them out of it. (A hold on an
		// item follows the item; no item has id 0.)
		holds, err := tx.HoldsOnItem(ctx, 0, src.ID, maxBlockers)
		if err != nil {
			return err
		}
		if len(holds) > 0 {
			return shelf.Restricted(shelf.EHELD,
				fmt.Sprintf("A legal hold covers %s’s things; they stay with %s until it is released.", src.Name, src.Name), holdBlockers(holds))
		}
		renamed := []shelf.Renamed{}
		if rename {
			if renamed, err = s.renameClashes(ctx, tx, src, dst); err != nil {
				return err
			}
		}
		clashes, err := tx.LiveNameClashes(ctx, from, to, maxBlockers)
		if err != nil {
			return err
		}
		if len(clashes) > 0 {
			var bs []shelf.Blocker
			for _, it := range clashes {
				bs = append(bs, shelf.NewBlocker(shelf.BlockItem, it.ID, it.Name))
			}
			example, err := freeName(ctx, tx, clashes[0].Name, src, dst)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("%s already has live items with these names; rename them first, or transfer and rename them (for example, “%s” becomes “%s”).",
				dst.Name, clashes[0].Name, example)
			if rename {
				msg = fmt.Sprintf("%s already has live items with these names and every numbered name tried; rename them first.", dst.Name)
			}
			return &shelf.Error{Code: shelf.ENAMETAKEN, Blockers: bs, Message: msg}
		}
		n, err = tx.TransferItems(ctx, from, to, s.Now())
		if err != nil {
			return err
		}
		// note: both users' lanes hear of it, so that each one's events
		// tell the whole story of their things; the lanes are taken in
		// order, as every writer to several lanes does.
		if err := tx.LockAuditLanes(ctx, src.ID, dst.ID); err != nil {
			return err
		}
		// note: each lane's copy is sealed under its owner's key, so the
		// summary names the users by id: an email in it would outlive the
		// other user's erasure. The renamed items' names are the
		// recipient's now, like the items.
		summary := fmt.Sprintf("Transferred %s from user %d to user %d", shelf.Count(n, "item", "items"), src.ID, dst.ID)
		snap := map[string]any{"from": src.ID, "to": dst.ID, "items": n}
		if len(renamed) > 0 {
			summary += fmt.Sprintf("; renamed %s that clashed", shelf.Count(len(renamed), "item", "items"))
			snap["renamed"] = renamed
		}
		if err := s.audit(ctx, tx, a, src.ID, shelf.ActionItemsTransfer, "user", src.ID, "", summary, snap); err != nil {
			return err
		}
		res = shelf.TransferResult{Transferred: n, To: dst, Renamed: renamed}
		return s.audit(ctx, tx, a, dst.ID, shelf.ActionItemsTransfer, "user", src.ID, "", summary, snap)
	})
	if err != nil {
		return shelf.TransferResult{}, err
	}
	return res, nil
}

// HasUsers reports whether the database has any user yet.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	var ok bool
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		ok, err = tx.HasUsers(ctx)
		return err
	})
	return ok, err
}
