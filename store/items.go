package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shelf"
)

const itemColumns = "id, owner_id, category_id, name, description, quantity, version, created_at, updated_at, deleted_at, deleted_by, deleted_cohort, job_id"

// liveItemColumns leave out the columns that are NULL on every live item, for
// the list of live items, the busiest query.
const liveItemColumns = "id, owner_id, category_id, name, description, quantity, version, created_at, updated_at"

func scanLiveItem(s interface{ Scan(...any) error }) (shelf.Item, error) {
	var it shelf.Item
	err := s.Scan(&it.ID, &it.OwnerID, nullInt{&it.CategoryID}, &it.Name, &it.Description,
		&it.Quantity, &it.Version, timeCol{&it.CreatedAt}, timeCol{&it.UpdatedAt})
	return it, err
}

func scanItem(s interface{ Scan(...any) error }) (shelf.Item, error) {
	var it shelf.Item
	err := s.Scan(&it.ID, &it.OwnerID, nullInt{&it.CategoryID}, &it.Name, &it.Description,
		&it.Quantity, &it.Version, timeCol{&it.CreatedAt}, timeCol{&it.UpdatedAt},
		nullTimeCol{&it.DeletedAt}, nullInt{&it.DeletedBy}, nullString{&it.Cohort}, nullInt{&it.JobID})
	return it, err
}

