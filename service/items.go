package service

import (
	"context"

	"shelf"
	"shelf/store"
)

// visibleItem returns an item the actor may act on, in the state the use case
// needs (live or trashed), locking its row; anything else is ENOTFOUND.
func visibleItem(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64, trashed bool) (shelf.Item, error) {
	return findItem(ctx, tx, a, id, trashed, tx.LockItem)
}

// peekItem is visibleItem without the lock, for reads.
func peekItem(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64, trashed bool) (shelf.Item, error) {
	return findItem(ctx, tx, a, id, trashed, tx.Item)
}

// listOfItem reads what a live item the actor may see has (its notes, loans
// or photos) with list: who may read an item's parts is decided here once.
// The list is never nil, so that JSON has [] rather than null.
func listOfItem[T any](ctx context.Context, s *Service, a shelf.Actor, itemID int64, list func(tx *store.Tx, itemID int64) ([]T, error)) ([]T, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	var out []T
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		it, err := peekItem(ctx, tx, a, itemID, false)
		if err != nil {
			return err
		}
		out, err = list(tx, it.ID)
		return err
	})
	if out == nil {
		out = []T{}
	}
	return out, err
}

func findItem(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64, trashed bool,
	get func(context.Context, int64) (shelf.Item, error)) (shelf.Item, error) {
	it, err := visible(ctx, a, "Item", id, get, itemOwner, func(it shelf.Item) bool { return it.Trashed() == trashed && it.JobID == nil })
	if err == nil && trashed {
		// note: a job deleting it has taken it out of the Trash already.
		hidden, herr := tx.HiddenByJob(ctx, it.ID)
		if herr != nil {
			return shelf.Item{}, herr
		}
		if hidden {
			return shelf.Item{}, notFound("Item")
		}
	}
	return it, err
}

// checkCategory refuses a category that does not exist or is not the owner's.
func checkCategory(ctx context.Context, tx *store.Tx, ownerID int64, id *int64) error {
	if id == nil {
		return nil
	}
	c, err := tx.Category(ctx, *id)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND || (err == nil && c.OwnerID != ownerID) {
		return shelf.Invalid(map[string]string{"category_id": "Category does not exist."})
	}
	return err
}

// categoryGone turns the foreign-key refusal of an item's category into
// what checkCategory says of a missing one: on PostgreSQL the category can
// be deleted between the check and the write, and the database's refusal
// is then not a restriction (409) but an invalid field (422).
func categoryGone(err error, categoryID *int64) error {
	if categoryID != nil && shelf.ErrorCode(err) == shelf.ERESTRICTED {
		return &shelf.Error{Code: shelf.EINVALID, Message: "Some fields are not valid.",
			Fields: map[string]string{"category_id": "Category does not exist."}, Err: err}
	}
	return err
}

// nameTaken is the conflict of a live item already using a name.
func nameTaken(clash shelf.Item) error {
	return &shelf.Error{Code: shelf.ENAMETAKEN,
		Message:  "An item named “" + clash.Name + "” already exists.",
		Blockers: []shelf.Blocker{shelf.NewBlocker(shelf.BlockItem, clash.ID, clash.Name)}}
}

// liveClash returns the conflict error if a live item of owner already uses
// name (other than the item except), or nil.
func liveClash(ctx context.Context, tx *store.Tx, owner int64, name string, except int64) error {
	clash, err := tx.LiveItemNamed(ctx, owner, name)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if clash.ID == except {
		return nil
	}
	return nameTaken(clash)
}

// CreateItem adds an item owned by the actor.
func (s *Service) CreateItem(ctx context.Context, a shelf.Actor, in shelf.ItemInput) (shelf.Item, error) {
	if err := requireUser(a); err != nil {
		return shelf.Item{}, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return shelf.Item{}, err
	}
	// note: the insert checks the category and the name itself, in one
	// statement with no transaction around it (on PostgreSQL one round
	// trip, where the checks and the insert in a transaction took four);
	// only a create that was refused reads why. What it reads can have
	// changed since (the clashing item trashed, say), and then the create
	// is tried again.
	for attempt := 1; ; attempt++ {
		var it shelf.Item
		var stored bool
		err := s.db.WriteOne(ctx, func(tx *store.Tx) error {
			var err error
			it, stored, err = tx.InsertItemIfFree(ctx, shelf.Item{OwnerID: a.UserID, CategoryID: in.CategoryID, Name: in.Name,
				Description: in.Description, Quantity: in.Quantity, CreatedAt: s.Now()})
			return categoryGone(err, in.CategoryID)
		})
		if err != nil || stored {
			return it, err
		}
		err = s.db.Read(ctx, func(tx *store.Tx) error {
			if err := checkCategory(ctx, tx, a.UserID, in.CategoryID); err != nil {
				return err
			}
			return liveClash(ctx, tx, a.UserID, in.Name, 0)
		})
		if err != nil {
			return shelf.Item{}, err
		}
		if attempt == maxCreateAttempts {
			return shelf.Item{}, shelf.Errorf(shelf.ECONFLICT, "The item could not be stored; try again.")
		}
	}
}

