package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"shelf"
	"shelf/store"
)

// PlaceHold places a legal hold on a user (all their things) or on one
// item, live or in the Trash; admins only. While it stands, delete forever,
// emptying the Trash, the retention purge, erasure and deleting the user
// leave what it covers in place. The hold.place event names the target and
// keeps the reason in its snapshot.
func (s *Service) PlaceHold(ctx context.Context, a shelf.Actor, in shelf.HoldInput) (shelf.Hold, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.Hold{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	fields := map[string]string{}
	switch {
	case (in.UserID == nil) == (in.ItemID == nil):
		fields["user_id"] = "Name either a user or an item to hold."
	case in.UserID != nil && *in.UserID <= 0:
		fields["user_id"] = "user_id must be a positive id."
	case in.ItemID != nil && *in.ItemID <= 0:
		fields["item_id"] = "item_id must be a positive id."
	}
	switch {
	case in.Reason == "":
		fields["reason"] = "Give the reason for the hold."
	case utf8.RuneCountInString(in.Reason) > shelf.MaxHoldReason:
		fields["reason"] = fmt.Sprintf("Reason is too long (at most %d characters).", shelf.MaxHoldReason)
	}
	if len(fields) > 0 {
		return shelf.Hold{}, shelf.Invalid(fields)
	}
	h := shelf.Hold{UserID: in.UserID, ItemID: in.ItemID, Reason: in.Reason, PlacedBy: actorID(a), CreatedAt: s.Now()}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var summary string
		if h.UserID != nil {
			// note: the user's row is held exclusively until commit, so a
			// purge of their items that checked for holds before this one
			// commits, and one that checks after it sees it.
			err := tx.LockUser(ctx, *h.UserID, true)
			if shelf.ErrorCode(err) == shelf.ENOTFOUND {
				return shelf.Invalid(map[string]string{"user_id": "No such user."})
			} else if err != nil {
				return err
			}
			summary = fmt.Sprintf("Placed a legal hold on user %d", *h.UserID)
		} else {
			// note: the item's row is locked, as a purge locks it.
			_, err := tx.LockItem(ctx, *h.ItemID)
			if shelf.ErrorCode(err) == shelf.ENOTFOUND {
				return shelf.Invalid(map[string]string{"item_id": "No such item."})
			} else if err != nil {
				return err
			}
			summary = fmt.Sprintf("Placed a legal hold on item %d", *h.ItemID)
		}
		var err error
		if h, err = tx.InsertHold(ctx, h); err != nil {
			return err
		}
		// note: holds are the admins' business: their events have no
		// owner, so they reach admins' streams only, never the held user's.
		return s.audit(ctx, tx, a, 0, shelf.ActionHoldPlace, "hold", h.ID, "", summary, map[string]any{"hold": h})
	})
	return h, err
}

// ReleaseHold removes a legal hold; admins only. What it covered can be
// deleted for good again: the retention purge takes it at its next run if
// its time is up.
func (s *Service) ReleaseHold(ctx context.Context, a shelf.Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		h, err := tx.Hold(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Hold")
		} else if err != nil {
			return err
		}
		ok, err := tx.DeleteHold(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Hold") // released by a concurrent request
		}
		target := fmt.Sprintf("item %d", derefID(h.ItemID))
		if h.UserID != nil {
			target = fmt.Sprintf("user %d", *h.UserID)
		}
		return s.audit(ctx, tx, a, 0, shelf.ActionHoldRelease, "hold", h.ID, "",
			"Released the legal hold on "+target, map[string]any{"hold": h})
	})
}

// Holds lists every legal hold, oldest first; admins only.
func (s *Service) Holds(ctx context.Context, a shelf.Actor) ([]shelf.Hold, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var hs []shelf.Hold
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		hs, err = tx.Holds(ctx)
		return err
	})
	if hs == nil {
		hs = []shelf.Hold{}
	}
	return hs, err
}

// Hold returns one legal hold; admins only.
func (s *Service) Hold(ctx context.Context, a shelf.Actor, id int64) (shelf.Hold, error) {
	if err := requireAdmin(a); err != nil {
		return shelf.Hold{}, err
	}
	var h shelf.Hold
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		h, err = tx.Hold(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Hold")
		}
		return err
	})
	return h, err
}

// heldItem refuses, with EHELD naming the holds, to delete for good an item
// that a hold covers. It holds the owner's row shared until commit (see
// PlaceHold), so the answer stays true until the purge commits.
func heldItem(ctx context.Context, tx *store.Tx, it shelf.Item) error {
	if err := tx.LockUser(ctx, it.OwnerID, false); err != nil {
		return err
	}
	holds, err := tx.HoldsOnItem(ctx, it.ID, it.OwnerID, maxBlockers)
	if err != nil || len(holds) == 0 {
		return err
	}
	return held(it, holdBlockers(holds))
}

// held is the refusal of a permanent delete of an item that holds keep.
func held(it shelf.Item, blockers []shelf.Blocker) error {
	return shelf.Restricted(shelf.EHELD, fmt.Sprintf("“%s” is under a legal hold; it stays until the hold is released.", it.Name), blockers)
}

// holdBlockers names holds as blockers.
func holdBlockers(holds []shelf.Hold) []shelf.Blocker {
	bs := make([]shelf.Blocker, 0, len(holds))
	for _, h := range holds {
		bs = append(bs, h.Blocker())
	}
	return bs
}

// actorID is the actor's user id, nil for Shelf itself.
func actorID(a shelf.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
