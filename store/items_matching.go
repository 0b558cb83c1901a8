package store

import (
	"context"
	"strings"

	"shelf"
)

// liveMatching is the condition of the live items a list shows for owner
// (everyone's when nil) and f's search and category, whatever its cursor:
// the items list's rows and "all items matching this search" are the same
// rows.
func liveMatching(owner *int64, f shelf.ItemFilter) ([]string, []any) {
	// note: items a bulk delete's job is moving have left the list already.
	where := []string{"deleted_at IS NULL", "job_id IS NULL"}
	var args []any
	if owner != nil {
		where = append(where, "owner_id = ?")
		args = append(args, *owner)
	}
	if f.Query != "" {
		where = append(where, nameLike)
		args = append(args, likePattern(f.Query))
	}
	if f.CategoryID != nil {
		where = append(where, "category_id = ?")
		args = append(args, *f.CategoryID)
	}
	return where, args
}

// LiveItemIDs returns the ids of up to limit live items that f's search and
// category match (its cursor aside), newest first, as the list orders them;
// only those up to id upto, when it is not 0.
func (t *Tx) LiveItemIDs(ctx context.Context, owner *int64, f shelf.ItemFilter, upto int64, limit int) ([]int64, error) {
	where, args := liveMatching(owner, f)
	if upto > 0 {
		where = append(where, "id <= ?")
		args = append(args, upto)
	}
	rows, err := t.query(ctx, `SELECT id FROM items WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanID)
}

// CountLiveItems counts, up to limit, the live items that f's search and
// category match (its cursor aside), and returns the newest one's id (0
// when none match).
func (t *Tx) CountLiveItems(ctx context.Context, owner *int64, f shelf.ItemFilter, limit int) (n int, newest int64, err error) {
	where, args := liveMatching(owner, f)
	err = t.queryRow(ctx, []any{&n, &newest}, `SELECT count(*), coalesce(max(id), 0) FROM (SELECT id FROM items WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?) m`, append(args, limit)...)
	return n, newest, err
}
