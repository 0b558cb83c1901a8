package service

import (
	"context"
	"fmt"
	"strings"

	"shelf"
	"shelf/store"
)

// CreateCategory adds a category owned by the actor; a name the actor already
// uses (in any case) is ENAMETAKEN, blocked by that category.
func (s *Service) CreateCategory(ctx context.Context, a shelf.Actor, name string) (shelf.Category, error) {
	if err := requireUser(a); err != nil {
		return shelf.Category{}, err
	}
	name = strings.TrimSpace(name)
	if msg := shelf.ValidateName(name); msg != "" {
		return shelf.Category{}, shelf.Invalid(map[string]string{"name": msg})
	}
	var c shelf.Category
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		clash, err := tx.CategoryNamed(ctx, a.UserID, name)
		switch {
		case err == nil:
			return &shelf.Error{Code: shelf.ENAMETAKEN, Message: fmt.Sprintf("You already have a category named “%s”.", clash.Name),
				Blockers: []shelf.Blocker{shelf.NewBlocker(shelf.BlockCategory, clash.ID, clash.Name)}}
		case shelf.ErrorCode(err) != shelf.ENOTFOUND:
			return err
		}
		c, err = tx.InsertCategory(ctx, shelf.Category{OwnerID: a.UserID, Name: name})
		if e := shelf.AsError(err); e != nil && e.Code == shelf.ECONFLICT {
			// note: created by a concurrent request since the check.
			e.Code, e.Blockers = shelf.ENAMETAKEN, []shelf.Blocker{}
			e.Message = fmt.Sprintf("You already have a category named “%s”.", name)
		}
		return err
	})
	return c, err
}

// Categories lists the actor's categories by name.
func (s *Service) Categories(ctx context.Context, a shelf.Actor) ([]shelf.Category, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	var cs []shelf.Category
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		owner := a.UserID
		cs, err = tx.Categories(ctx, &owner)
		return err
	})
	if cs == nil {
		cs = []shelf.Category{}
	}
	return cs, err
}

func visibleCategory(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64) (shelf.Category, error) {
	return visible(ctx, a, "Category", id, tx.Category, categoryOwner, nil)
}

// Category returns one category the actor may see.
func (s *Service) Category(ctx context.Context, a shelf.Actor, id int64) (shelf.Category, error) {
	if err := requireUser(a); err != nil {
		return shelf.Category{}, err
	}
	var c shelf.Category
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		c, err = visibleCategory(ctx, tx, a, id)
		return err
	})
	return c, err
}

// CategoryImpact counts (capped) the items, live and trashed, that deleting
// the category would leave uncategorised.
func (s *Service) CategoryImpact(ctx context.Context, a shelf.Actor, id int64) (int, error) {
	if err := requireUser(a); err != nil {
		return 0, err
	}
	var n int
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		c, err := visibleCategory(ctx, tx, a, id)
		if err != nil {
			return err
		}
		n, err = tx.CountCategoryItems(ctx, c.ID, shelf.ImpactCap)
		return err
	})
	return n, err
}

// uncappedCount is the cap for counts that a change reports exactly.
const uncappedCount = 1 << 62

// DeleteCategory deletes a category; its items, live and trashed, become
// uncategorised (the schema's SET NULL). It returns how many items that was.
func (s *Service) DeleteCategory(ctx context.Context, a shelf.Actor, id int64) (shelf.CategoryDeletion, error) {
	if err := requireUser(a); err != nil {
		return shelf.CategoryDeletion{}, err
	}
	var c shelf.Category
	var n int
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		c, err = visibleCategory(ctx, tx, a, id)
		if err != nil {
			return err
		}
		// note: the category, then its items in id order, then (with the
		// audit event) its audit lane: the order every writer takes locks in.
		if err := tx.LockCategory(ctx, c.ID, true); err != nil {
			return err
		}
		if err := tx.LockCategoryItems(ctx, c.ID); err != nil {
			return err
		}
		if n, err = tx.CountCategoryItems(ctx, c.ID, uncappedCount); err != nil {
			return err
		}
		ok, err := tx.DeleteCategory(ctx, c.ID)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Category")
		}
		return s.audit(ctx, tx, a, c.OwnerID, shelf.ActionCategoryDelete, "category", c.ID, "",
			fmt.Sprintf("Deleted category “%s”; %s uncategorised", c.Name, shelf.Count(n, "item became", "items became")),
			map[string]any{"category": map[string]any{"id": c.ID, "owner_id": c.OwnerID, "name": c.Name}, "items_uncategorised": n})
	})
	if err != nil {
		return shelf.CategoryDeletion{}, err
	}
	counted(s.count.deletes, "category", 1)
	return shelf.CategoryDeletion{Category: c, Uncategorised: n}, nil
}
