package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"shelf"
	"shelf/store"
)

// MaxNoteLen is the longest note body.
const MaxNoteLen = 10000

// AddNote writes a note on a live item the actor may see.
func (s *Service) AddNote(ctx context.Context, a shelf.Actor, itemID int64, body string) (shelf.Note, error) {
	if err := requireUser(a); err != nil {
		return shelf.Note{}, err
	}
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return shelf.Note{}, shelf.Invalid(map[string]string{"body": "A note cannot be empty."})
	case !utf8.ValidString(body):
		return shelf.Note{}, shelf.Invalid(map[string]string{"body": "A note must be valid UTF-8 text."})
	case utf8.RuneCountInString(body) > MaxNoteLen:
		return shelf.Note{}, shelf.Invalid(map[string]string{"body": "The note is too long."})
	}
	var n shelf.Note
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		it, err := visibleItem(ctx, tx, a, itemID, false)
		if err != nil {
			return err
		}
		var author *int64
		if a.UserID != 0 {
			id := a.UserID
			author = &id
		}
		n, err = tx.InsertNote(ctx, shelf.Note{ItemID: it.ID, AuthorID: author, Body: body, CreatedAt: s.Now()})
		return err
	})
	return n, err
}

// Notes lists the notes of a live item the actor may see, oldest first.
func (s *Service) Notes(ctx context.Context, a shelf.Actor, itemID int64) ([]shelf.Note, error) {
	return listOfItem(ctx, s, a, itemID, func(tx *store.Tx, itemID int64) ([]shelf.Note, error) {
		return tx.Notes(ctx, itemID, shelf.ImpactCap)
	})
}

// DeleteNote deletes a note for good. The actor must be able to see its item,
// which must be live (notes of trashed items are hidden with them).
func (s *Service) DeleteNote(ctx context.Context, a shelf.Actor, id int64) (shelf.Note, error) {
	if err := requireUser(a); err != nil {
		return shelf.Note{}, err
	}
	var n shelf.Note
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if id <= 0 {
			return notFound("Note")
		}
		n, err = tx.Note(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Note")
		} else if err != nil {
			return err
		}
		it, err := visibleItem(ctx, tx, a, n.ItemID, false)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Note")
		} else if err != nil {
			return err
		}
		ok, err := tx.DeleteNote(ctx, n.ID)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Note")
		}
		return s.audit(ctx, tx, a, it.OwnerID, shelf.ActionNoteDelete, "note", n.ID, "",
			fmt.Sprintf("Deleted a note on “%s”", it.Name), map[string]any{"note": n})
	})
	if err == nil {
		counted(s.count.deletes, "note", 1)
	}
	return n, err
}

// Note returns one note of a live item the actor may see, with its item.
func (s *Service) Note(ctx context.Context, a shelf.Actor, id int64) (shelf.Note, shelf.Item, error) {
	if err := requireUser(a); err != nil {
		return shelf.Note{}, shelf.Item{}, err
	}
	var n shelf.Note
	var it shelf.Item
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		if id <= 0 {
			return notFound("Note")
		}
		var err error
		n, err = tx.Note(ctx, id)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Note")
		} else if err != nil {
			return err
		}
		it, err = peekItem(ctx, tx, a, n.ItemID, false)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Note")
		}
		return err
	})
	return n, it, err
}
