package servicetest

import (
	"fmt"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// testTextMustBeUTF8: every use case that stores text refuses bytes that are
// not UTF-8 (EINVALID) and writes nothing, on every engine alike. Below the
// service, PostgreSQL refuses such bytes itself (SQLSTATE 22021), which the
// store reports as EMALFORMED, never as an unclassified error; SQLite would
// store them, which is why the rule is the service's.
func testTextMustBeUTF8(t *testing.T, f *Fixture) {
	const bad = "Spoof\xff"
	it := f.Item(f.Alice, "Lamp")
	gone := f.Item(f.Alice, "Rug")
	f.Trash(f.Alice, gone.ID)
	before := f.AuditTotal()
	for _, tc := range []struct {
		what string
		do   func() error
	}{
		{"item name", func() error {
			_, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: bad, Quantity: 1})
			return err
		}},
		{"item description", func() error {
			_, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: "Ok", Description: bad, Quantity: 1})
			return err
		}},
		{"item rename", func() error {
			_, err := f.Svc.UpdateItem(f.Ctx, f.Alice, it.ID, shelf.ItemInput{Name: bad, Quantity: 1}, 0)
			return err
		}},
		{"category name", func() error { _, err := f.Svc.CreateCategory(f.Ctx, f.Alice, bad); return err }},
		{"note body", func() error { _, err := f.Svc.AddNote(f.Ctx, f.Alice, it.ID, bad); return err }},
		{"borrower", func() error { _, err := f.Svc.LendItem(f.Ctx, f.Alice, it.ID, bad, nil); return err }},
		{"token name", func() error { _, _, err := f.Svc.CreateToken(f.Ctx, f.Alice, bad); return err }},
		{"restore under a new name", func() error { _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, gone.ID, bad); return err }},
		{"reason", func() error {
			_, err := f.Svc.TrashItems(f.Ctx, f.Alice, []int64{it.ID}, shelf.Confirmation{Reason: bad})
			return err
		}},
		{"user name", func() error {
			_, err := f.Svc.AddUser(f.Ctx, service.NewUser{Email: "eve@example.com", Name: bad, Password: "a long password"})
			return err
		}},
	} {
		WantCode(t, tc.do(), shelf.EINVALID, tc.what+" that is not UTF-8")
	}
	if n := f.Count("SELECT count(*) FROM items"); n != 2 {
		t.Errorf("items: want the 2 of the fixture, got %d", n)
	}
	for _, table := range []string{"categories", "notes", "loans", "api_tokens"} {
		if n := f.Count("SELECT count(*) FROM %s", table); n != 0 {
			t.Errorf("%s: want no rows after refusals, got %d", table, n)
		}
	}
	if !f.IsLive(it.ID) || !f.IsTrashed(gone.ID) || f.AuditTotal() != before {
		t.Errorf("refusals changed something: live %v, trashed %v, audit events %d (want %d)",
			f.IsLive(it.ID), f.IsTrashed(gone.ID), f.AuditTotal(), before)
	}

	// The store's backstop, for a path that would forget the rule.
	err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
		_, err := tx.InsertCategory(f.Ctx, shelf.Category{OwnerID: f.Alice.UserID, Name: bad})
		return err
	})
	switch f.DB.Engine() {
	case "postgres":
		WantCode(t, err, shelf.EMALFORMED, "PostgreSQL storing bytes that are not UTF-8")
	default:
		WantCode(t, err, "", "SQLite storing bytes that are not UTF-8 (it does not check)")
	}
	// Searching with such bytes is no internal error either.
	_, err = f.Svc.Items(f.Ctx, f.Alice, shelf.ItemFilter{Query: bad}, false)
	if code := shelf.ErrorCode(err); code != "" && code != shelf.EMALFORMED {
		t.Errorf("search for bytes that are not UTF-8: want success or %s, got %s (%v)", shelf.EMALFORMED, code, err)
	}
}

