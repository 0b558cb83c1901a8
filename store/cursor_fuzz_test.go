package store

import (
	"testing"
	"time"

	"shelf"
)

// FuzzDecodeIDCursor: any text is a valid cursor naming a positive id, or
// EMALFORMED; and a valid one is what encoding its id gives back.
func FuzzDecodeIDCursor(f *testing.F) {
	for _, c := range []string{encodeIDCursor(1), encodeIDCursor(1 << 62), "", "MA", "LTE", "zzz", "MQ==", "%00", "' OR 1=1 --"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		id, err := decodeIDCursor(c)
		if err != nil {
			if shelf.ErrorCode(err) != shelf.EMALFORMED {
				t.Fatalf("decodeIDCursor(%q): code %q, want %q", c, shelf.ErrorCode(err), shelf.EMALFORMED)
			}
			return
		}
		if id <= 0 {
			t.Fatalf("decodeIDCursor(%q) = %d: not a positive id", c, id)
		}
		if again, err := decodeIDCursor(encodeIDCursor(id)); err != nil || again != id {
			t.Fatalf("cursor of %d decodes to %d, %v", id, again, err)
		}
	})
}

// FuzzDecodeTimeCursor: any text is a valid Trash cursor (a stored time and
// a positive id) or EMALFORMED; a valid one round-trips.
func FuzzDecodeTimeCursor(f *testing.F) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []string{encodeTimeCursor(at, 7), encodeTimeCursor(time.Time{}, 1), "", "fDE", "zzz",
		"MjAyNi0xMy0wMVQwOTowMDowMC4wMDAwMDBafDE", "' OR 1=1 --"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		stored, id, err := decodeTimeCursor(c)
		if err != nil {
			if shelf.ErrorCode(err) != shelf.EMALFORMED {
				t.Fatalf("decodeTimeCursor(%q): code %q, want %q", c, shelf.ErrorCode(err), shelf.EMALFORMED)
			}
			return
		}
		parsed, perr := time.Parse(timeLayout, stored)
		if id <= 0 || perr != nil || ts(parsed) != stored {
			t.Fatalf("decodeTimeCursor(%q) = %q, %d: not a stored time and a positive id", c, stored, id)
		}
		s2, id2, err := decodeTimeCursor(encodeTimeCursor(parsed, id))
		if err != nil || s2 != stored || id2 != id {
			t.Fatalf("cursor of %s, %d decodes to %q, %d, %v", stored, id, s2, id2, err)
		}
	})
}
