package servicetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"shelf"
	"shelf/store"
)

// Tamper changes the summary of audit event id behind the database's back,
// the way an attacker with file or superuser access would. It reports false
// (after logging why) on an engine where it does not know how.
func Tamper(t testing.TB, db *store.DB, id int64, summary string) bool {
	t.Helper()
	return Unprotected(t, db, fmt.Sprintf("UPDATE audit_events SET summary = %s WHERE id = %d", Quote(summary), id))
}

// Unprotected runs statements against the audit log with the engine's
// protection against updates and deletes lifted, as an intruder with file
// or superuser access could. On SQLite the protection stays lifted (its
// triggers are dropped); on PostgreSQL it is restored. It reports false
// (after logging why) where it does not know how or the engine refuses.
func Unprotected(t testing.TB, db *store.DB, stmts ...string) bool {
	t.Helper()
	var lift, restore []string
	switch db.Engine() {
	case "sqlite":
		lift = []string{"DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete"}
	case "postgres":
		// note: lifts triggers; an engine that protects the log with
		// privileges instead makes the statements below fail, and the step
		// is skipped with a log line.
		lift = []string{"ALTER TABLE audit_events DISABLE TRIGGER USER"}
		restore = []string{"ALTER TABLE audit_events ENABLE TRIGGER USER"}
	default:
		t.Logf("tamper: no known way to alter audit rows on engine %q; skipping the tamper step", db.Engine())
		return false
	}
	ctx := t.Context()
	for _, q := range lift {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Logf("tamper: cannot lift the audit log's protection on %s (%v); skipping the tamper step", db.Engine(), err)
			return false
		}
	}
	var err error
	for _, q := range stmts {
		if _, err = db.SQL().ExecContext(ctx, q); err != nil {
			break
		}
	}
	for _, q := range restore {
		if _, rerr := db.SQL().ExecContext(ctx, q); rerr != nil {
			t.Errorf("tamper: restore the audit log's protection: %v", rerr)
		}
	}
	if err != nil {
		t.Logf("tamper: refused on %s even with the protection lifted (%v); skipping the tamper step", db.Engine(), err)
		return false
	}
	return true
}

// unprotected is Unprotected for the conformance rules: SQLite always allows
// it (Shelf's own triggers are all that protect the log there), so there a
// refusal fails the rule instead of skipping its tamper steps.
func (f *Fixture) unprotected(t *testing.T, stmts ...string) bool {
	t.Helper()
	ok := Unprotected(t, f.DB, stmts...)
	if !ok && f.DB.Engine() == "sqlite" {
		t.Fatal("tamper: SQLite must allow it once the audit triggers are dropped")
	}
	return ok
}

func testAuditImmutable(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Mirror")
	f.Trash(f.Alice, it.ID)
	events := f.Events()
	if len(events) != 1 {
		t.Fatalf("audit events: want 1, got %d", len(events))
	}
	e := events[0]

	if err := f.Exec("UPDATE audit_events SET summary = 'nothing happened' WHERE id = %d", e.ID); err == nil {
		t.Errorf("raw UPDATE of an audit event: want the database to refuse it, it succeeded")
	}
	if err := f.Exec("UPDATE audit_events SET actor_id = NULL"); err == nil {
		t.Errorf("raw UPDATE of every audit event: want the database to refuse it, it succeeded")
	}
	if err := f.Exec("DELETE FROM audit_events WHERE id = %d", e.ID); err == nil {
		t.Errorf("raw DELETE of an audit event: want the database to refuse it, it succeeded")
	}
	if err := f.Exec("DELETE FROM audit_events"); err == nil {
		t.Errorf("raw DELETE of the audit log: want the database to refuse it, it succeeded")
	}
	after := f.Events()
	if len(after) != 1 || after[0].Summary != e.Summary || after[0].Hash != e.Hash {
		t.Errorf("audit log after refused changes: want %+v unchanged, got %+v", e, after)
	}
	// Purging what an event records leaves the event: no foreign key
	// cascades into the log.
	if _, err := f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{}); err != nil {
		t.Fatalf("purge: %v", err)
	}
	if n := f.Audits(shelf.ActionItemTrash, it.ID); n != 1 {
		t.Errorf("item.trash event of the purged item: want kept, got %d", n)
	}
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != 2 {
		t.Errorf("verify: want 2 events and no break, got %d, %+v, %v", n, brk, err)
	}
}

