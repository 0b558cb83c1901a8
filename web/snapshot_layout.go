package web

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// snapSection is one part of an audit event's before-image as its page
// shows it: a plain value, an object as a list of fields, or a list of
// objects (notes, loans) as a table.
type snapSection struct {
	Title   string
	Value   snapValue
	Fields  []snapField
	Columns []string
	Rows    [][]snapValue
}

// snapField is one named value of an object.
type snapField struct {
	Name  string
	Value snapValue
}

// snapValue is one value as the page writes it: a moment as every page
// writes moments (At), anything else as text.
type snapValue struct {
	Text string
	At   time.Time // zero for anything but a moment
}

// layoutSnapshot lays out a before-image for reading: top-level values
// together under "Details", each object and each list under its own title.
// It also returns the JSON, indented, for those who want it whole. An
// erased before-image is the JSON string "[erased]", shown as it is.
func layoutSnapshot(raw json.RawMessage) ([]snapSection, string) {
	var pretty bytes.Buffer
	if json.Indent(&pretty, raw, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(raw)
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if len(raw) == 0 || d.Decode(&v) != nil {
		return nil, pretty.String()
	}
	top, ok := v.(map[string]any)
	if !ok {
		return []snapSection{{Title: "Before-image", Value: valueOf(v)}}, pretty.String()
	}
	details := snapSection{Title: "Details"}
	var parts []snapSection
	for _, k := range fieldOrder(top) {
		switch x := top[k].(type) {
		case map[string]any:
			parts = append(parts, snapSection{Title: snapTitle(k), Fields: snapFields(x)})
		case []any:
			parts = append(parts, snapList(snapTitle(k), x))
		default:
			details.Fields = append(details.Fields, snapField{snapTitle(k), valueOf(x)})
		}
	}
	if len(details.Fields) > 0 {
		parts = append([]snapSection{details}, parts...)
	}
	return parts, pretty.String()
}

// snapList lays out a list: a table when its entries are objects (the
// union of their fields as columns), else one value per line.
func snapList(title string, xs []any) snapSection {
	sec := snapSection{Title: title}
	if len(xs) == 0 {
		sec.Value = snapValue{Text: "none"}
		return sec
	}
	cols := map[string]any{}
	for _, x := range xs {
		o, ok := x.(map[string]any)
		if !ok {
			vals := make([]string, len(xs))
			for i, y := range xs {
				vals[i] = valueOf(y).Text
			}
			sec.Value = snapValue{Text: strings.Join(vals, ", ")}
			return sec
		}
		for k := range o {
			cols[k] = nil
		}
	}
	keys := fieldOrder(cols)
	for _, k := range keys {
		sec.Columns = append(sec.Columns, snapTitle(k))
	}
	for _, x := range xs {
		o := x.(map[string]any)
		row := make([]snapValue, len(keys))
		for i, k := range keys {
			if val, ok := o[k]; ok {
				row[i] = valueOf(val)
			}
		}
		sec.Rows = append(sec.Rows, row)
	}
	return sec
}

func snapFields(o map[string]any) []snapField {
	var fs []snapField
	for _, k := range fieldOrder(o) {
		fs = append(fs, snapField{snapTitle(k), valueOf(o[k])})
	}
	return fs
}

// fieldOrder puts an object's id and name first, the rest alphabetically,
// so that what a thing was comes before its details.
func fieldOrder(o map[string]any) []string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		switch k {
		case "id":
			return 0
		case "name":
			return 1
		}
		return 2
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return keys
}

// snapTitle turns a JSON name into words: "items_uncategorised" →
// "Items uncategorised".
func snapTitle(k string) string {
	k = strings.ReplaceAll(k, "_", " ")
	if k == "" {
		return k
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

// valueOf writes one value: an RFC 3339 moment as a moment, other text as
// it is (empty text as "(empty)", so it does not read as a missing value),
// null as "none", nested values as compact JSON.
func valueOf(v any) snapValue {
	switch x := v.(type) {
	case nil:
		return snapValue{Text: "none"}
	case string:
		if x == "" {
			return snapValue{Text: "(empty)"}
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return snapValue{Text: x, At: t}
		}
		return snapValue{Text: x}
	case json.Number:
		return snapValue{Text: x.String()}
	case bool:
		if x {
			return snapValue{Text: "yes"}
		}
		return snapValue{Text: "no"}
	}
	b, _ := json.Marshal(v)
	return snapValue{Text: string(b)}
}
