package service

import (
	"context"
	"fmt"

	"shelf"
	"shelf/store"
)

// "All items matching this search" are the live items the items list shows
// for a search and a category, on every page: the ones the actor owns (or
// everyone's, for an admin listing all). One request takes at most
// shelf.MaxBulkIDs of them, the newest first, as one bulk delete takes at
// most that many ids; when more match, the person is told, and the next
// request takes the next ones.

// Matching is how many live items a search matches, counted in SQL up to
// shelf.MaxBulkIDs: what a person is shown before they confirm, and hands
// back with the confirmation.
type Matching struct {
	Count int  // how many one request would take
	More  bool // more than that match
	// Newest is the newest matching item's id when counted: a delete of
	// what was counted takes nothing newer, such as an item made since.
	Newest int64
}

// CountMatching counts the live items f's search and category match (its
// cursor aside), in the actor's scope, up to one more than one request
// takes.
func (s *Service) CountMatching(ctx context.Context, a shelf.Actor, f shelf.ItemFilter, allOwners bool) (Matching, error) {
	if err := matchingAllowed(a, f, allOwners); err != nil {
		return Matching{}, err
	}
	var n int
	var newest int64
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		n, newest, err = tx.CountLiveItems(ctx, ownerScope(a, allOwners), f, shelf.MaxBulkIDs+1)
		return err
	})
	return Matching{Count: min(n, shelf.MaxBulkIDs), More: n > shelf.MaxBulkIDs, Newest: newest}, err
}

// TrashMatching moves the live items f's search and category match to the
// Trash as one bulk delete: one cohort, one Undo, the typed count past
// shelf.BulkFriction, a job past the job threshold, blocked items reported
// as TrashItems reports them. seen is what CountMatching told the person
// who confirmed: nothing newer than it counted is taken, and if the search
// matches another number of those now, nothing moves and they are asked to
// look again, so that a delete never takes what they were not shown.
func (s *Service) TrashMatching(ctx context.Context, a shelf.Actor, f shelf.ItemFilter, allOwners bool, seen Matching, c shelf.Confirmation) (shelf.BulkTrashResult, error) {
	if err := matchingAllowed(a, f, allOwners); err != nil {
		return shelf.BulkTrashResult{}, err
	}
	if seen.Count > 0 && seen.Newest <= 0 {
		return shelf.BulkTrashResult{}, shelf.Errorf(shelf.EMALFORMED, "The confirmation does not say which items it counted; go back to the list and try again.")
	}
	var ids []int64
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		ids, err = tx.LiveItemIDs(ctx, ownerScope(a, allOwners), f, seen.Newest, shelf.MaxBulkIDs)
		return err
	})
	if err != nil {
		return shelf.BulkTrashResult{}, err
	}
	switch {
	case len(ids) == 0:
		return shelf.BulkTrashResult{}, shelf.Invalid(map[string]string{"ids": "No items match this search now."})
	case len(ids) != seen.Count:
		return shelf.BulkTrashResult{}, shelf.Invalid(map[string]string{"ids": fmt.Sprintf(
			"This search matches %s now, not %d: check them again.", shelf.Count(len(ids), "item", "items"), seen.Count)})
	}
	return s.TrashItems(ctx, a, ids, c)
}

// matchingAllowed refuses what a list would refuse: an anonymous actor, a
// member asking for everyone's items, a filter no list answers.
func matchingAllowed(a shelf.Actor, f shelf.ItemFilter, allOwners bool) error {
	if err := requireUser(a); err != nil {
		return err
	}
	if err := AllOwners(a, allOwners); err != nil {
		return err
	}
	return f.Validate()
}