// InsertItem stores a new live item; a live name the owner already uses is
// ECONFLICT.
func (t *Tx) InsertItem(ctx context.Context, it shelf.Item) (shelf.Item, error) {
	it.Version = 1
	it.UpdatedAt = it.CreatedAt
	err := t.queryRow(ctx, []any{&it.ID},
		`INSERT INTO items (owner_id, category_id, name, description, quantity, version, created_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		it.OwnerID, intPtr(it.CategoryID), it.Name, it.Description, it.Quantity, ts(it.CreatedAt), ts(it.UpdatedAt))
	return it, err
}

// InsertItemIfFree stores a new live item, as InsertItem does, in one
// statement, unless its name is taken among the owner's live items or its
// category is not one of the owner's; it reports whether it stored it. It
// says nothing of which it was: the caller asks, when it needs to say why.
//
// note: one statement, so that a create can be a WriteOne: the check and
// the insert were two statements in a transaction, four round trips on
// PostgreSQL where this is one. The live-name unique index decides the
// name (ON CONFLICT DO NOTHING), so two creates of one name at once store
// one item whatever the timing.
func (t *Tx) InsertItemIfFree(ctx context.Context, it shelf.Item) (shelf.Item, bool, error) {
	it.Version = 1
	it.UpdatedAt = it.CreatedAt
	rows, err := t.query(ctx, `INSERT INTO items (owner_id, category_id, name, description, quantity, version, created_at, updated_at)
		SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), 1, CAST(? AS TEXT), CAST(? AS TEXT)
		WHERE CAST(? AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM categories WHERE id = ? AND owner_id = ?)
		ON CONFLICT DO NOTHING RETURNING id`,
		it.OwnerID, intPtr(it.CategoryID), it.Name, it.Description, it.Quantity, ts(it.CreatedAt), ts(it.UpdatedAt),
		intPtr(it.CategoryID), intPtr(it.CategoryID), it.OwnerID)
	if err != nil {
		return it, false, err
	}
	ids, err := all(rows, func(s interface{ Scan(...any) error }) (int64, error) {
		var id int64
		err := s.Scan(&id)
		return id, err
	})
	if err != nil || len(ids) == 0 {
		return it, false, t.d.mapErr(err)
	}
	it.ID = ids[0]
	return it, true, nil
}

// Item returns an item, live or trashed, or ENOTFOUND.
func (t *Tx) Item(ctx context.Context, id int64) (shelf.Item, error) {
	rows, err := t.query(ctx, `SELECT `+itemColumns+` FROM items WHERE id = ?`, id)
	if err != nil {
		return shelf.Item{}, err
	}
	return one(rows, scanItem)
}

// LockItem returns an item and, on engines with row locks, holds its row
// until commit, so that check-then-act on it is safe.
func (t *Tx) LockItem(ctx context.Context, id int64) (shelf.Item, error) {
	rows, err := t.query(ctx, `SELECT `+itemColumns+` FROM items WHERE id = ?`+t.d.forUpdate(), id)
	if err != nil {
		return shelf.Item{}, err
	}
	return one(rows, scanItem)
}

// UpdateItem writes the editable fields of a live item if its version is
// still expectVersion, and bumps the version. It reports whether it did.
func (t *Tx) UpdateItem(ctx context.Context, it shelf.Item, expectVersion int64) (bool, error) {
	res, err := t.exec(ctx,
		`UPDATE items SET name = ?, description = ?, quantity = ?, category_id = ?, version = version + 1, updated_at = ?
		 WHERE id = ? AND version = ? AND deleted_at IS NULL`,
		it.Name, it.Description, it.Quantity, intPtr(it.CategoryID), ts(it.UpdatedAt), it.ID, expectVersion)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// TrashItem moves a live item to the Trash and reports whether it did; an
// item already trashed (by a concurrent request, say) is left alone.
func (t *Tx) TrashItem(ctx context.Context, id, by int64, at time.Time, cohort string) (bool, error) {
	var byArg any
	if by != 0 {
		byArg = by
	}
	res, err := t.exec(ctx,
		`UPDATE items SET deleted_at = ?, deleted_by = ?, deleted_cohort = ?, version = version + 1, updated_at = ?
		 WHERE id = ? AND deleted_at IS NULL`,
		ts(at), byArg, cohort, ts(at), id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// TrashItemUnlessLent counts, capped at limit, an item's notes, loans and
// active loans, and moves it to the Trash as TrashItem does when it has no
// active loan. It reports the counts and whether it trashed it. The caller
// holds the item's row lock (LockItem), so no loan can begin in between.
//
// note: on PostgreSQL it is one statement, where the count and the write
// were two round trips of every delete; SQLite, whose statements cost no
// round trip and which has no UPDATE in a WITH clause, runs the two.
func (t *Tx) TrashItemUnlessLent(ctx context.Context, id, by int64, at time.Time, cohort string, limit int) (notes, loans, active int, trashed bool, err error) {
	if t.d.name() != "postgres" {
		if notes, loans, active, err = t.ItemCounts(ctx, id, limit); err != nil || active > 0 {
			return notes, loans, active, false, err
		}
		trashed, err = t.TrashItem(ctx, id, by, at, cohort)
		return notes, loans, active, trashed, err
	}
	var byArg any
	if by != 0 {
		byArg = by
	}
	q := fmt.Sprintf(`WITH c AS (SELECT
			(SELECT count(*) FROM (SELECT 1 FROM notes WHERE item_id = ? LIMIT %[1]d) AS n) AS notes,
			(SELECT count(*) FROM (SELECT 1 FROM loans WHERE item_id = ? LIMIT %[1]d) AS l) AS loans,
			(SELECT count(*) FROM (SELECT 1 FROM loans WHERE item_id = ? AND returned_at IS NULL LIMIT %[1]d) AS a) AS active),
		u AS (UPDATE items SET deleted_at = ?, deleted_by = ?, deleted_cohort = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND deleted_at IS NULL AND (SELECT active FROM c) = 0 RETURNING id)
		SELECT c.notes, c.loans, c.active, EXISTS (SELECT 1 FROM u) FROM c`, limit)
	err = t.queryRow(ctx, []any{&notes, &loans, &active, &trashed}, q, id, id, id, ts(at), byArg, cohort, ts(at), id)
	return notes, loans, active, trashed, err
}

// RestoreItem brings a trashed item back under the given name and reports
// whether it did. A name that a live item uses is ECONFLICT.
func (t *Tx) RestoreItem(ctx context.Context, id int64, name string, at time.Time) (bool, error) {
	res, err := t.exec(ctx,
		`UPDATE items SET name = ?, deleted_at = NULL, deleted_by = NULL, deleted_cohort = NULL, version = version + 1, updated_at = ?
		 WHERE id = ? AND deleted_at IS NOT NULL`,
		name, ts(at), id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// PurgeItem deletes a trashed item for good; the schema cascades to its
// notes and loans, in SQL, without loading them. It reports whether it did.
func (t *Tx) PurgeItem(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM items WHERE id = ? AND deleted_at IS NOT NULL`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// LiveItemNamed returns the owner's live item with this name (compared
// case-insensitively), or ENOTFOUND.
func (t *Tx) LiveItemNamed(ctx context.Context, ownerID int64, name string) (shelf.Item, error) {
	rows, err := t.query(ctx, `SELECT `+itemColumns+` FROM items
		WHERE owner_id = ? AND deleted_at IS NULL AND `+t.d.sameName("name"), ownerID, name)
	if err != nil {
		return shelf.Item{}, err
	}
	return one(rows, scanItem)
}

// nameLike is the search condition: the term anywhere in the name, folded
// by the engine's own lower() on both sides, so that a name searched for as
// it is written is always found (folding the term in Go, where "É" becomes
// "é", missed names on SQLite, whose lower() folds A-Z only). The escape is
// '!', not a backslash, which PostgreSQL reads differently when
// standard_conforming_strings is off.
const nameLike = `lower(name) LIKE lower(?) ESCAPE '!'`

// LiveItems returns a page of live items, newest first. A nil owner lists
// everyone's (for admins).
func (t *Tx) LiveItems(ctx context.Context, owner *int64, f shelf.ItemFilter) (shelf.ItemPage, error) {
	limit := pageLimit(f.Limit)
	where, args := liveMatching(owner, f)
	if f.After != "" {
		after, err := decodeIDCursor(f.After)
		if err != nil {
			return shelf.ItemPage{}, err
		}
		where = append(where, "id < ?")
		args = append(args, after)
	}
	args = append(args, limit+1)
	rows, err := t.query(ctx, `SELECT `+liveItemColumns+` FROM items WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return shelf.ItemPage{}, err
	}
	items, err := all(rows, scanLiveItem)
	if err != nil {
		return shelf.ItemPage{}, err
	}
	page := shelf.ItemPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.Next = encodeIDCursor(page.Items[limit-1].ID)
	}
	return page, nil
}

// TrashedItems returns a page of the Trash, most recently trashed first. A
// nil owner lists everyone's (for admins).
func (t *Tx) TrashedItems(ctx context.Context, owner *int64, f shelf.ItemFilter) (shelf.ItemPage, error) {
	limit := pageLimit(f.Limit)
	// note: items a job is deleting have left the Trash already.
	where := []string{"deleted_at IS NOT NULL", inTrashView("items")}
	var args []any
	if owner != nil {
		where = append(where, "owner_id = ?")
		args = append(args, *owner)
	}
	if f.After != "" {
		at, id, err := decodeTimeCursor(f.After)
		if err != nil {
			return shelf.ItemPage{}, err
		}
		where = append(where, "(deleted_at < ? OR (deleted_at = ? AND id < ?))")
		args = append(args, at, at, id)
	}
	if f.Query != "" {
		where = append(where, nameLike)
		args = append(args, likePattern(f.Query))
	}
	if f.CategoryID != nil {
		where = append(where, "category_id = ?")
		args = append(args, *f.CategoryID)
	}
	if f.Cohort != "" {
		where = append(where, "deleted_cohort = ?")
		args = append(args, f.Cohort)
	}
	args = append(args, limit+1)
	rows, err := t.query(ctx, `SELECT `+itemColumns+` FROM items WHERE `+strings.Join(where, " AND ")+
		` ORDER BY deleted_at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return shelf.ItemPage{}, err
	}
	items, err := all(rows, scanItem)
	if err != nil {
		return shelf.ItemPage{}, err
	}
	page := shelf.ItemPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		last := page.Items[limit-1]
		page.Next = encodeTimeCursor(*last.DeletedAt, last.ID)
	}
	return page, nil
}

