package servicetest

import (
	"context"
	"strings"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// rawAudit returns every stored audit row's text as one string: what a copy
// of the database shows.
func (f *Fixture) rawAudit() string {
	f.T.Helper()
	rows, err := f.DB.SQL().Query(`SELECT summary, snapshot, remote_addr FROM audit_events ORDER BY id`)
	if err != nil {
		f.T.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s1, s2, s3 string
		if err := rows.Scan(&s1, &s2, &s3); err != nil {
			f.T.Fatal(err)
		}
		b.WriteString(s1 + "|" + s2 + "|" + s3 + "\n")
	}
	return b.String()
}

func testAuditSealsPersonalData(t *testing.T, f *Fixture) {
	alice := f.Alice
	alice.RemoteAddr = "198.51.100.23"
	it := f.Item(alice, "Grandmother's ring")
	f.Note(alice, it.ID, "hidden in the blue box")
	f.Trash(alice, it.ID)
	_, err := f.Svc.PurgeItem(f.Ctx, alice, it.ID, shelf.Confirmation{Reason: "family reasons"})
	WantCode(t, err, "", "purge")

	raw := f.rawAudit()
	for _, secret := range []string{"Grandmother", "blue box", "family reasons", "198.51.100.23"} {
		if strings.Contains(raw, secret) {
			t.Errorf("stored audit rows hold %q in plain text:\n%s", secret, raw)
		}
	}
	if !strings.Contains(raw, "enc1:") {
		t.Fatalf("stored audit rows: want sealed values, got\n%s", raw)
	}

	// Readers get them opened.
	events := f.EventsOf(shelf.ActionItemPurge, it.ID)
	if len(events) != 1 {
		t.Fatalf("item.purge events: want 1, got %d", len(events))
	}
	e := events[0]
	if !strings.Contains(e.Summary, "Grandmother's ring") || !strings.Contains(string(e.Snapshot), "blue box") ||
		!strings.Contains(string(e.Snapshot), "family reasons") || e.RemoteAddr != "198.51.100.23" {
		t.Errorf("opened event: want the name, note, reason and address, got %+v", e)
	}
	var exported []shelf.AuditEvent
	if err := f.Svc.ExportAudit(f.Ctx, Start.Add(-1), func(e shelf.AuditEvent) error { exported = append(exported, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(exported) != 2 || !strings.Contains(exported[1].Summary, "Grandmother's ring") || exported[1].RemoteAddr != "198.51.100.23" {
		t.Errorf("exported events: want 2, opened, got %+v", exported)
	}
	evs := f.eventsUntil("", nil, 2)
	if len(evs) != 2 || !strings.Contains(evs[0].Summary, "Grandmother's ring") {
		t.Errorf("change events: want 2 with opened summaries, got %+v", evs)
	}

	// With the key destroyed, the personal data reads [erased] everywhere,
	// and the chain, which covers what is stored, still verifies.
	if err := f.DB.Write(f.Ctx, func(tx *store.Tx) error { return tx.DestroySubjectKey(f.Ctx, alice.UserID) }); err != nil {
		t.Fatal(err)
	}
	e = f.EventsOf(shelf.ActionItemPurge, it.ID)[0]
	if e.Summary != service.Erased || string(e.Snapshot) != `"[erased]"` || e.RemoteAddr != service.Erased {
		t.Errorf("event after its key is destroyed: want every personal field [erased], got %+v", e)
	}
	evs = f.eventsUntil("", nil, 2)
	if len(evs) != 2 || evs[0].Summary != service.Erased {
		t.Errorf("change events after the key is destroyed: want [erased] summaries, got %+v", evs)
	}
	if n, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil || n != 2 {
		t.Errorf("verify after the key is destroyed: want 2 events intact, got %d, %+v, %v", n, brk, err)
	}
}

// testAuditOldPlainEventsOfErased: events written before Shelf sealed
// personal data stay as they were stored (the log is append-only); once
// their owner is erased, readers see [erased] in them too.
func testAuditOldPlainEventsOfErased(t *testing.T, f *Fixture) {
	owner := f.Bob.UserID
	err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
		_, err := tx.AppendAudit(f.Ctx, shelf.AuditEvent{At: Start, ActorID: &owner, OwnerID: &owner, Action: shelf.ActionItemTrash,
			EntityType: "item", EntityID: 99, Summary: "Moved “Old diary” to the Trash", Snapshot: []byte(`{"item":{"name":"Old diary"}}`),
			RemoteAddr: "203.0.113.9"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if e := f.EventsOf(shelf.ActionItemTrash, 99)[0]; e.Summary != "Moved “Old diary” to the Trash" {
		t.Fatalf("an old plain event: want it read as stored, got %+v", e)
	}
	if err := f.DB.Write(f.Ctx, func(tx *store.Tx) error { return tx.BeginErasure(f.Ctx, owner, Start) }); err != nil {
		t.Fatal(err)
	}
	e := f.EventsOf(shelf.ActionItemTrash, 99)[0]
	if e.Summary != service.Erased || string(e.Snapshot) != `"[erased]"` {
		t.Errorf("an old plain event of an erased owner: want [erased], got %+v", e)
	}
	if n, brk, err := f.Svc.VerifyAudit(f.Ctx); err != nil || brk != nil || n != 1 {
		t.Errorf("verify: want 1 event intact, got %d, %+v, %v", n, brk, err)
	}
}

// testMasterKeyWrapsKeys: with a master key the people's keys are stored
// wrapped; a server without it, or with another, refuses to start.
func testMasterKeyWrapsKeys(t *testing.T, f *Fixture) {
	ctx := context.Background()
	master := make([]byte, 32)
	master[0] = 7
	svc := service.New(f.DB, service.WithClock(f.Clock.Now), service.WithMasterKey(master))
	WantCode(t, svc.CheckKeys(ctx), "", "first start with a key file")
	it, err := svc.CreateItem(ctx, f.Alice, shelf.ItemInput{Name: "Wrapped", Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.TrashItem(ctx, f.Alice, it.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("SELECT count(*) FROM subject_keys WHERE key LIKE 'raw:%%'"); n != 0 {
		t.Errorf("keys stored unwrapped under a master key: %d", n)
	}
	if e := f.EventsOfWith(svc, shelf.ActionItemTrash, it.ID); !strings.Contains(e.Summary, "Wrapped") {
		t.Errorf("event read with the master key: want it opened, got %+v", e)
	}
	if err := service.New(f.DB).CheckKeys(ctx); err == nil || !strings.Contains(err.Error(), "--key-file") {
		t.Errorf("start without the key file: want a refusal naming --key-file, got %v", err)
	}
	other := make([]byte, 32)
	if err := service.New(f.DB, service.WithMasterKey(other)).CheckKeys(ctx); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Errorf("start with another key file: want a refusal, got %v", err)
	}
}

// EventsOfWith is EventsOf read through another service over the same
// database; it returns the one event.
func (f *Fixture) EventsOfWith(svc *service.Service, action string, entityID int64) shelf.AuditEvent {
	f.T.Helper()
	id := entityID
	page, err := svc.AuditEvents(f.Ctx, f.Admin, shelf.AuditFilter{Action: action, EntityID: &id})
	if err != nil || len(page.Events) != 1 {
		f.T.Fatalf("audit events %s on %d: want 1, got %d, %v", action, entityID, len(page.Events), err)
	}
	return page.Events[0]
}
