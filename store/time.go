package store

import (
	"fmt"
	"time"
)

// timeLayout stores times as fixed-width UTC text, so that text order is time
// order and both engines compare and index them the same way.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts encodes a time for storage.
func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

// tsPtr encodes an optional time; nil stays NULL.
func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// timeCol scans a stored time into a time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("unexpected NULL time")
	}
	*c.t = *t
	return nil
}

// nullTimeCol scans a nullable stored time into a *time.Time.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	*c.t = t
	return nil
}

func parseTime(v any) (*time.Time, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t := v.UTC()
		return &t, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return nil, fmt.Errorf("cannot scan %T into a time", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	t = t.UTC()
	return &t, nil
}

// nullInt scans a nullable integer into a *int64.
type nullInt struct{ p **int64 }

func (c nullInt) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.p = nil
	case int64:
		*c.p = &v
	case int32:
		n := int64(v)
		*c.p = &n
	default:
		return fmt.Errorf("cannot scan %T into an integer", v)
	}
	return nil
}

// nullString scans a nullable text into a string ("" for NULL).
type nullString struct{ p *string }

func (c nullString) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.p = ""
	case string:
		*c.p = v
	case []byte:
		*c.p = string(v)
	default:
		return fmt.Errorf("cannot scan %T into text", v)
	}
	return nil
}

// intPtr turns an optional id into a query argument.
func intPtr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
