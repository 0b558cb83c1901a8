package seal

import (
	"strings"
	"testing"
)

func TestSealOpens(t *testing.T) {
	k := NewKey()
	v, err := Seal(k, 42, "summary", "Moved “Ring” to the Trash")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v, "Ring") || !strings.HasPrefix(v, "enc1:42:") {
		t.Fatalf("sealed value %q: want enc1:42: and no plain text", v)
	}
	if id, ok := Subject(v); !ok || id != 42 {
		t.Errorf("Subject: want 42, got %d %v", id, ok)
	}
	if got, err := Open(k, "summary", v); err != nil || got != "Moved “Ring” to the Trash" {
		t.Errorf("Open: got %q, %v", got, err)
	}
	if _, err := Open(k, "snapshot", v); err == nil {
		t.Error("Open as another field: want an error")
	}
	if _, err := Open(NewKey(), "summary", v); err == nil {
		t.Error("Open with another key: want an error")
	}
	if _, err := Open(k, "summary", "plain text"); err != ErrNotSealed {
		t.Errorf("Open plain text: want ErrNotSealed, got %v", err)
	}
	if _, ok := Subject("Moved “Ring”"); ok {
		t.Error("Subject of plain text: want none")
	}
	if w, _ := Seal(k, 42, "summary", "same"); w == v {
		t.Error("two seals: want different nonces")
	}
}

func TestWrap(t *testing.T) {
	master, k := NewKey(), NewKey()
	w, err := Wrap(master, k)
	if err != nil || !IsWrapped(w) {
		t.Fatalf("Wrap: %q, %v", w, err)
	}
	if got, err := Unwrap(master, w); err != nil || string(got) != string(k) {
		t.Errorf("Unwrap: %v", err)
	}
	if _, err := Unwrap(NewKey(), w); err == nil {
		t.Error("Unwrap with another master key: want an error")
	}
	if _, err := Seal(make([]byte, 16), 1, "x", "y"); err == nil {
		t.Error("a short key: want an error")
	}
}
