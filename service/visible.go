package service

import (
	"context"

	"shelf"
)

// visible reads one thing by its id with get and hands it back if the actor
// may see it: owner says whose it is, and ok, when given, what else the use
// case needs of it (live, or in the Trash). Anything else, an id that
// cannot exist included, is the ENOTFOUND that names what: a thing the
// actor may not see does not exist for them, so no answer tells the two
// apart.
func visible[T any](ctx context.Context, a shelf.Actor, what string, id int64,
	get func(context.Context, int64) (T, error), owner func(T) int64, ok func(T) bool) (T, error) {
	var zero T
	if id <= 0 {
		return zero, notFound(what)
	}
	v, err := get(ctx, id)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND || (err == nil && (!canSee(a, owner(v)) || (ok != nil && !ok(v)))) {
		return zero, notFound(what)
	}
	return v, err
}

func categoryOwner(c shelf.Category) int64 { return c.OwnerID }
func itemOwner(it shelf.Item) int64        { return it.OwnerID }
func photoOwner(p shelf.Photo) int64       { return p.OwnerID }
func tokenOwner(tk shelf.APIToken) int64   { return tk.UserID }
func webhookOwner(w shelf.Webhook) int64   { return w.OwnerID }
