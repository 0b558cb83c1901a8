package store

import (
	"context"

	"shelf"
)

const noteColumns = "id, item_id, author_id, body, created_at"

func scanNote(s interface{ Scan(...any) error }) (shelf.Note, error) {
	var n shelf.Note
	err := s.Scan(&n.ID, &n.ItemID, nullInt{&n.AuthorID}, &n.Body, timeCol{&n.CreatedAt})
	return n, err
}

// InsertNote stores a note on an item.
func (t *Tx) InsertNote(ctx context.Context, n shelf.Note) (shelf.Note, error) {
	err := t.queryRow(ctx, []any{&n.ID},
		`INSERT INTO notes (item_id, author_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		n.ItemID, intPtr(n.AuthorID), n.Body, ts(n.CreatedAt))
	return n, err
}

// Note returns one note, or ENOTFOUND.
func (t *Tx) Note(ctx context.Context, id int64) (shelf.Note, error) {
	rows, err := t.query(ctx, `SELECT `+noteColumns+` FROM notes WHERE id = ?`, id)
	if err != nil {
		return shelf.Note{}, err
	}
	return one(rows, scanNote)
}

// Notes returns up to limit notes of an item, oldest first.
func (t *Tx) Notes(ctx context.Context, itemID int64, limit int) ([]shelf.Note, error) {
	rows, err := t.query(ctx, `SELECT `+noteColumns+` FROM notes WHERE item_id = ? ORDER BY id LIMIT ?`, itemID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanNote)
}

// DeleteNote deletes a note and reports whether it did.
func (t *Tx) DeleteNote(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM notes WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// CountNotes counts, capped, the notes of an item.
func (t *Tx) CountNotes(ctx context.Context, itemID int64, limit int) (int, error) {
	return t.count(ctx, limit, `notes WHERE item_id = ?`, itemID)
}