// testNamesRefuseInvisibleCharacters: every name refuses bidirectional
// controls, other format characters and C1 controls (EINVALID), and keeps
// the zero-width joiners that scripts and emoji need.
func testNamesRefuseInvisibleCharacters(t *testing.T, f *Fixture) {
	it := f.Item(f.Alice, "Lamp")
	gone := f.Item(f.Alice, "Rug")
	f.Trash(f.Alice, gone.ID)
	for _, bad := range []string{"gpj.\u202eexe", "Lamp\u2066", "Lamp\u200b", "La\u00admp", "La\u0085mp", "\ufeffLamp"} {
		for _, tc := range []struct {
			what string
			do   func() error
		}{
			{"item name", func() error {
				_, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: bad, Quantity: 1})
				return err
			}},
			{"item rename", func() error {
				_, err := f.Svc.UpdateItem(f.Ctx, f.Alice, it.ID, shelf.ItemInput{Name: bad, Quantity: 1}, 0)
				return err
			}},
			{"category name", func() error { _, err := f.Svc.CreateCategory(f.Ctx, f.Alice, bad); return err }},
			{"borrower", func() error { _, err := f.Svc.LendItem(f.Ctx, f.Alice, it.ID, bad, nil); return err }},
			{"token name", func() error { _, _, err := f.Svc.CreateToken(f.Ctx, f.Alice, bad); return err }},
			{"restore under a new name", func() error { _, err := f.Svc.RestoreItem(f.Ctx, f.Alice, gone.ID, bad); return err }},
			{"user name", func() error {
				_, err := f.Svc.AddUser(f.Ctx, service.NewUser{Email: "eve@example.com", Name: bad, Password: "a long password"})
				return err
			}},
		} {
			WantCode(t, tc.do(), shelf.EINVALID, fmt.Sprintf("%s %+q", tc.what, bad))
		}
	}
	// A webhook is named by its description.
	for _, bad := range []string{"Alerts\u202e", "Alerts\xff", "a\u2066b"} {
		_, err := f.Svc.CreateWebhook(f.Ctx, f.Alice, service.WebhookInput{URL: "https://example.com/hook",
			Events: []string{shelf.ActionItemTrash}, Description: bad})
		if e := shelf.AsError(err); e == nil || e.Code != shelf.EINVALID || e.Fields["description"] == "" {
			t.Errorf("webhook description %+q: %v, want %s naming the description", bad, err, shelf.EINVALID)
		}
	}
	if n := f.Count("SELECT count(*) FROM items WHERE name <> 'Lamp' AND name <> 'Rug'"); n != 0 {
		t.Errorf("items: want none but the fixture's, got %d more", n)
	}
	for _, ok := range []string{"می\u200cخواهم", "👩\u200d🔧 kit"} {
		if _, err := f.Svc.CreateItem(f.Ctx, f.Alice, shelf.ItemInput{Name: ok, Quantity: 1}); err != nil {
			t.Errorf("item name %+q (a joiner that the script needs): %v", ok, err)
		}
	}
}

// testAuditHashBindsExactBytes: the chain hashes the bytes stored, so two
// summaries that differ only in bytes that are not UTF-8 (and that
// json.Marshal would both turn into U+FFFD) hash apart, and swapping one for
// the other breaks the chain. PostgreSQL cannot store such bytes at all.
func testAuditHashBindsExactBytes(t *testing.T, f *Fixture) {
	f.Trash(f.Alice, f.Item(f.Alice, "Lamp").ID)
	var appended shelf.AuditEvent
	err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
		var err error
		appended, err = tx.AppendAudit(f.Ctx, shelf.AuditEvent{At: f.Clock.Now(), Action: "item.trash", EntityType: "item",
			EntityID: 1, Summary: "Spoof\xff", RequestID: "r", RemoteAddr: "192.0.2.1"})
		return err
	})
	if f.DB.Engine() == "postgres" {
		WantCode(t, err, shelf.EMALFORMED, "appending an audit event with bytes that are not UTF-8 on PostgreSQL")
		return
	}
	WantCode(t, err, "", "appending an audit event with bytes that are not UTF-8")
	twin := appended
	twin.Summary = "Spoof\xfe"
	if store.ChainHash(twin) == appended.Hash {
		t.Fatalf("two summaries that differ in a byte that is not UTF-8 hash alike: %s", appended.Hash)
	}
	f.Trash(f.Alice, f.Item(f.Alice, "Rug").ID)
	if _, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil {
		t.Fatalf("verify before tampering: want no break, got %+v, %v", brk, err)
	}
	if !f.unprotected(t, fmt.Sprintf("UPDATE audit_events SET summary = CAST(X'53706f6f66fe' AS TEXT) WHERE id = %d", appended.ID)) {
		return
	}
	_, brk, err := f.Svc.VerifyAudit(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if brk == nil || brk.ID != appended.ID {
		t.Fatalf("verify after swapping one byte that is not UTF-8 for another: want a break at event %d, got %+v", appended.ID, brk)
	}
}
