package store

import (
	"context"
	"fmt"

	"shelf"
)

const holdColumns = "id, user_id, item_id, reason, placed_by, created_at"

func scanHold(s interface{ Scan(...any) error }) (shelf.Hold, error) {
	var h shelf.Hold
	err := s.Scan(&h.ID, nullInt{&h.UserID}, nullInt{&h.ItemID}, &h.Reason, nullInt{&h.PlacedBy}, timeCol{&h.CreatedAt})
	return h, err
}

// notHeld is the condition "the item behind alias is covered by no hold",
// neither on itself nor on its owner: written as two NOT EXISTS so that each
// is one lookup in its index.
func notHeld(alias string) string {
	return fmt.Sprintf(`NOT EXISTS (SELECT 1 FROM holds h WHERE h.item_id = %[1]s.id)
		AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.user_id = %[1]s.owner_id)`, alias)
}

// InsertHold stores a new hold. A user or item that does not exist is
// ERESTRICTED (the foreign key).
func (t *Tx) InsertHold(ctx context.Context, h shelf.Hold) (shelf.Hold, error) {
	err := t.queryRow(ctx, []any{&h.ID},
		`INSERT INTO holds (user_id, item_id, reason, placed_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		intPtr(h.UserID), intPtr(h.ItemID), h.Reason, intPtr(h.PlacedBy), ts(h.CreatedAt))
	return h, err
}

// Hold returns one hold, or ENOTFOUND.
func (t *Tx) Hold(ctx context.Context, id int64) (shelf.Hold, error) {
	rows, err := t.query(ctx, `SELECT `+holdColumns+` FROM holds WHERE id = ?`, id)
	if err != nil {
		return shelf.Hold{}, err
	}
	return one(rows, scanHold)
}

// Holds lists every hold, oldest first.
func (t *Tx) Holds(ctx context.Context) ([]shelf.Hold, error) {
	rows, err := t.query(ctx, `SELECT `+holdColumns+` FROM holds ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return all(rows, scanHold)
}

// DeleteHold removes a hold (its release) and reports whether it did.
func (t *Tx) DeleteHold(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM holds WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// HoldsOnItem returns up to limit holds that cover an item: those that
// name it and those that name its owner, oldest first.
func (t *Tx) HoldsOnItem(ctx context.Context, itemID, ownerID int64, limit int) ([]shelf.Hold, error) {
	rows, err := t.query(ctx, `SELECT `+holdColumns+` FROM holds WHERE item_id = ? OR user_id = ? ORDER BY id LIMIT ?`,
		itemID, ownerID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanHold)
}

// HoldsOnUser returns up to limit holds that cover anything of a user's:
// those that name the user and those that name one of their items.
func (t *Tx) HoldsOnUser(ctx context.Context, userID int64, limit int) ([]shelf.Hold, error) {
	rows, err := t.query(ctx, `SELECT `+holdColumns+` FROM holds
		WHERE user_id = ? OR item_id IN (SELECT id FROM items WHERE owner_id = ?) ORDER BY id LIMIT ?`,
		userID, userID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanHold)
}

// HeldItem is an item that a hold keeps, with that hold.
type HeldItem struct {
	ItemID int64
	Hold   shelf.Hold
}

// HeldTrash returns up to limit items in an owner's Trash that holds keep,
// each with a hold that covers it.
func (t *Tx) HeldTrash(ctx context.Context, owner int64, limit int) ([]HeldItem, error) {
	rows, err := t.query(ctx, `SELECT i.id, h.id, h.user_id, h.item_id, h.reason, h.placed_by, h.created_at
		FROM items i JOIN holds h ON h.item_id = i.id OR h.user_id = i.owner_id
		WHERE i.owner_id = ? AND i.deleted_at IS NOT NULL ORDER BY i.id, h.id LIMIT ?`, owner, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, func(s interface{ Scan(...any) error }) (HeldItem, error) {
		var hi HeldItem
		h := &hi.Hold
		err := s.Scan(&hi.ItemID, &h.ID, nullInt{&h.UserID}, nullInt{&h.ItemID}, &h.Reason, nullInt{&h.PlacedBy}, timeCol{&h.CreatedAt})
		return hi, err
	})
}

// LockUser holds a user's row until commit: exclusively (a hold being placed
// on them), or shared (a purge checking that no hold covers them), so that
// a hold on a user and a purge of their items never pass each other
// unseen. SQLite's one writer needs no lock.
func (t *Tx) LockUser(ctx context.Context, id int64, exclusive bool) error {
	lock := t.d.forUpdate()
	if lock != "" && !exclusive {
		lock = " FOR SHARE"
	}
	var got int64
	return t.queryRow(ctx, []any{&got}, `SELECT id FROM users WHERE id = ?`+lock, id)
}
