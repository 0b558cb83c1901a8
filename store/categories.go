package store

import (
	"context"

	"shelf"
)

func scanCategory(s interface{ Scan(...any) error }) (shelf.Category, error) {
	var c shelf.Category
	err := s.Scan(&c.ID, &c.OwnerID, &c.Name)
	return c, err
}

// InsertCategory stores a category; a name the owner already uses is ECONFLICT.
func (t *Tx) InsertCategory(ctx context.Context, c shelf.Category) (shelf.Category, error) {
	err := t.queryRow(ctx, []any{&c.ID},
		`INSERT INTO categories (owner_id, name) VALUES (?, ?) RETURNING id`, c.OwnerID, c.Name)
	return c, err
}

// Category returns one category, or ENOTFOUND.
func (t *Tx) Category(ctx context.Context, id int64) (shelf.Category, error) {
	rows, err := t.query(ctx, `SELECT id, owner_id, name FROM categories WHERE id = ?`, id)
	if err != nil {
		return shelf.Category{}, err
	}
	return one(rows, scanCategory)
}

// CategoryNamed returns the owner's category with this name (compared
// case-insensitively), or ENOTFOUND.
func (t *Tx) CategoryNamed(ctx context.Context, ownerID int64, name string) (shelf.Category, error) {
	rows, err := t.query(ctx, `SELECT id, owner_id, name FROM categories
		WHERE owner_id = ? AND `+t.d.sameName("name"), ownerID, name)
	if err != nil {
		return shelf.Category{}, err
	}
	return one(rows, scanCategory)
}

// Categories lists an owner's categories by name (nil owner: everyone's).
func (t *Tx) Categories(ctx context.Context, owner *int64) ([]shelf.Category, error) {
	q := `SELECT id, owner_id, name FROM categories`
	var args []any
	if owner != nil {
		q += ` WHERE owner_id = ?`
		args = append(args, *owner)
	}
	rows, err := t.query(ctx, q+` ORDER BY lower(name), id`, args...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanCategory)
}

// DeleteCategory deletes a category; the schema sets its items' category to
// NULL. It reports whether it deleted.
func (t *Tx) DeleteCategory(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM categories WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// CountCategoryItems counts, capped, the items (live and trashed) in a category.
func (t *Tx) CountCategoryItems(ctx context.Context, id int64, limit int) (int, error) {
	return t.count(ctx, limit, `items WHERE category_id = ?`, id)
}

// LockCategory holds a category's row until commit, on engines with row
// locks: exclusively to delete it, shared (FOR KEY SHARE, the lock a
// foreign key takes) to point an item at it. Taking it before any item's
// lock gives every transaction the same order, category then items, so a
// category's deletion and an edit of one of its items wait for each other
// instead of deadlocking. It does not say whether the category exists.
func (t *Tx) LockCategory(ctx context.Context, id int64, exclusive bool) error {
	if t.d.forUpdate() == "" {
		return nil // note: SQLite has one writer at a time; nothing to order
	}
	lock := " FOR KEY SHARE"
	if exclusive {
		lock = t.d.forUpdate()
	}
	rows, err := t.query(ctx, `SELECT id FROM categories WHERE id = ?`+lock, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return t.d.mapErr(rows.Err())
}

// LockCategoryItems locks, on engines with row locks, the items of a
// category in id order, the order bulk deletes lock items in. Deleting a
// category updates its items (SET NULL) in whatever order the table gives;
// locking them first, in id order, keeps that from deadlocking with a
// delete of several of them.
func (t *Tx) LockCategoryItems(ctx context.Context, id int64) error {
	if t.d.forUpdate() == "" {
		return nil
	}
	rows, err := t.query(ctx, `SELECT id FROM items WHERE category_id = ? ORDER BY id`+t.d.forUpdate(), id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return t.d.mapErr(rows.Err())
}
