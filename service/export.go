package service

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"time"

	"shelf"
	"shelf/store"
)

// ExportFormat names the layout of an account export, so that a reader can
// tell it from a later one.
const ExportFormat = "shelf-account-export/1"

// exportPage is how many rows one read of an export takes: each page is one
// short read transaction, written out before the next is read, so that a
// large account is never in memory whole and a slow download never holds
// the database.
const exportPage = 500

// AccountExport is a person's data, ready to be written out: everything
// they own and the audit events about their things. It is made by
// ExportAccount, which checks who asks, and read while it is written.
type AccountExport struct {
	s    *Service
	user shelf.User
	at   time.Time
}

// ExportAccount prepares the export of the actor's own account (the right
// of access and to data portability). Nothing is read beyond the user
// until Write.
func (s *Service) ExportAccount(ctx context.Context, a shelf.Actor) (*AccountExport, error) {
	if a.UserID == 0 {
		return nil, shelf.Errorf(shelf.EUNAUTHORIZED, "Please log in.")
	}
	u, err := s.User(ctx, a, a.UserID)
	if err != nil {
		return nil, err
	}
	return &AccountExport{s: s, user: u, at: s.Now()}, nil
}

// User is whose data the export holds.
func (x *AccountExport) User() shelf.User { return x.user }

// exportItem is an item as the export writes it: live or trashed, with the
// Trash's fields always there (null for a live item).
type exportItem struct {
	shelf.Item
	DeletedAt *time.Time `json:"deleted_at"`
	DeletedBy *int64     `json:"deleted_by"`
	Cohort    *string    `json:"cohort"`
}

// exportPhoto is a photo's record (the image itself is at its URL), with
// whether it is in the Trash.
type exportPhoto struct {
	shelf.Photo
	DeletedAt *time.Time `json:"deleted_at"`
}

// Write writes the export to w as one JSON document, page by page:
// {"format","exported_at","user","categories","tokens","webhooks","items",
// "notes","loans","photos","audit_events"}. Notes are those on the user's
// items and those they wrote on others'; tokens and webhooks come without
// their secrets; audit events are those about the user's things, opened,
// with the remote address of anyone else who acted left out. The pages are
// separate reads, so a change made during the download may or may not be
// in it. An error after the first byte leaves the document unfinished,
// which no JSON reader takes for a whole one.
func (x *AccountExport) Write(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	ew := &exportWriter{w: bw}
	id := x.user.ID
	ew.raw(`{"format":`)
	ew.value(ExportFormat)
	ew.raw(`,"exported_at":`)
	ew.value(x.at)
	ew.raw(`,"user":`)
	ew.value(x.user)
	if ew.err != nil {
		return ew.err
	}
	var cats []shelf.Category
	var tokens []shelf.APIToken
	var hooks []shelf.Webhook
	if err := x.s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if cats, err = tx.Categories(ctx, &id); err != nil {
			return err
		}
		if tokens, err = tx.Tokens(ctx, id); err != nil {
			return err
		}
		hooks, err = tx.Webhooks(ctx, &id)
		return err
	}); err != nil {
		return err
	}
	for i := range hooks {
		hooks[i].Secret = ""
	}
	list(ew, "categories", cats)
	list(ew, "tokens", tokens)
	list(ew, "webhooks", hooks)

	sections := []struct {
		name string
		page func(tx *store.Tx, after int64) ([]any, int64, error)
	}{
		{"items", func(tx *store.Tx, after int64) ([]any, int64, error) {
			return pageOf(tx.ExportItems(ctx, id, after, exportPage))(func(it shelf.Item) (any, int64) {
				return exportItem{Item: it, DeletedAt: it.DeletedAt, DeletedBy: it.DeletedBy, Cohort: shelf.NullString(it.Cohort)}, it.ID
			})
		}},
		{"notes", func(tx *store.Tx, after int64) ([]any, int64, error) {
			return pageOf(tx.ExportNotes(ctx, id, after, exportPage))(func(n shelf.Note) (any, int64) { return n, n.ID })
		}},
		{"loans", func(tx *store.Tx, after int64) ([]any, int64, error) {
			return pageOf(tx.ExportLoans(ctx, id, after, exportPage))(func(l shelf.Loan) (any, int64) { return l, l.ID })
		}},
		{"photos", func(tx *store.Tx, after int64) ([]any, int64, error) {
			return pageOf(tx.ExportPhotos(ctx, id, after, exportPage))(func(p shelf.Photo) (any, int64) {
				return exportPhoto{Photo: p, DeletedAt: p.DeletedAt}, p.ID
			})
		}},
	}
	for _, sec := range sections {
		ew.open(sec.name)
		var after int64
		for {
			var rows []any
			if err := x.s.db.Read(ctx, func(tx *store.Tx) error {
				var err error
				rows, after, err = sec.page(tx, after)
				return err
			}); err != nil {
				return err
			}
			for _, v := range rows {
				ew.elem(v)
			}
			if err := ew.flush(); err != nil {
				return err
			}
			if len(rows) < exportPage {
				break
			}
		}
		ew.close()
	}
	if err := x.writeAudit(ctx, ew); err != nil {
		return err
	}
	ew.raw("}\n")
	return ew.flush()
}

