package service

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"

	"shelf"
	"shelf/store"
)

// maxRenameTries bounds the numbered names tried for one clashing item
// ("… 2", "… 3"…) before the transfer gives up on it and names it as a
// clash that an admin renames by hand.
const maxRenameTries = 100

// renameClashes renames, in tx, each live item of src whose name a live
// item of dst already has, to a name that neither has: "Drill (from
// Alice)", or that with a number. It works through the clashes a bounded
// batch at a time, so any number of them costs constant memory.
func (s *Service) renameClashes(ctx context.Context, tx *store.Tx, src, dst shelf.User) ([]shelf.Renamed, error) {
	renamed := []shelf.Renamed{}
	now := s.Now()
	for {
		clashes, err := tx.LiveNameClashes(ctx, src.ID, dst.ID, maxBlockers)
		if err != nil || len(clashes) == 0 {
			return renamed, err
		}
		progress := false
		for _, it := range clashes {
			name, err := freeName(ctx, tx, it.Name, src, dst)
			if err != nil {
				return nil, err
			}
			if name == "" {
				continue // note: left to the refusal that names it
			}
			before := it.Name
			it.Name, it.UpdatedAt = name, now
			ok, err := tx.UpdateItem(ctx, it, it.Version)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, shelf.Errorf(shelf.ECONFLICT, "%s changed while it was being renamed; try the transfer again.", before)
			}
			renamed = append(renamed, shelf.Renamed{ID: it.ID, From: before, To: name})
			progress = true
		}
		if !progress {
			return renamed, nil
		}
	}
}

// freeName is the first of "name (from Alice)", "name (from Alice) 2", …
// that no live item of either user has, shortened to fit the longest
// name; "" when maxRenameTries are all taken.
func freeName(ctx context.Context, tx *store.Tx, name string, src, dst shelf.User) (string, error) {
	for i := 1; i <= maxRenameTries; i++ {
		candidate := renamedName(name, src.Name, i)
		free := true
		for _, owner := range []int64{dst.ID, src.ID} {
			_, err := tx.LiveItemNamed(ctx, owner, candidate)
			if err == nil {
				free = false
				break
			}
			if shelf.ErrorCode(err) != shelf.ENOTFOUND {
				return "", err
			}
		}
		if free {
			return candidate, nil
		}
	}
	return "", nil
}

// renamedName is the i-th name tried for an item of from's that a transfer
// renames: "Drill (from Alice)", then "Drill (from Alice) 2"…
func renamedName(name, from string, i int) string {
	suffix := " (from " + from + ")"
	if i > 1 {
		suffix += " " + strconv.Itoa(i)
	}
	return fitName(name, suffix)
}

// fitName joins name and suffix, cutting name (never the suffix, which says
// where the item came from) to keep within shelf.MaxNameLen characters.
func fitName(name, suffix string) string {
	room := shelf.MaxNameLen - utf8.RuneCountInString(suffix)
	if room < 1 {
		return fmt.Sprintf("%.*s", shelf.MaxNameLen, name+suffix)
	}
	if utf8.RuneCountInString(name) > room {
		name = string([]rune(name)[:room-1]) + "…"
	}
	return name + suffix
}
