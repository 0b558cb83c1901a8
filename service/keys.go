package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"shelf"
	"shelf/seal"
	"shelf/store"
)

// Erased is what a reader sees in place of personal data whose key an
// erasure destroyed.
const Erased = shelf.ErasedText

// WithMasterKey wraps the people's keys with master (from shelf serve
// --key-file) before they are stored, so that a copy of the database alone
// cannot open their personal data. The server checks at start-up (CheckKeys)
// that master is the one the database's keys were wrapped with.
func WithMasterKey(master []byte) Option { return func(s *Service) { s.master = master } }

// keyCheckText is what the key check seals with the master key.
const keyCheckText = "shelf key check"

// CheckKeys refuses a master key that does not open the database's keys,
// and a missing one when they were wrapped, with a message that says what
// to do; it records the check for a master key used the first time.
func (s *Service) CheckKeys(ctx context.Context) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		check, err := tx.KeyCheck(ctx)
		switch {
		case shelf.ErrorCode(err) == shelf.ENOTFOUND:
			if s.master == nil {
				return nil
			}
			v, err := seal.Wrap(s.master, []byte(keyCheckText))
			if err != nil {
				return err
			}
			return tx.SetKeyCheck(ctx, v)
		case err != nil:
			return err
		case s.master == nil:
			return errors.New("the people's keys in this database are wrapped with a key file: start with --key-file (refusing to write audit events that could not be read)")
		}
		if got, err := seal.Unwrap(s.master, check); err != nil || string(got) != keyCheckText {
			return errors.New("the key file does not open this database's keys: it is not the one they were wrapped with")
		}
		return nil
	})
}

// storeKey is how a key is kept in the database: wrapped with the master
// key when there is one.
func (s *Service) storeKey(k []byte) (string, error) {
	if s.master != nil {
		return seal.Wrap(s.master, k)
	}
	return "raw:" + base64.StdEncoding.EncodeToString(k), nil
}

// loadKey opens a stored key.
func (s *Service) loadKey(stored string) ([]byte, error) {
	if raw, ok := strings.CutPrefix(stored, "raw:"); ok {
		return base64.StdEncoding.DecodeString(raw)
	}
	if s.master == nil {
		return nil, errors.New("a wrapped key, and no key file")
	}
	return seal.Unwrap(s.master, stored)
}

// subjectKey returns a person's key within tx, making it on their first
// event.
func (s *Service) subjectKey(ctx context.Context, tx *store.Tx, userID int64) ([]byte, error) {
	stored, err := tx.SubjectKey(ctx, userID)
	if shelf.ErrorCode(err) == shelf.ENOTFOUND {
		fresh, err := s.storeKey(seal.NewKey())
		if err != nil {
			return nil, err
		}
		if err := tx.InsertSubjectKey(ctx, userID, fresh, s.Now()); err != nil {
			return nil, err
		}
		stored, err = tx.SubjectKey(ctx, userID)
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return s.loadKey(stored)
}

// sealEvent seals an event's personal data before it is stored: the summary
// and the snapshot under the key of the owner of the thing it is about, the
// remote address under the actor's. Events about no one's thing (anchors,
// holds) name no person's data and stay plain.
func (s *Service) sealEvent(ctx context.Context, tx *store.Tx, e *shelf.AuditEvent) error {
	if s.unsealed {
		return nil
	}
	var ownerKey []byte
	if e.OwnerID != nil {
		k, err := s.subjectKey(ctx, tx, *e.OwnerID)
		if err != nil {
			return err
		}
		ownerKey = k
		if e.Summary, err = seal.Seal(k, *e.OwnerID, "summary", e.Summary); err != nil {
			return err
		}
		sealed, err := seal.Seal(k, *e.OwnerID, "snapshot", string(e.Snapshot))
		if err != nil {
			return err
		}
		// note: the snapshot column holds JSON; a sealed one is a JSON string.
		if e.Snapshot, err = json.Marshal(sealed); err != nil {
			return err
		}
	}
	if e.ActorID != nil && e.RemoteAddr != "" {
		// note: most events are about the actor's own things; their key
		// is read once (on PostgreSQL, a round trip less).
		k := ownerKey
		var err error
		if e.OwnerID == nil || *e.OwnerID != *e.ActorID {
			if k, err = s.subjectKey(ctx, tx, *e.ActorID); err != nil {
				return err
			}
		}
		if e.RemoteAddr, err = seal.Seal(k, *e.ActorID, "remote_addr", e.RemoteAddr); err != nil {
			return err
		}
	}
	return nil
}

// opener opens events' sealed fields with the keys it was given; a field
// whose key is gone reads Erased.
type opener struct {
	s      *Service
	keys   map[int64]string // stored keys by person
	erased map[int64]bool   // people erased: their plain old events read Erased too
}

// subjects lists the people whose keys these events' fields need.
func subjects(events []shelf.AuditEvent) []int64 {
	var ids []int64
	for _, e := range events {
		for _, v := range []string{e.Summary, e.RemoteAddr, snapshotText(e.Snapshot)} {
			if id, ok := seal.Subject(v); ok {
				ids = append(ids, id)
			}
		}
		if e.OwnerID != nil {
			ids = append(ids, *e.OwnerID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// snapshotText is the sealed text of a sealed snapshot (a JSON string), or
// "" for a plain one.
func snapshotText(snap json.RawMessage) string {
	if len(snap) == 0 || snap[0] != '"' {
		return ""
	}
	var v string
	if json.Unmarshal(snap, &v) != nil {
		return ""
	}
	return v
}

// newOpener reads, within tx, the keys and erasures that these events need.
func (s *Service) newOpener(ctx context.Context, tx *store.Tx, events []shelf.AuditEvent) (*opener, error) {
	ids := subjects(events)
	keys, err := tx.SubjectKeys(ctx, ids)
	if err != nil {
		return nil, err
	}
	erased, err := tx.ErasedAmong(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &opener{s: s, keys: keys, erased: erased}, nil
}

// field opens one sealed value; a plain one is returned as it is.
func (o *opener) field(name, v string) string {
	id, ok := seal.Subject(v)
	if !ok {
		return v
	}
	stored, ok := o.keys[id]
	if !ok {
		return Erased
	}
	k, err := o.s.loadKey(stored)
	if err != nil {
		return Erased
	}
	pt, err := seal.Open(k, name, v)
	if err != nil {
		return Erased
	}
	return pt
}

// open returns the event as a reader sees it: its sealed fields opened, and
// the personal data of an erased owner, sealed or written in plain before
// Shelf sealed it, as Erased. The hashes stay those of what is stored.
func (o *opener) open(e shelf.AuditEvent) shelf.AuditEvent {
	erased := e.OwnerID != nil && o.erased[*e.OwnerID]
	if sealed := snapshotText(e.Snapshot); sealed != "" {
		if v := o.field("snapshot", sealed); v != Erased {
			e.Snapshot = json.RawMessage(v)
		} else {
			erased = true
		}
	}
	e.Summary = o.field("summary", e.Summary)
	e.RemoteAddr = o.field("remote_addr", e.RemoteAddr)
	if erased {
		e.Summary = Erased
		e.Snapshot = json.RawMessage(fmt.Sprintf("%q", Erased))
	}
	return e
}