// writeAudit writes the events about the user's things, page by page,
// opened within the read that found them.
func (x *AccountExport) writeAudit(ctx context.Context, ew *exportWriter) error {
	id := x.user.ID
	ew.open("audit_events")
	var cursor shelf.EventCursor
	for {
		var events []shelf.AuditEvent
		if err := x.s.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			if events, cursor, err = tx.OwnerAudit(ctx, id, cursor, exportPage); err != nil {
				return err
			}
			o, err := x.s.newOpener(ctx, tx, events)
			if err != nil {
				return err
			}
			for i, e := range events {
				events[i] = o.open(e)
				if e.ActorID == nil || *e.ActorID != id {
					// note: another person's address is theirs, not this
					// user's data.
					events[i].RemoteAddr = ""
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, e := range events {
			ew.elem(e)
		}
		if err := ew.flush(); err != nil {
			return err
		}
		if len(events) < exportPage {
			break
		}
	}
	ew.close()
	return nil
}

// pageOf turns a page read by the store into the export's values and the
// keyset position after them.
func pageOf[T any](rows []T, err error) func(conv func(T) (any, int64)) ([]any, int64, error) {
	return func(conv func(T) (any, int64)) ([]any, int64, error) {
		if err != nil {
			return nil, 0, err
		}
		out := make([]any, len(rows))
		var last int64
		for i, r := range rows {
			out[i], last = conv(r)
		}
		return out, last, nil
	}
}

// exportWriter writes a JSON document piece by piece, keeping the first
// error.
type exportWriter struct {
	w     *bufio.Writer
	err   error
	first bool // no element written yet in the open list
}

func (ew *exportWriter) raw(s string) {
	if ew.err == nil {
		_, ew.err = ew.w.WriteString(s)
	}
}

func (ew *exportWriter) value(v any) {
	if ew.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		ew.err = err
		return
	}
	_, ew.err = ew.w.Write(b)
}

func (ew *exportWriter) open(name string) {
	ew.raw(`,"` + name + `":[`)
	ew.first = true
}

func (ew *exportWriter) elem(v any) {
	if !ew.first {
		ew.raw(",")
	}
	ew.first = false
	ew.raw("\n")
	ew.value(v)
}

func (ew *exportWriter) close() { ew.raw("]") }

// list writes a whole list that is small by nature (categories, tokens,
// webhooks).
func list[T any](ew *exportWriter, name string, vs []T) {
	ew.open(name)
	for _, v := range vs {
		ew.elem(v)
	}
	ew.close()
}

func (ew *exportWriter) flush() error {
	if ew.err == nil {
		ew.err = ew.w.Flush()
	}
	return ew.err
}