// CohortItems returns the trashed items of one delete request, locked. A nil
// owner takes everyone's.
func (t *Tx) CohortItems(ctx context.Context, cohort string, owner *int64) ([]shelf.Item, error) {
	q := `SELECT ` + itemColumns + ` FROM items WHERE deleted_cohort = ? AND deleted_at IS NOT NULL AND ` + inTrashView("items")
	args := []any{cohort}
	if owner != nil {
		q += ` AND owner_id = ?`
		args = append(args, *owner)
	}
	rows, err := t.query(ctx, q+` ORDER BY id`+t.d.forUpdate(), args...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanItem)
}

// TrashedBefore returns up to limit ids of items trashed before a time that
// no hold covers, oldest first, locked; several purgers on PostgreSQL each take rows the
// others do not hold. A nil owner takes everyone's.
func (t *Tx) TrashedBefore(ctx context.Context, owner *int64, before time.Time, limit int) ([]int64, error) {
	q := `SELECT id FROM items WHERE deleted_at IS NOT NULL AND deleted_at < ? AND job_id IS NULL AND ` + notHeld("items") +
		` AND NOT ` + emptying("items", 0)
	args := []any{ts(before)}
	if owner != nil {
		q += ` AND owner_id = ?`
		args = append(args, *owner)
	}
	args = append(args, limit)
	rows, err := t.query(ctx, q+` ORDER BY deleted_at, id LIMIT ?`+t.d.skipLocked(), args...)
	if err != nil {
		return nil, err
	}
	return all(rows, func(s interface{ Scan(...any) error }) (int64, error) {
		var id int64
		err := s.Scan(&id)
		return id, err
	})
}

