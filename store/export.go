package store

import (
	"context"
	"strconv"

	"shelf"
)

// The reads of an account export: each returns one bounded page in id
// order after a keyset position, so that an export of any size is read in
// short transactions and never held in memory whole.

// ExportItems returns up to limit of a user's items, live and trashed,
// with ids above after.
func (t *Tx) ExportItems(ctx context.Context, owner, after int64, limit int) ([]shelf.Item, error) {
	rows, err := t.query(ctx, `SELECT `+itemColumns+` FROM items WHERE owner_id = ? AND id > ? ORDER BY id LIMIT ?`,
		owner, after, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanItem)
}

// ExportNotes returns up to limit notes with ids above after that are on a
// user's items or that they wrote on someone else's.
func (t *Tx) ExportNotes(ctx context.Context, userID, after int64, limit int) ([]shelf.Note, error) {
	rows, err := t.query(ctx, `SELECT n.id, n.item_id, n.author_id, n.body, n.created_at
		FROM notes n JOIN items i ON i.id = n.item_id
		WHERE (i.owner_id = ? OR n.author_id = ?) AND n.id > ? ORDER BY n.id LIMIT ?`, userID, userID, after, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanNote)
}

// ExportLoans returns up to limit loans of a user's items with ids above
// after.
func (t *Tx) ExportLoans(ctx context.Context, owner, after int64, limit int) ([]shelf.Loan, error) {
	rows, err := t.query(ctx, `SELECT l.id, l.item_id, l.borrower, l.lent_at, l.due_at, l.returned_at
		FROM loans l JOIN items i ON i.id = l.item_id
		WHERE i.owner_id = ? AND l.id > ? ORDER BY l.id LIMIT ?`, owner, after, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanLoan)
}

// ExportPhotos returns up to limit photos of a user's items, live and
// trashed, with ids above after.
func (t *Tx) ExportPhotos(ctx context.Context, owner, after int64, limit int) ([]shelf.Photo, error) {
	rows, err := t.query(ctx, `SELECT `+photoColumns+` FROM photos p JOIN items i ON i.id = p.item_id
		WHERE i.owner_id = ? AND p.id > ? ORDER BY p.id LIMIT ?`, owner, after, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanPhoto)
}

// OwnerAudit returns up to limit audit events about a user's things (their
// owner_id) after the cursor, in the event stream's order (see events.go;
// on PostgreSQL the owner's index is ordered by transaction, then id), as
// stored, and the cursor of the last one.
func (t *Tx) OwnerAudit(ctx context.Context, owner int64, after shelf.EventCursor, limit int) ([]shelf.AuditEvent, shelf.EventCursor, error) {
	q := `SELECT '0', ` + auditColumns + ` FROM audit_events WHERE owner_id = ? AND id > ? ORDER BY id LIMIT ?`
	args := []any{owner, after.ID, limit}
	if t.d.name() == "postgres" {
		q = `SELECT xid::text, ` + auditColumns + ` FROM audit_events
			WHERE owner_id = ? AND (xid, id) > (CAST(? AS text)::xid8, ?) ORDER BY xid, id LIMIT ?`
		args = []any{owner, strconv.FormatUint(after.XID, 10), after.ID, limit}
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, after, err
	}
	var xid string
	events, err := all(rows, func(s interface{ Scan(...any) error }) (shelf.AuditEvent, error) {
		return scanAudit(prefixScanner{s, &xid})
	})
	if err != nil || len(events) == 0 {
		return events, after, err
	}
	last := shelf.EventCursor{ID: events[len(events)-1].ID}
	last.XID, err = strconv.ParseUint(xid, 10, 64)
	return events, last, err
}

// prefixScanner scans a row's first column into first, and the rest with
// the scanner it is given to.
type prefixScanner struct {
	s     interface{ Scan(...any) error }
	first *string
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.s.Scan(append([]any{p.first}, dest...)...)
}