func testAuditHashChain(t *testing.T, f *Fixture) {
	n, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != 0 {
		t.Fatalf("verify an empty log: want 0 events and no break, got %d, %+v, %v", n, brk, err)
	}

	// Many events of every kind.
	cat := f.Category(f.Alice, "Kitchen")
	var ids []int64
	for i := range 8 {
		it := f.ItemIn(f.Alice, fmt.Sprintf("Pot %d", i), cat.ID)
		f.Note(f.Alice, it.ID, "note with 'quotes' and \"double\" and ✓")
		ids = append(ids, it.ID)
	}
	f.Trash(f.Alice, ids[0])
	bulk, err := f.Svc.TrashItems(f.Ctx, f.Alice, ids[1:5], shelf.Confirmation{})
	WantCode(t, err, "", "bulk trash")
	if _, err := f.Svc.RestoreCohort(f.Ctx, f.Alice, bulk.Cohort); err != nil {
		t.Fatalf("restore cohort: %v", err)
	}
	if _, err := f.Svc.PurgeItem(f.Ctx, f.Admin, ids[0], shelf.Confirmation{Reason: "broken"}); err != nil {
		t.Fatalf("purge: %v", err)
	}
	notes, err := f.Svc.Notes(f.Ctx, f.Alice, ids[5])
	WantCode(t, err, "", "list notes")
	if _, err := f.Svc.DeleteNote(f.Ctx, f.Alice, notes[0].ID); err != nil {
		t.Fatalf("delete note: %v", err)
	}
	if _, err := f.Svc.DeleteCategory(f.Ctx, f.Alice, cat.ID); err != nil {
		t.Fatalf("delete category: %v", err)
	}
	for _, id := range ids[5:] {
		f.Trash(f.Alice, id)
	}
	if _, err := f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{}); err != nil {
		t.Fatalf("empty Trash: %v", err)
	}
	const want = 1 + 4 + 4 + 1 + 1 + 1 + 3 + 3
	events := f.StoredEvents()
	if len(events) != want {
		t.Fatalf("audit events: want %d, got %d", want, len(events))
	}
	prev := ""
	for i, e := range events {
		if e.ID != int64(i+1) {
			t.Errorf("event %d: want id %d (ids follow each other), got %d", i, i+1, e.ID)
		}
		if e.PrevHash != prev {
			t.Errorf("event %d: prev_hash %q, want the hash of the event before, %q", e.ID, e.PrevHash, prev)
		}
		if e.Hash == "" || e.Hash != store.ChainHash(e) {
			t.Errorf("event %d: hash %q, want %q", e.ID, e.Hash, store.ChainHash(e))
		}
		prev = e.Hash
	}
	n, brk, err = f.Svc.VerifyAudit(f.Ctx)
	if err != nil || brk != nil || n != want {
		t.Fatalf("verify: want %d events and no break, got %d, %+v, %v", want, n, brk, err)
	}

	target := events[want/2].ID
	if !f.unprotected(t, fmt.Sprintf("UPDATE audit_events SET summary = 'nothing to see here' WHERE id = %d", target)) {
		return
	}
	n, brk, err = f.Svc.VerifyAudit(f.Ctx)
	if err != nil {
		t.Fatalf("verify a tampered log: %v", err)
	}
	if brk == nil {
		t.Fatalf("verify a tampered log: want a break at event %d, got none (%d events checked)", target, n)
	}
	if brk.ID != target || !strings.Contains(brk.Reason, "altered") {
		t.Errorf("verify a tampered log: want a break at event %d saying it was altered, got %+v", target, brk)
	}
}

