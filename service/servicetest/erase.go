package servicetest

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// eveStrings are what only Eve, the person erased, ever wrote or was: after
// her erasure none of them may be anywhere in the database's files.
var eveStrings = []string{"eve.quartzfield@example.com", "Eve Quartzfield", "203.0.113.77", "Zebrawood lamp", "Oldname Kumquat",
	"from aunt Philippa", "kept under Xylo stairs", "Borrowerina", "Quixotic things", "tokenname Vulpine",
	"Trashed Yggdrasil", "Purged Wombatine", "note on Alice Marzipan", "reason Plumbago"}

// seedEve gives Eve something of every kind of personal data.
func (f *Fixture) seedEve() shelf.Actor {
	f.T.Helper()
	eve := f.AddUser("eve.quartzfield@example.com", "Eve Quartzfield", shelf.RoleMember)
	eve.RemoteAddr = "203.0.113.77"
	eve.RequestID = "req-eve" // the fixture names request ids after the user; real ones are random
	ctx, svc := f.Ctx, f.Svc
	must := func(what string, err error) {
		f.T.Helper()
		if err != nil {
			f.T.Fatalf("%s: %v", what, err)
		}
	}
	// A note she wrote on what is now Alice's: her item, given to Alice.
	gift := f.Item(eve, "Gift box")
	f.Note(eve, gift.ID, "note on Alice Marzipan")
	_, err := svc.TransferItems(ctx, f.Admin, eve.UserID, f.Alice.UserID)
	must("transfer", err)
	cat, err := svc.CreateCategory(ctx, eve, "Quixotic things")
	must("category", err)
	lamp, err := svc.CreateItem(ctx, eve, shelf.ItemInput{Name: "Oldname Kumquat", Description: "from aunt Philippa", Quantity: 2, CategoryID: &cat.ID})
	must("item", err)
	lamp, err = svc.UpdateItem(ctx, eve, lamp.ID, shelf.ItemInput{Name: "Zebrawood lamp", Description: "from aunt Philippa", Quantity: 2, CategoryID: &cat.ID}, lamp.Version)
	must("rename", err)
	f.Note(eve, lamp.ID, "kept under Xylo stairs")
	loan := f.Lend(eve, lamp.ID, "Borrowerina")
	f.Return(eve, loan.ID)
	_, _, err = svc.CreateToken(ctx, eve, "tokenname Vulpine")
	must("token", err)
	trashed := f.Item(eve, "Trashed Yggdrasil")
	_, err = svc.TrashItems(ctx, eve, []int64{trashed.ID}, shelf.Confirmation{Reason: "reason Plumbago"})
	must("bulk trash", err)
	purged := f.Item(eve, "Purged Wombatine")
	f.Trash(eve, purged.ID)
	_, err = svc.PurgeItem(ctx, eve, purged.ID, shelf.Confirmation{})
	must("purge", err)
	return eve
}

func testEraseLeavesNoCopy(t *testing.T, f *Fixture) {
	eve := f.seedEve()
	alices := f.Item(f.Alice, "Alice's lamp")
	// The admin acts on Eve's things too: those events are about Eve.
	lampID := int64(f.Count("SELECT id FROM items WHERE name = %s", Quote("Zebrawood lamp")))
	f.Trash(f.Admin, lampID)

	ctx := f.Ctx
	before := f.AuditTotal()
	WantCode(t, eraseErr(f.Svc.EraseUser(ctx, f.Alice, eve.UserID, "eve.quartzfield@example.com")), shelf.EFORBIDDEN, "a member erases")
	WantCode(t, eraseErr(f.Svc.EraseUser(ctx, f.Admin, 424242, "x@example.com")), shelf.ENOTFOUND, "erase a missing user")
	WantCode(t, eraseErr(f.Svc.EraseUser(ctx, f.Admin, eve.UserID, "eve@example.com")), shelf.EINVALID, "erase with the wrong email")
	WantCode(t, eraseErr(f.Svc.EraseUser(ctx, f.Admin, f.Admin.UserID, "admin@example.com")), shelf.EOWNACCOUNT, "erase oneself")
	h := f.hold(shelf.HoldInput{ItemID: &lampID, Reason: "Case 5"})
	_, err := f.Svc.EraseUser(ctx, f.Admin, eve.UserID, "EVE.quartzfield@example.com")
	WantCode(t, err, shelf.EHELD, "erase a user with a held item")
	wantBlocker(t, shelf.AsError(err).Blockers, shelf.BlockHold, h.ID, "Case 5")
	if f.Count("SELECT count(*) FROM users WHERE id = %d", eve.UserID) != 1 || f.Count("SELECT count(*) FROM erased_subjects") != 0 ||
		f.AuditTotal() != before+1 {
		t.Fatalf("refused erasures: want Eve untouched, no erasure recorded and only the hold's event")
	}
	WantCode(t, f.Svc.ReleaseHold(ctx, f.Admin, h.ID), "", "release")

	WantCode(t, eraseErr(f.Svc.EraseUser(ctx, f.Admin, eve.UserID, " EVE.quartzfield@example.com ")), "", "erase Eve")

	for _, table := range []string{"items", "categories", "api_tokens", "sessions", "subject_keys"} {
		col := "owner_id"
		switch table {
		case "api_tokens", "sessions", "subject_keys":
			col = "user_id"
		}
		if n := f.Count("SELECT count(*) FROM %s WHERE %s = %d", table, col, eve.UserID); n != 0 {
			t.Errorf("%s of Eve after her erasure: %d rows", table, n)
		}
	}
	if f.Count("SELECT count(*) FROM users WHERE id = %d", eve.UserID) != 0 || !f.IsLive(alices.ID) {
		t.Errorf("after the erasure: want Eve gone and Alice's things kept")
	}
	if n := f.Count("SELECT count(*) FROM erased_subjects WHERE user_id = %d AND erased_at IS NOT NULL", eve.UserID); n != 1 {
		t.Errorf("erasure record: want one, finished; got %d", n)
	}
	events := f.EventsOf(shelf.ActionUserErase, eve.UserID)
	if len(events) != 1 || events[0].Summary != fmt.Sprintf("Erased user %d", eve.UserID) || events[0].OwnerID != nil {
		t.Errorf("user.erase events: want one, naming Eve by id only, got %+v", events)
	}
	for _, e := range f.Events() {
		if e.OwnerID != nil && *e.OwnerID == eve.UserID && (e.Summary != service.Erased || string(e.Snapshot) != `"[erased]"`) {
			t.Errorf("event %d about Eve: want [erased], got %q %s", e.ID, e.Summary, e.Snapshot)
		}
		if e.ActorID != nil && *e.ActorID == eve.UserID && e.RemoteAddr != service.Erased {
			t.Errorf("event %d by Eve: want her address [erased], got %q", e.ID, e.RemoteAddr)
		}
	}
	if n, brk, err := f.Svc.VerifyAudit(ctx); err != nil || brk != nil || n != f.AuditTotal() {
		t.Errorf("verify after the erasure: want every event intact, got %d, %+v, %v", n, brk, err)
	}
	f.scanForNone(t, eveStrings)

	// Erasing her again is 404: she is gone.
	WantCode(t, eraseErr(f.Svc.EraseUser(ctx, f.Admin, eve.UserID, "eve.quartzfield@example.com")), shelf.ENOTFOUND, "erase again")
}

