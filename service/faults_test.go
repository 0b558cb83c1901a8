package service_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service/servicetest"
)

// failAudit makes SQLite refuse to insert the audit event of this action (on
// this entity, when entityID is not 0): a real database fault in the middle
// of a use case, after its change has been made.
func failAudit(t *testing.T, f *servicetest.Fixture, action string, entityID int64) {
	t.Helper()
	when := "NEW.action = " + servicetest.Quote(action)
	if entityID != 0 {
		when += " AND NEW.entity_id = " + strconv.FormatInt(entityID, 10)
	}
	if err := f.Exec("CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events WHEN %s BEGIN SELECT RAISE(ABORT, 'injected'); END", when); err != nil {
		t.Fatalf("create the failing trigger: %v", err)
	}
}

// wantFailed checks that an injected fault surfaced as an error whose
// user-facing message hides the database's text.
func wantFailed(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s with a failing audit insert: want an error, got none", what)
	}
	if msg := shelf.ErrorMessage(err); strings.Contains(msg, "injected") || strings.Contains(msg, "audit_events") {
		t.Errorf("%s: the user-facing message must not show database internals, got %q", what, msg)
	}
}

// TestFailureLeavesNoPartialChange injects a database fault into the audit
// insert of each destructive use case and checks that the whole use case
// rolled back: the change, its cascades and any earlier step of the same
// request.
func TestFailureLeavesNoPartialChange(t *testing.T) {
	t.Run("TrashItem", func(t *testing.T) {
		f := newFixture(t)
		it := f.Item(f.Alice, "Radio")
		failAudit(t, f, shelf.ActionItemTrash, 0)
		_, err := f.Svc.TrashItem(f.Ctx, f.Alice, it.ID, 0)
		wantFailed(t, err, "trash")
		if !f.IsLive(it.ID) {
			t.Errorf("item %d: want live", it.ID)
		}
		if n := f.Count("SELECT version FROM items WHERE id = %d", it.ID); n != 1 {
			t.Errorf("item %d version: want 1 (untouched), got %d", it.ID, n)
		}
		wantNoAudit(t, f)
	})

	t.Run("TrashItemsFailingOnTheSecond", func(t *testing.T) {
		f := newFixture(t)
		a, b, c := f.Item(f.Alice, "A"), f.Item(f.Alice, "B"), f.Item(f.Alice, "C")
		failAudit(t, f, shelf.ActionItemTrash, b.ID)
		_, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, b.ID, c.ID}, shelf.Confirmation{})
		wantFailed(t, err, "bulk trash")
		for _, it := range []shelf.Item{a, b, c} {
			if !f.IsLive(it.ID) {
				t.Errorf("item %d: want live (the bulk delete is one transaction)", it.ID)
			}
		}
		if n := f.Count("SELECT count(*) FROM items WHERE deleted_cohort IS NOT NULL"); n != 0 {
			t.Errorf("items with a cohort: want 0, got %d", n)
		}
		wantNoAudit(t, f)
	})

	t.Run("PurgeItem", func(t *testing.T) {
		f := newFixture(t)
		it := f.Item(f.Alice, "Piano")
		f.Note(f.Alice, it.ID, "tuned in May")
		f.Return(f.Alice, f.Lend(f.Alice, it.ID, "Quinn").ID)
		f.Trash(f.Alice, it.ID)
		failAudit(t, f, shelf.ActionItemPurge, 0)
		_, err := f.Svc.PurgeItem(f.Ctx, f.Alice, it.ID, shelf.Confirmation{})
		wantFailed(t, err, "purge")
		wantWhole(t, f, it.ID, 1, 1)
		wantAuditTotal(t, f, 1)
	})

	t.Run("EmptyTrashFailingOnTheSecond", func(t *testing.T) {
		f := newFixture(t)
		var items []shelf.Item
		for _, name := range []string{"X", "Y", "Z"} {
			it := f.Item(f.Alice, name)
			f.Note(f.Alice, it.ID, "note on "+name)
			f.Trash(f.Alice, it.ID)
			items = append(items, it)
		}
		failAudit(t, f, shelf.ActionItemPurge, items[1].ID)
		n, err := servicetest.Purged(f.Svc.EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{}))
		wantFailed(t, err, "empty Trash")
		if n != 0 {
			t.Errorf("purged count: want 0 (the batch rolled back), got %d", n)
		}
		for _, it := range items {
			wantWhole(t, f, it.ID, 1, 0)
		}
		wantAuditTotal(t, f, 3)
	})

	t.Run("RetentionPurgeStopsBetweenBatches", func(t *testing.T) {
		f := newFixture(t)
		var items []shelf.Item
		for _, name := range []string{"first", "second", "third", "fourth"} {
			it := f.Item(f.Alice, name)
			f.Note(f.Alice, it.ID, "note on "+name)
			f.Trash(f.Alice, it.ID)
			f.Clock.Advance(time.Hour)
			items = append(items, it)
		}
		failAudit(t, f, shelf.ActionItemPurge, items[2].ID)
		n, err := f.Svc.PurgeTrashedBefore(f.Ctx, shelf.System("t"), f.Clock.Now(), 1, nil)
		wantFailed(t, err, "retention purge")
		if n != 2 {
			t.Errorf("purged before the fault: want 2 (two committed batches of 1), got %d", n)
		}
		for _, it := range items[:2] {
			if f.Exists("items", it.ID) || f.Count("SELECT count(*) FROM notes WHERE item_id = %d", it.ID) != 0 {
				t.Errorf("item %d: want purged with its notes (its batch committed)", it.ID)
			}
		}
		for _, it := range items[2:] {
			wantWhole(t, f, it.ID, 1, 0)
		}
		wantAuditTotal(t, f, 4+2)
	})

	t.Run("RestoreItem", func(t *testing.T) {
		f := newFixture(t)
		it := f.Item(f.Alice, "Clock")
		f.Trash(f.Alice, it.ID)
		failAudit(t, f, shelf.ActionItemRestore, 0)
		_, err := f.Svc.RestoreItem(f.Ctx, f.Alice, it.ID, "Clock (new)")
		wantFailed(t, err, "restore")
		if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_at IS NOT NULL AND name = 'Clock'", it.ID); n != 1 {
			t.Errorf("item %d: want still trashed under its old name, got %d matching rows", it.ID, n)
		}
		wantAuditTotal(t, f, 1)
	})

	t.Run("RestoreCohortFailingOnTheSecond", func(t *testing.T) {
		f := newFixture(t)
		a, b, c := f.Item(f.Alice, "A"), f.Item(f.Alice, "B"), f.Item(f.Alice, "C")
		res, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{a.ID, b.ID, c.ID}, shelf.Confirmation{})
		wantCode(t, err, "", "bulk trash")
		failAudit(t, f, shelf.ActionItemRestore, b.ID)
		_, err = f.Svc.RestoreCohort(f.Ctx, f.Alice, res.Cohort)
		wantFailed(t, err, "restore cohort")
		if n := f.Count("SELECT count(*) FROM items WHERE deleted_cohort = %s", servicetest.Quote(res.Cohort)); n != 3 {
			t.Errorf("items still in the Trash with the cohort: want 3, got %d", n)
		}
		wantAuditTotal(t, f, 3)
	})

	t.Run("DeleteCategory", func(t *testing.T) {
		f := newFixture(t)
		cat := f.Category(f.Alice, "Books")
		it := f.ItemIn(f.Alice, "Novel", cat.ID)
		failAudit(t, f, shelf.ActionCategoryDelete, 0)
		_, err := f.Svc.DeleteCategory(f.Ctx, f.Alice, cat.ID)
		wantFailed(t, err, "delete category")
		if !f.Exists("categories", cat.ID) || f.Count("SELECT count(*) FROM items WHERE id = %d AND category_id = %d", it.ID, cat.ID) != 1 {
			t.Errorf("want category %d kept and item %d still in it", cat.ID, it.ID)
		}
		wantNoAudit(t, f)
	})

	t.Run("DeleteNote", func(t *testing.T) {
		f := newFixture(t)
		it := f.Item(f.Alice, "Plant")
		n := f.Note(f.Alice, it.ID, "water weekly")
		failAudit(t, f, shelf.ActionNoteDelete, 0)
		_, err := f.Svc.DeleteNote(f.Ctx, f.Alice, n.ID)
		wantFailed(t, err, "delete note")
		if !f.Exists("notes", n.ID) {
			t.Errorf("note %d: want kept", n.ID)
		}
		wantNoAudit(t, f)
	})

	t.Run("DeleteUser", func(t *testing.T) {
		f := newFixture(t)
		f.Category(f.Bob, "Bob's")
		if _, _, err := f.Svc.CreateToken(f.Ctx, f.Bob, "cli"); err != nil {
			t.Fatal(err)
		}
		failAudit(t, f, shelf.ActionUserDelete, 0)
		_, err := f.Svc.DeleteUser(f.Ctx, f.Admin, f.Bob.UserID)
		wantFailed(t, err, "delete user")
		if !f.Exists("users", f.Bob.UserID) ||
			f.Count("SELECT count(*) FROM categories WHERE owner_id = %d", f.Bob.UserID) != 1 ||
			f.Count("SELECT count(*) FROM api_tokens WHERE user_id = %d", f.Bob.UserID) != 1 {
			t.Errorf("want Bob, his category and his token kept")
		}
		wantNoAudit(t, f)
	})

	t.Run("TransferItems", func(t *testing.T) {
		f := newFixture(t)
		it := f.Item(f.Bob, "Bob's")
		failAudit(t, f, shelf.ActionItemsTransfer, 0)
		_, err := f.Svc.TransferItems(f.Ctx, f.Admin, f.Bob.UserID, f.Alice.UserID)
		wantFailed(t, err, "transfer")
		if n := f.Count("SELECT count(*) FROM items WHERE id = %d AND owner_id = %d", it.ID, f.Bob.UserID); n != 1 {
			t.Errorf("item %d: want still Bob's", it.ID)
		}
		wantNoAudit(t, f)
	})
}

// wantWhole checks that a trashed item is still there with its notes and loans.
func wantWhole(t *testing.T, f *servicetest.Fixture, id int64, notes, loans int) {
	t.Helper()
	if !f.IsTrashed(id) {
		t.Errorf("item %d: want still in the Trash", id)
	}
	if n := f.Count("SELECT count(*) FROM notes WHERE item_id = %d", id); n != notes {
		t.Errorf("item %d notes: want %d kept, got %d", id, notes, n)
	}
	if n := f.Count("SELECT count(*) FROM loans WHERE item_id = %d", id); n != loans {
		t.Errorf("item %d loans: want %d kept, got %d", id, loans, n)
	}
}

func wantNoAudit(t *testing.T, f *servicetest.Fixture) {
	t.Helper()
	wantAuditTotal(t, f, 0)
}

func wantAuditTotal(t *testing.T, f *servicetest.Fixture, want int) {
	t.Helper()
	if n := f.AuditTotal(); n != want {
		t.Errorf("audit events: want %d, got %d", want, n)
	}
	if n, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil || n != want {
		t.Errorf("verify: want %d events and an intact chain, got %d, %+v, %v", want, n, brk, err)
	}
}