// CountTrash counts, capped, the trashed items of an owner (nil: everyone's).
func (t *Tx) CountTrash(ctx context.Context, owner *int64, limit int) (int, error) {
	if owner == nil {
		return t.count(ctx, limit, `items WHERE deleted_at IS NOT NULL`)
	}
	return t.count(ctx, limit, `items WHERE owner_id = ? AND deleted_at IS NOT NULL`, *owner)
}

// TrashCounts counts, capped, the items in one owner's Trash and the notes
// and loans that emptying it would delete with them (what no hold keeps), in
// one statement.
func (t *Tx) TrashCounts(ctx context.Context, owner int64, limit int) (items, notes, loans int, err error) {
	q := fmt.Sprintf(`SELECT
		(SELECT count(*) FROM (SELECT 1 FROM items WHERE owner_id = ? AND deleted_at IS NOT NULL AND job_id IS NULL AND %[2]s AND NOT %[4]s LIMIT %[1]d) AS i),
		(SELECT count(*) FROM (SELECT 1 FROM items i JOIN notes n ON n.item_id = i.id
			WHERE i.owner_id = ? AND i.deleted_at IS NOT NULL AND i.job_id IS NULL AND %[3]s AND NOT %[5]s LIMIT %[1]d) AS n),
		(SELECT count(*) FROM (SELECT 1 FROM items i JOIN loans l ON l.item_id = i.id
			WHERE i.owner_id = ? AND i.deleted_at IS NOT NULL AND i.job_id IS NULL AND %[3]s AND NOT %[5]s LIMIT %[1]d) AS l)`,
		limit, notHeld("items"), notHeld("i"), emptying("items", 0), emptying("i", 0))
	err = t.queryRow(ctx, []any{&items, &notes, &loans}, q, owner, owner, owner)
	return items, notes, loans, err
}

// CountTrashedBefore counts the items trashed before a time that no hold
// covers, for progress.
func (t *Tx) CountTrashedBefore(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM items WHERE deleted_at IS NOT NULL AND deleted_at < ? AND job_id IS NULL AND `+notHeld("items")+
		` AND NOT `+emptying("items", 0), ts(before))
	return n, err
}

// ItemCounts counts, capped, an item's notes, loans and active loans in one
// statement: what a delete's impact preview and audit snapshot need.
func (t *Tx) ItemCounts(ctx context.Context, id int64, limit int) (notes, loans, active int, err error) {
	q := fmt.Sprintf(`SELECT
		(SELECT count(*) FROM (SELECT 1 FROM notes WHERE item_id = ? LIMIT %[1]d) AS n),
		(SELECT count(*) FROM (SELECT 1 FROM loans WHERE item_id = ? LIMIT %[1]d) AS l),
		(SELECT count(*) FROM (SELECT 1 FROM loans WHERE item_id = ? AND returned_at IS NULL LIMIT %[1]d) AS a)`, limit)
	err = t.queryRow(ctx, []any{&notes, &loans, &active}, q, id, id, id)
	return notes, loans, active, err
}