func testAuditAnchor(t *testing.T, f *Fixture) {
	check := func(anchor *store.AuditAnchor) store.AuditCheck {
		t.Helper()
		c, err := f.Svc.CheckAudit(f.Ctx, anchor)
		if err != nil {
			t.Fatalf("check the audit log: %v", err)
		}
		return c
	}
	wantBreak := func(c store.AuditCheck, id int64, says, what string) {
		t.Helper()
		if c.Break == nil || c.Break.ID != id || !strings.Contains(c.Break.Reason, says) {
			t.Errorf("%s: want a break at event %d saying %q, got %+v", what, id, says, c.Break)
		}
	}
	if c := check(nil); c.Break != nil || c.Events != 0 || c.Head != (store.AuditAnchor{}) {
		t.Errorf("an empty log: want no events, no break and no head, got %+v", c)
	}
	wantBreak(check(&store.AuditAnchor{ID: 1, Hash: strings.Repeat("0", 64)}), 1, "log is empty", "an anchor into an empty log")

	for i := range 4 {
		f.Trash(f.Alice, f.Item(f.Alice, fmt.Sprintf("Box %d", i)).ID)
	}
	if c := check(nil); c.Break != nil || c.Events != 4 || c.Head != (store.AuditAnchor{}) {
		t.Fatalf("an intact log before any anchor: want 4 events, no break and no head, got %+v", c)
	}
	// The head is an anchor event, which binds every lane's head.
	head, err := f.Svc.AnchorAudit(f.Ctx, shelf.System("anchor"))
	if err != nil {
		t.Fatalf("anchor: %v", err)
	}
	events := f.StoredEvents()
	c := check(nil)
	if want := (store.AuditAnchor{ID: events[4].ID, Hash: events[4].Hash}); head != want || events[4].Action != shelf.ActionAuditAnchor {
		t.Fatalf("anchor: want the fifth event, an %s, as the head %v, got %v (%+v)", shelf.ActionAuditAnchor, want, head, events[4])
	}
	if c.Break != nil || c.Events != 5 || c.Head != head {
		t.Fatalf("an intact log: want 5 events, no break and head %v, got %+v", head, c)
	}
	if back, err := store.ParseAuditAnchor(head.String()); err != nil || back != head {
		t.Errorf("the head as printed, %q: want it read back as %v, got %v, %v", head, head, back, err)
	}
	for _, written := range []string{" " + head.String() + "\n", "Head: " + head.String(), fmt.Sprintf("%d:%s", head.ID, strings.ToUpper(head.Hash))} {
		if back, err := store.ParseAuditAnchor(written); err != nil || back != head {
			t.Errorf("anchor %q: want it read as %v, got %v, %v", written, head, back, err)
		}
	}
	for _, bad := range []string{"", "5", "0:" + head.Hash, "-1:" + head.Hash, "+5:" + head.Hash, "x:" + head.Hash, "5:abc", "5:" + strings.Repeat("g", 64)} {
		if _, err := store.ParseAuditAnchor(bad); err == nil {
			t.Errorf("anchor %q: want it refused", bad)
		}
	}
	mid := store.AuditAnchor{ID: events[2].ID, Hash: events[2].Hash}
	if c := check(&head); c.Break != nil {
		t.Errorf("anchored at the head: want no break, got %+v", c.Break)
	}
	if c := check(&mid); c.Break != nil || c.Head != head {
		t.Errorf("anchored mid-log: want no break and head %v, got %+v", head, c)
	}
	wantBreak(check(&store.AuditAnchor{ID: mid.ID, Hash: events[1].Hash}), mid.ID, "rewritten", "an anchor with another hash")
	wantBreak(check(&store.AuditAnchor{ID: head.ID + 1, Hash: head.Hash}), head.ID+1, "log ends at event", "an anchor past the end")

	// The newest two events removed: the chain alone cannot tell; the head
	// kept from before can.
	if !f.unprotected(t, fmt.Sprintf("DELETE FROM audit_events WHERE id > %d", mid.ID)) {
		return
	}
	if c := check(nil); c.Break != nil || c.Events != 3 {
		t.Errorf("a log cut short, no anchor: want 3 events and (as the chain cannot tell) no break, got %+v", c)
	}
	wantBreak(check(&head), head.ID, "newest events were removed", "a log cut short, anchored at the old head")

	// An intruder changes the first event and recomputes every hash after
	// it: the chain holds again, but not the anchor.
	var stmts []string
	prev := ""
	for _, e := range f.StoredEvents() {
		if e.ID == events[0].ID {
			e.Summary = "nothing happened"
		}
		e.PrevHash = prev
		e.Hash = store.ChainHash(e)
		prev = e.Hash
		stmts = append(stmts, fmt.Sprintf("UPDATE audit_events SET summary = %s, prev_hash = %s, hash = %s WHERE id = %d",
			Quote(e.Summary), Quote(e.PrevHash), Quote(e.Hash), e.ID))
	}
	if !f.unprotected(t, stmts...) {
		return
	}
	if c := check(nil); c.Break != nil || c.Events != 3 {
		t.Errorf("a rewritten, rehashed log, no anchor: want 3 events and (as the chain cannot tell) no break, got %+v", c)
	}
	wantBreak(check(&mid), mid.ID, "rewritten", "a rewritten, rehashed log, anchored before the rewrite")
}

