package store

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"shelf"
)

// Cursors are opaque to clients: base64 of the keyset position of the last
// row of a page. A cursor that does not decode is EMALFORMED.

func encodeIDCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

func decodeIDCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, badCursor()
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || id <= 0 {
		return 0, badCursor()
	}
	return id, nil
}

func encodeTimeCursor(t time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(ts(t) + "|" + strconv.FormatInt(id, 10)))
}

func decodeTimeCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, badCursor()
	}
	at, idText, ok := strings.Cut(string(b), "|")
	if !ok {
		return "", 0, badCursor()
	}
	t, err := time.Parse(timeLayout, at)
	if err != nil {
		return "", 0, badCursor()
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, badCursor()
	}
	return ts(t), id, nil
}

func badCursor() error { return shelf.Errorf(shelf.EMALFORMED, "The page cursor is not valid.") }

// pageLimit clamps a requested page size.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return shelf.DefaultPageSize
	case n > shelf.MaxPageSize:
		return shelf.MaxPageSize
	}
	return n
}

// likePattern turns a search text into a LIKE pattern that matches it anywhere,
// with LIKE's own wildcards escaped by '!' (see nameLike).
func likePattern(q string) string {
	r := strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`)
	return "%" + r.Replace(q) + "%"
}