// testEraseResumes: an erasure that stopped half-way (the process died
// after it began and after its first batch) is finished by ResumeErasures,
// exactly once.
func testEraseResumes(t *testing.T, f *Fixture) {
	eve := f.seedEve()
	for i := range 3 {
		it := f.Item(eve, fmt.Sprintf("Box %d", i))
		for j := range 3 {
			f.Note(eve, it.ID, fmt.Sprintf("note %d", j))
		}
	}
	// What EraseUser's first transaction and one batch leave behind.
	err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
		if err := tx.BeginErasure(f.Ctx, eve.UserID, f.Clock.Now()); err != nil {
			return err
		}
		if err := tx.StopAccount(f.Ctx, eve.UserID); err != nil {
			return err
		}
		_, _, err := tx.EraseRows(f.Ctx, eve.UserID, 2, &store.EraseCursor{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Authenticate(f.Ctx, "eve.quartzfield@example.com", "anything"); shelf.ErrorCode(err) != shelf.EUNAUTHORIZED {
		t.Errorf("login of a user whose erasure began: want refused, got %v", err)
	}
	n, err := f.Svc.ResumeErasures(f.Ctx, shelf.System("resume"))
	if err != nil || n != 1 {
		t.Fatalf("resume: want 1 erasure finished, got %d, %v", n, err)
	}
	if again, err := f.Svc.ResumeErasures(f.Ctx, shelf.System("resume")); again != 0 || err != nil {
		t.Errorf("a second resume: want nothing to do, got %d, %v", again, err)
	}
	if f.Count("SELECT count(*) FROM users WHERE id = %d", eve.UserID) != 0 || f.Count("SELECT count(*) FROM items WHERE owner_id = %d", eve.UserID) != 0 {
		t.Errorf("after the resumed erasure: want Eve and her items gone")
	}
	if c := len(f.EventsOf(shelf.ActionUserErase, eve.UserID)); c != 1 {
		t.Errorf("user.erase events: want exactly 1, got %d", c)
	}
	if n, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil || n != f.AuditTotal() {
		t.Errorf("verify after the resumed erasure: got %d, %+v, %v", n, brk, err)
	}
	f.scanForNone(t, eveStrings)
}

// scanForNone fails the test when any of the strings is anywhere in the
// database: on SQLite in the bytes of its file and its WAL, on PostgreSQL
// in every text column of every table.
func (f *Fixture) scanForNone(t *testing.T, strs []string) {
	t.Helper()
	if f.DB.Engine() == "sqlite" {
		var seq int
		var name, path string
		if err := f.DB.SQL().QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &path); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(file)
			if os.IsNotExist(err) {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			for _, s := range strs {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s (%d bytes) still holds %q", file, len(b), s)
				}
			}
		}
		return
	}
	rows, err := f.DB.SQL().Query(`SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying') ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 20 {
		t.Fatalf("text columns found: %d, want them all", len(cols))
	}
	for _, c := range cols {
		for _, s := range strs {
			if n := f.Count("SELECT count(*) FROM %s WHERE strpos(%s, %s) > 0", c[0], c[1], Quote(s)); n != 0 {
				t.Errorf("%s.%s: %d rows still hold %q", c[0], c[1], n, s)
			}
		}
	}
}

// eraseErr is EraseUser's error alone.
func eraseErr(_ shelf.EraseResult, err error) error { return err }