func testAuditEventInSameTransaction(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Vase")

	// The change and its event are committed together: both visible.
	cohort := f.Trash(f.Alice, it.ID)
	if n := f.Count("SELECT count(*) FROM audit_events WHERE action = %s AND entity_id = %d AND cohort = %s",
		Quote(shelf.ActionItemTrash), it.ID, Quote(cohort)); n != 1 || !f.IsTrashed(it.ID) {
		t.Fatalf("after a trash: want the item trashed and its event with cohort %q, got trashed=%v events=%d",
			cohort, f.IsTrashed(it.ID), n)
	}

	// A transaction that fails after the change and its event keeps neither.
	other := f.Item(f.Alice, "Bowl")
	boom := errors.New("boom")
	err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
		ok, err := tx.TrashItem(f.Ctx, other.ID, f.Alice.UserID, f.Clock.Now(), "doomed-cohort")
		if err != nil || !ok {
			return fmt.Errorf("trash in tx: ok=%v err=%v", ok, err)
		}
		if _, err := tx.AppendAudit(f.Ctx, shelf.AuditEvent{At: f.Clock.Now(), Action: shelf.ActionItemTrash,
			EntityType: "item", EntityID: other.ID, Summary: "doomed"}); err != nil {
			return fmt.Errorf("append audit in tx: %w", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write: want the transaction's own error back, got %v", err)
	}
	if !f.IsLive(other.ID) {
		t.Errorf("item %d: want live after the rollback", other.ID)
	}
	if n := f.Audits(shelf.ActionItemTrash, other.ID); n != 0 {
		t.Errorf("events of the rolled-back trash: want 0, got %d", n)
	}
	if n, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil || n != 1 {
		t.Errorf("verify after a rollback: want 1 event and no break, got %d, %+v, %v", n, brk, err)
	}

	// And a use case whose audit event cannot be written changes nothing.
	if !FailAuditInserts(t, f.DB, shelf.ActionItemTrash) {
		return
	}
	_, err = f.Svc.TrashItem(f.Ctx, f.Alice, other.ID, 0)
	if err == nil {
		t.Fatalf("trash with a failing audit insert: want an error, got none")
	}
	if !f.IsLive(other.ID) {
		t.Errorf("item %d: want live when its audit event could not be written", other.ID)
	}
	if n := f.AuditTotal(); n != 1 {
		t.Errorf("audit events: want 1 (from before), got %d", n)
	}
}

// FailAuditInserts makes the database refuse to insert audit events with this
// action, so tests can prove that a use case whose event fails leaves no
// change behind. It reports false (after logging why) on an engine where it
// does not know how.
func FailAuditInserts(t testing.TB, db *store.DB, action string) bool {
	t.Helper()
	var stmts []string
	switch db.Engine() {
	case "sqlite":
		stmts = []string{fmt.Sprintf(`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events WHEN NEW.action = %s
			BEGIN SELECT RAISE(ABORT, 'injected'); END`, Quote(action))}
	case "postgres":
		stmts = []string{
			`CREATE OR REPLACE FUNCTION shelf_test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS
			 $$ BEGIN RAISE EXCEPTION 'injected'; END $$`,
			fmt.Sprintf(`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events FOR EACH ROW
			 WHEN (NEW.action = %s) EXECUTE FUNCTION shelf_test_fail_audit()`, Quote(action)),
		}
	default:
		t.Logf("fail audit inserts: no known way on engine %q; skipping this step", db.Engine())
		return false
	}
	for _, s := range stmts {
		if _, err := db.SQL().ExecContext(t.Context(), s); err != nil {
			t.Fatalf("inject an audit failure: %v", err)
		}
	}
	return true
}
