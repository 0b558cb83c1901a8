package service

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"shelf"
)

// TestItemSnapshotKeepsEveryField fails when shelf.Item gains a field that
// the audit before-image (snapItem) does not keep: every field of an item
// with no zero value must come back, under its own name in snake_case, from
// the snapshot's JSON.
func TestItemSnapshotKeepsEveryField(t *testing.T) {
	var it shelf.Item
	v := reflect.ValueOf(&it).Elem()
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < v.NumField(); i++ {
		f, typ := v.Field(i), v.Type().Field(i)
		switch x := f.Addr().Interface().(type) {
		case *int64:
			*x = int64(100 + i)
		case *string:
			*x = "value of " + typ.Name
		case *time.Time:
			*x = base.Add(time.Duration(i) * time.Hour)
		case **int64:
			n := int64(100 + i)
			*x = &n
		case **time.Time:
			tm := base.Add(time.Duration(i) * time.Hour)
			*x = &tm
		default:
			t.Fatalf("shelf.Item.%s is a %s, which this test cannot fill yet: teach it, and make sure snapItem keeps the field", typ.Name, typ.Type)
		}
	}
	b, err := json.Marshal(snapItem(it))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		key := snakeCase(name)
		want, err := json.Marshal(v.Field(i).Interface())
		if err != nil {
			t.Fatal(err)
		}
		if string(got[key]) != string(want) {
			t.Errorf("the audit snapshot of an item keeps %s as %q = %s, want %s: add the field to itemSnapshot and snapItem", name, key, got[key], want)
		}
	}
}

// snakeCase turns a Go field name into the snapshot's key: CategoryID → category_id.
func snakeCase(name string) string {
	name = strings.ReplaceAll(name, "ID", "Id")
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