// maxCreateAttempts bounds how often CreateItem tries again when what
// refused its insert was gone by the time it looked.
const maxCreateAttempts = 3

// Item returns a live item the actor may see.
func (s *Service) Item(ctx context.Context, a shelf.Actor, id int64) (shelf.Item, error) {
	if err := requireUser(a); err != nil {
		return shelf.Item{}, err
	}
	var it shelf.Item
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		it, err = peekItem(ctx, tx, a, id, false)
		return err
	})
	return it, err
}

// UpdateItem changes a live item's fields. When version is not 0 it must be
// the item's current version, or the update fails with EPRECONDITION.
func (s *Service) UpdateItem(ctx context.Context, a shelf.Actor, id int64, in shelf.ItemInput, version int64) (shelf.Item, error) {
	if err := requireUser(a); err != nil {
		return shelf.Item{}, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return shelf.Item{}, err
	}
	var it shelf.Item
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		// note: the category's lock before the item's, the order its
		// deletion takes them in too.
		if in.CategoryID != nil {
			if err := tx.LockCategory(ctx, *in.CategoryID, false); err != nil {
				return err
			}
		}
		var err error
		it, err = visibleItem(ctx, tx, a, id, false)
		if err != nil {
			return err
		}
		if version != 0 && version != it.Version {
			return stale(it)
		}
		if err := checkCategory(ctx, tx, it.OwnerID, in.CategoryID); err != nil {
			return err
		}
		if err := liveClash(ctx, tx, it.OwnerID, in.Name, it.ID); err != nil {
			return err
		}
		if in.Quantity < it.Quantity {
			active, err := tx.CountActiveLoans(ctx, it.ID, loanCountCap(it.Quantity))
			if err != nil {
				return err
			}
			if err := shelf.CheckQuantity(in.Quantity, active); err != nil {
				return err
			}
		}
		expect := it.Version
		it.Name, it.Description, it.Quantity, it.CategoryID = in.Name, in.Description, in.Quantity, in.CategoryID
		it.UpdatedAt = s.Now()
		ok, err := tx.UpdateItem(ctx, it, expect)
		if err != nil {
			return categoryGone(err, in.CategoryID)
		}
		if !ok {
			return stale(it)
		}
		it.Version = expect + 1
		return nil
	})
	return it, err
}

func stale(it shelf.Item) error {
	return shelf.Errorf(shelf.EPRECONDITION, "“%s” was changed by someone else; reload it and try again.", it.Name)
}

// Items returns a page of the actor's live items, newest first; an admin
// may ask for everyone's.
func (s *Service) Items(ctx context.Context, a shelf.Actor, f shelf.ItemFilter, allOwners bool) (shelf.ItemPage, error) {
	return s.listItems(ctx, a, f, allOwners, s.db.ReadOne, (*store.Tx).LiveItems)
}

// listItems reads one page of a list with read (a transaction, or one
// statement), in the scope the actor may see: their own, or everyone's for
// an admin who asks.
func (s *Service) listItems(ctx context.Context, a shelf.Actor, f shelf.ItemFilter, allOwners bool,
	read func(context.Context, func(*store.Tx) error) error,
	list func(*store.Tx, context.Context, *int64, shelf.ItemFilter) (shelf.ItemPage, error)) (shelf.ItemPage, error) {
	if err := requireUser(a); err != nil {
		return shelf.ItemPage{}, err
	}
	if err := AllOwners(a, allOwners); err != nil {
		return shelf.ItemPage{}, err
	}
	if err := f.Validate(); err != nil {
		return shelf.ItemPage{}, err
	}
	scope := ownerScope(a, allOwners)
	var page shelf.ItemPage
	err := read(ctx, func(tx *store.Tx) error {
		var err error
		page, err = list(tx, ctx, scope, f)
		return err
	})
	page.AllOwners = scope == nil
	return page, err
}
