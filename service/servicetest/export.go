package servicetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"shelf"
	"shelf/service"
)

// exportOf writes a's account export and returns it.
func (f *Fixture) exportOf(a shelf.Actor) []byte {
	f.T.Helper()
	x, err := f.Svc.ExportAccount(f.Ctx, a)
	if err != nil {
		f.T.Fatalf("export: %v", err)
	}
	var buf bytes.Buffer
	if err := x.Write(f.Ctx, &buf); err != nil {
		f.T.Fatalf("export: %v", err)
	}
	return buf.Bytes()
}

// accountExport is the part of an export that the rules read.
type accountExport struct {
	Format string     `json:"format"`
	User   shelf.User `json:"user"`
	Items  []struct {
		ID        int64   `json:"id"`
		Name      string  `json:"name"`
		DeletedAt *string `json:"deleted_at"`
		Cohort    *string `json:"cohort"`
	} `json:"items"`
	Notes       []shelf.Note       `json:"notes"`
	Loans       []shelf.Loan       `json:"loans"`
	Categories  []shelf.Category   `json:"categories"`
	Tokens      []json.RawMessage  `json:"tokens"`
	Webhooks    []json.RawMessage  `json:"webhooks"`
	Photos      []json.RawMessage  `json:"photos"`
	AuditEvents []shelf.AuditEvent `json:"audit_events"`
}

// testExportHoldsWhatIsTheirs: a person's export holds every piece of their
// personal data (all that erasing them removes, opened from the audit log),
// and nothing of anyone else's: not another owner's things, not the address
// of an admin who acted on theirs (the fixture's request ids name people;
// real ones are random).
func testExportHoldsWhatIsTheirs(t *testing.T, f *Fixture) {
	eve := f.seedEve()
	alices := f.Item(f.Alice, "Alice Private Persimmon")
	f.Note(f.Alice, alices.ID, "alice note Quokka")
	raw := f.exportOf(eve)
	var x accountExport
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatalf("the export is not one JSON document: %v\n%s", err, raw)
	}
	if x.Format != service.ExportFormat || x.User.ID != eve.UserID || x.User.Email != "eve.quartzfield@example.com" {
		t.Errorf("export header: format %q, user %+v", x.Format, x.User)
	}
	for _, s := range eveStrings {
		if s == "Oldname Kumquat" {
			continue // an item's earlier name is kept nowhere (an edit is not audited)
		}
		if !bytes.Contains(raw, []byte(s)) {
			t.Errorf("Eve's export lacks %q", s)
		}
	}
	for _, s := range []string{"Alice Private Persimmon", "alice note Quokka", "Gift box", "192.0.2.1", "secret_hash"} {
		if bytes.Contains(raw, []byte(s)) {
			i := bytes.Index(raw, []byte(s))
			t.Errorf("Eve's export holds someone else's %q: …%s…", s, raw[max(0, i-300):min(len(raw), i+100)])
		}
	}
	names := map[string]bool{}
	for _, it := range x.Items {
		names[it.Name] = it.DeletedAt != nil && it.Cohort != nil
	}
	if trashed, ok := names["Trashed Yggdrasil"]; !ok || !trashed {
		t.Errorf("the trashed item: present %v, with deleted_at and cohort %v", ok, trashed)
	}
	if live, ok := names["Zebrawood lamp"]; !ok || live {
		t.Errorf("the live item: present %v, marked trashed %v", ok, live)
	}
	if len(x.Notes) != 2 || len(x.Loans) != 1 || len(x.Categories) != 1 || len(x.Tokens) != 1 {
		t.Errorf("export: %d notes (want 2: on her lamp, and on Alice's box), %d loans, %d categories, %d tokens (want 1 each)",
			len(x.Notes), len(x.Loans), len(x.Categories), len(x.Tokens))
	}
	actions := map[string]int{}
	for _, e := range x.AuditEvents {
		actions[e.Action]++
		if e.OwnerID == nil || *e.OwnerID != eve.UserID {
			t.Errorf("an event about someone else's things: %+v", e)
		}
		if e.Summary == service.Erased || strings.HasPrefix(e.Summary, "enc") {
			t.Errorf("an event not opened: %q", e.Summary)
		}
	}
	for _, a := range []string{shelf.ActionItemTrash, shelf.ActionItemPurge, shelf.ActionItemsTransfer} {
		if actions[a] == 0 {
			t.Errorf("no %s event in the export: %v", a, actions)
		}
	}
}

// testExportStreamsInBoundedMemory: exporting an account far larger than
// the export's pages holds no more than a few pages in memory. The notes
// are written straight into the table: the rule is about reading them.
func testExportStreamsInBoundedMemory(t *testing.T, f *Fixture) {
	const notes = 30000
	it := f.Item(f.Alice, "Box of letters")
	pad := strings.Repeat("x", 1000)
	q := fmt.Sprintf(`WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)
		INSERT INTO notes (item_id, author_id, body, created_at)
		SELECT %d, %d, 'letter ' || n || ' %s', '2026-03-01T09:00:00.000000Z' FROM seq`, notes, it.ID, f.Alice.UserID, pad)
	if _, err := f.DB.SQL().ExecContext(f.Ctx, q); err != nil {
		t.Fatalf("seed notes: %v", err)
	}
	x, err := f.Svc.ExportAccount(f.Ctx, f.Alice)
	if err != nil {
		t.Fatal(err)
	}
	// note: a low GC target keeps garbage from passing for what the export
	// holds; the peak is sampled at every write the export makes.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w := &heapWatcher{base: ms.HeapAlloc}
	if err := x.Write(f.Ctx, w); err != nil {
		t.Fatal(err)
	}
	if w.bytes < notes*1000 {
		t.Fatalf("the export wrote %d bytes, want more than %d", w.bytes, notes*1000)
	}
	if w.notes != notes {
		t.Errorf("the export holds %d letters, want %d", w.notes, notes)
	}
	const bound = 10 << 20
	if w.peak > bound {
		t.Errorf("the heap grew by %.1f MiB while exporting %.1f MiB, want at most %d MiB",
			float64(w.peak)/(1<<20), float64(w.bytes)/(1<<20), bound>>20)
	}
	t.Logf("exported %.1f MiB; the heap grew by at most %.1f MiB", float64(w.bytes)/(1<<20), float64(w.peak)/(1<<20))
}

// heapWatcher counts what is written to it and samples how far the heap
// grew above base at each write.
type heapWatcher struct {
	base, peak uint64
	bytes      int
	notes      int
}

func (h *heapWatcher) Write(b []byte) (int, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > h.base && ms.HeapAlloc-h.base > h.peak {
		h.peak = ms.HeapAlloc - h.base
	}
	h.bytes += len(b)
	h.notes += bytes.Count(b, []byte(`"body":"letter `))
	return len(b), nil
}
