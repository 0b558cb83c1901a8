package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestPutOpenRemove(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	full, thumb := []byte("full image bytes"), []byte("thumb")
	h := hashOf(full)
	if d.Has(h) {
		t.Fatal("Has before Put")
	}
	if wrote, err := d.Put(h, full, thumb); err != nil || !wrote {
		t.Fatalf("Put: %v, wrote %v", err, wrote)
	}
	if wrote, err := d.Put(h, full, thumb); err != nil || wrote {
		t.Fatalf("second Put of the same hash: %v, wrote %v; want nothing written", err, wrote)
	}
	for _, tc := range []struct {
		thumb bool
		want  string
	}{{false, string(full)}, {true, string(thumb)}} {
		f, err := d.Open(h, tc.thumb)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != tc.want {
			t.Errorf("Open(thumb=%v): %q, want %q", tc.thumb, b, tc.want)
		}
	}
	var seen []Entry
	if err := os.WriteFile(filepath.Join(d.Root(), h[:2], ".tmp-123"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.Walk(func(e Entry) error { seen = append(seen, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0].Hash != "" && seen[1].Hash != "" {
		t.Errorf("Walk: %+v, want the stored hash once and the temporary file", seen)
	}
	if err := d.Remove(h); err != nil || d.Has(h) {
		t.Fatalf("Remove: %v, Has after: %v", err, d.Has(h))
	}
	if err := d.Remove(h); err != nil {
		t.Errorf("Remove of a file already gone: %v", err)
	}
	if err := d.RemovePath("../outside"); err == nil {
		t.Error("RemovePath outside the directory was allowed")
	}
	for _, bad := range []string{"", "../../etc/passwd", h[:63], h[:63] + "G"} {
		if _, err := d.Put(bad, full, thumb); err == nil {
			t.Errorf("Put(%q) accepted a name that is not a hash", bad)
		}
		if _, err := d.Open(bad, false); err == nil {
			t.Errorf("Open(%q) accepted a name that is not a hash", bad)
		}
	}
}
