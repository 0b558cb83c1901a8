package shelf

import "time"

// Hold is a legal hold: while it stands, the user it names (all their
// items) or the one item it names cannot be deleted for good. Trashing and
// restoring still work; delete forever, emptying the Trash, the retention
// purge and erasure leave held items in place. Exactly one of UserID and
// ItemID is set. Releasing a hold removes it; the audit log keeps both its
// placing and its release.
type Hold struct {
	ID        int64     `json:"id"`
	UserID    *int64    `json:"user_id"`
	ItemID    *int64    `json:"item_id"`
	Reason    string    `json:"reason"`
	PlacedBy  *int64    `json:"placed_by"`
	CreatedAt time.Time `json:"created_at"`
}

// HoldInput is what it takes to place a hold: a user or an item, and why.
type HoldInput struct {
	UserID *int64 `json:"user_id"`
	ItemID *int64 `json:"item_id"`
	Reason string `json:"reason"`
}

// MaxHoldReason is the longest a hold's reason may be, in characters.
const MaxHoldReason = 1000

// Blocker returns the hold as what blocks a permanent delete: its id and its
// reason as the label.
func (h Hold) Blocker() Blocker { return NewBlocker(BlockHold, h.ID, h.Reason) }

// EmptyTrashResult is the outcome of emptying a Trash: how many items were
// purged, and the held items left in place with the holds that kept each.
type EmptyTrashResult struct {
	Purged  int           `json:"purged"`
	Blocked []BulkBlocker `json:"blocked"`
	// Job, when the Trash was too big for one request, is the job that
	// empties it; Purged and Blocked are then in its result.
	Job *Job `json:"-"`
}
