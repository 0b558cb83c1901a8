package shelf

import (
	"fmt"
	"strconv"
	"strings"
)

// Friction grows with the blast radius: past these thresholds a person
// confirms a destructive request by typing what it destroys. The pages show
// the typing field by them, and the browser script reads them from the page.
const (
	// BulkFriction is how many items a bulk delete may take before the
	// count must be typed; emptying a Trash of more items asks for it too.
	BulkFriction = 50
	// PurgeFriction is how many notes and loans a purge may take with it
	// before the item's name must be typed; emptying a Trash that takes more
	// rows (items, notes and loans) asks for the count.
	PurgeFriction = 100
)

// PurgeNeedsName reports whether deleting an item forever, with what im
// counts, asks for the item's name.
func PurgeNeedsName(im Impact) bool { return im.Notes+im.Loans > PurgeFriction }

// BulkNeedsCount reports whether a bulk delete of n items asks for the count.
func BulkNeedsCount(n int) bool { return n > BulkFriction }

// EmptyTrashNeedsCount reports whether emptying a Trash with these counts,
// or deleting that many chosen items of it forever, asks for the number of
// items.
func EmptyTrashNeedsCount(items, notes, loans int) bool {
	return items > BulkFriction || items+notes+loans > PurgeFriction
}

// Undoable reports whether a destructive action can be taken back: moving
// items (and photos) to the Trash, which Undo or the Trash restores. Every
// other destructive action is permanent: deleting forever, emptying the
// Trash, deleting a note, a category, a token or a user, and transferring
// a user's items (their categories stay behind). This is the one friction
// policy: an undoable action confirms with its impact and offers Undo after;
// a permanent one confirms with its impact and says it cannot be undone;
// past the thresholds above, either asks for typing.
func Undoable(action string) bool {
	switch action {
	case ActionItemTrash, ActionPhotoTrash:
		return true
	}
	return false
}

// UndoNote is what a confirmation of action says about taking it back.
func UndoNote(action string) string {
	if Undoable(action) {
		return "You can undo this."
	}
	return "This cannot be undone."
}

// MaxReasonLen caps the reason a user may give for a destructive request, in
// characters, as the forms' maxlength counts them.
const MaxReasonLen = 1000

// Confirmation is what came with a destructive request: the optional reason
// its audit events keep, and what a person typed to confirm it.
type Confirmation struct {
	Reason string
	// Typed is the item's name (a purge) or the number of items (a bulk
	// delete, emptying a Trash) as typed; nil when nothing was sent.
	Typed *string
	// Asked says the request comes from a form that asks for Typed past the
	// friction thresholds, so a missing Typed refuses it there. A client that
	// is not asked (the JSON API) need not send it; what it sends must match.
	Asked bool
}

// Check refuses a confirmation that needed typing (need, when Asked) or
// that typed something other than want, with field's error msg.
func (c Confirmation) Check(need bool, want, field, msg string) error {
	if c.Typed == nil && !(need && c.Asked) {
		return nil
	}
	if c.Typed != nil && strings.TrimSpace(*c.Typed) == want {
		return nil
	}
	return Invalid(map[string]string{field: msg})
}

// CheckCount is Check for a typed number of items.
func (c Confirmation) CheckCount(need bool, n int, msg string) error {
	return c.Check(need, strconv.Itoa(n), "confirm_count", msg)
}

// Typed returns a pointer to s, for Confirmation.Typed.
func Typed(s string) *string { return &s }

// ValidatePurgeIDs refuses deleting forever no chosen items, or more than
// one page of them (MaxPageSize): a purge holds its rows' locks until it
// commits, so it takes no more than the Trash shows at once.
func ValidatePurgeIDs(ids []int64) error {
	switch {
	case len(ids) == 0:
		return Invalid(map[string]string{"ids": "Choose at least one item to delete forever."})
	case len(ids) > MaxPageSize:
		return Invalid(map[string]string{"ids": fmt.Sprintf("Choose at most %d items to delete forever at a time.", MaxPageSize)})
	}
	return nil
}

// ValidateBulkIDs refuses a bulk delete of no ids or of more than
// MaxBulkIDs.
func ValidateBulkIDs(ids []int64) error {
	switch {
	case len(ids) == 0:
		return Invalid(map[string]string{"ids": "Choose at least one item to delete."})
	case len(ids) > MaxBulkIDs:
		return Invalid(map[string]string{"ids": fmt.Sprintf("Choose at most %d items at a time.", MaxBulkIDs)})
	}
	return nil
}
