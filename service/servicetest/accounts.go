package servicetest

import (
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/service"
)

// withPassword adds a user who can log in (the fixture's users cannot),
// with a session and an API token, and returns them with the session and
// token secrets.
func (f *Fixture) withPassword(email, name string, role shelf.Role) (a shelf.Actor, session, token string) {
	f.T.Helper()
	u, err := f.Svc.AddUser(f.Ctx, service.NewUser{Email: email, Name: name, Password: "password-" + name, Role: role})
	if err != nil {
		f.T.Fatalf("add %s: %v", name, err)
	}
	a = shelf.Actor{UserID: u.ID, Role: role, RequestID: "req-" + name, RemoteAddr: "198.51.100.9"}
	if session, _, err = f.Svc.StartSession(f.Ctx, u.ID, ""); err != nil {
		f.T.Fatal(err)
	}
	if _, token, err = f.Svc.CreateToken(f.Ctx, a, "phone"); err != nil {
		f.T.Fatal(err)
	}
	return a, session, token
}

// testAccountDeleteThenErased: deleting one's own account asks for the
// password (and, from the form, the email), stops the account at once and
// leaves everything else until the grace period ends; then the purge job's
// pass erases it, once.
func testAccountDeleteThenErased(t *testing.T, f *Fixture) {
	carl, session, token := f.withPassword("carl@example.com", "Carl", shelf.RoleMember)
	lamp := f.Item(carl, "Carl's lamp")
	f.Note(carl, lamp.ID, "bought in Lisbon")
	email := "CARL@example.com"
	_, err := f.Svc.DeleteOwnAccount(f.Ctx, carl, "wrong password", &email)
	WantCode(t, err, shelf.EFORBIDDEN, "a wrong password")
	wrong := "carla@example.com"
	_, err = f.Svc.DeleteOwnAccount(f.Ctx, carl, "password-Carl", &wrong)
	WantCode(t, err, shelf.EINVALID, "a wrong email")
	_, err = f.Svc.DeleteOwnAccount(f.Ctx, carl, "", nil)
	WantCode(t, err, shelf.EINVALID, "no password")
	if _, err := f.Svc.LoadSession(f.Ctx, session); err != nil {
		t.Fatalf("a refused deletion ended the session: %v", err)
	}
	eraseAt, err := f.Svc.DeleteOwnAccount(f.Ctx, carl, "password-Carl", &email)
	if err != nil {
		t.Fatal(err)
	}
	if want := Start.Add(service.DefaultAccountGrace); !eraseAt.Equal(want) {
		t.Errorf("erase_at %v, want %v", eraseAt, want)
	}
	if _, err := f.Svc.LoadSession(f.Ctx, session); err == nil {
		t.Error("the session still works")
	}
	if _, err := f.Svc.AuthenticateToken(f.Ctx, token); err == nil {
		t.Error("the token still works")
	}
	if _, err := f.Svc.Authenticate(f.Ctx, "carl@example.com", "password-Carl"); err == nil {
		t.Error("the password still logs in")
	}
	if n := len(f.EventsOf(shelf.ActionAccountDelete, carl.UserID)); n != 1 {
		t.Errorf("account.delete events: %d, want 1", n)
	}
	f.Clock.Advance(service.DefaultAccountGrace - time.Minute)
	if _, err := f.Svc.ResumeErasures(f.Ctx, f.Admin); err != nil {
		t.Fatal(err)
	}
	if !f.Exists("users", carl.UserID) || !f.IsLive(lamp.ID) {
		t.Fatal("erased before the grace period ended")
	}
	f.Clock.Advance(time.Minute)
	done, err := f.Svc.ResumeErasures(f.Ctx, shelf.System("purge-test"))
	if err != nil || done != 1 {
		t.Fatalf("the pass after the grace: %d erased, %v; want 1", done, err)
	}
	if f.Exists("users", carl.UserID) || f.Exists("items", lamp.ID) || f.Count("SELECT count(*) FROM account_deletions") != 0 {
		t.Error("the account or its things are still there")
	}
	if done, err := f.Svc.ResumeErasures(f.Ctx, shelf.System("purge-test")); err != nil || done != 0 {
		t.Errorf("a second pass: %d erased, %v; want 0", done, err)
	}
	if n := len(f.EventsOf(shelf.ActionUserErase, carl.UserID)); n != 1 {
		t.Errorf("user.erase events: %d, want 1", n)
	}
}

// testAccountRestoreDuringGrace: an admin's restore gives the account back
// with its password, not its sessions or tokens, and stops the erasure;
// after the grace period there is nothing to restore.
func testAccountRestoreDuringGrace(t *testing.T, f *Fixture) {
	carl, session, token := f.withPassword("carl@example.com", "Carl", shelf.RoleMember)
	lamp := f.Item(carl, "Carl's lamp")
	_, err := f.Svc.RestoreAccount(f.Ctx, f.Admin, carl.UserID)
	WantCode(t, err, shelf.ENOTFOUND, "restore of an account not deleted")
	if _, err := f.Svc.DeleteOwnAccount(f.Ctx, carl, "password-Carl", nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.Svc.RestoreAccount(f.Ctx, f.Alice, carl.UserID)
	WantCode(t, err, shelf.EFORBIDDEN, "a member's restore")
	_, err = f.Svc.RestoreAccount(f.Ctx, f.Admin, 999999)
	WantCode(t, err, shelf.ENOTFOUND, "restore of nobody")
	f.Clock.Advance(time.Hour)
	u, err := f.Svc.RestoreAccount(f.Ctx, f.Admin, carl.UserID)
	if err != nil || u.Email != "carl@example.com" {
		t.Fatalf("restore: %+v, %v", u, err)
	}
	if _, err := f.Svc.Authenticate(f.Ctx, "carl@example.com", "password-Carl"); err != nil {
		t.Errorf("the password after the restore: %v", err)
	}
	if _, err := f.Svc.LoadSession(f.Ctx, session); err == nil {
		t.Error("the old session works again")
	}
	if _, err := f.Svc.AuthenticateToken(f.Ctx, token); err == nil {
		t.Error("the old token works again")
	}
	if n := len(f.EventsOf(shelf.ActionAccountRestore, carl.UserID)); n != 1 {
		t.Errorf("account.restore events: %d, want 1", n)
	}
	f.Clock.Advance(service.DefaultAccountGrace)
	if _, err := f.Svc.ResumeErasures(f.Ctx, f.Admin); err != nil {
		t.Fatal(err)
	}
	if !f.Exists("users", carl.UserID) || !f.IsLive(lamp.ID) {
		t.Fatal("a restored account was erased")
	}
	// Deleted again, and the grace runs out before anyone restores it.
	if _, err := f.Svc.DeleteOwnAccount(f.Ctx, carl, "password-Carl", nil); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(service.DefaultAccountGrace)
	_, err = f.Svc.RestoreAccount(f.Ctx, f.Admin, carl.UserID)
	WantCode(t, err, shelf.ENOTFOUND, "restore after the grace period")
}

// testLastAdminKeepsAccount: an admin may delete their own account while
// another admin remains, and the last one may not (ELASTADMIN, naming
// them), nothing changed.
func testLastAdminKeepsAccount(t *testing.T, f *Fixture) {
	root, session, _ := f.withPassword("root@example.com", "Root", shelf.RoleAdmin)
	if _, err := f.Svc.EraseUser(f.Ctx, root, f.Admin.UserID, "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	before := f.AuditTotal()
	_, err := f.Svc.DeleteOwnAccount(f.Ctx, root, "password-Root", nil)
	WantCode(t, err, shelf.ELASTADMIN, "the last admin")
	if e := shelf.AsError(err); len(e.Blockers) != 1 || e.Blockers[0] != (shelf.Blocker{Type: shelf.BlockUser, ID: root.UserID, Label: "Root"}) {
		t.Errorf("blockers %+v, want Root", e.Blockers)
	}
	if _, err := f.Svc.LoadSession(f.Ctx, session); err != nil || f.AuditTotal() != before {
		t.Errorf("a refused deletion changed something: session %v, events %d → %d", err, before, f.AuditTotal())
	}
	// Two admins deleting themselves at once: one of them stays.
	ann, _, _ := f.withPassword("ann@example.com", "Ann", shelf.RoleAdmin)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, a := range []shelf.Actor{root, ann} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.Svc.DeleteOwnAccount(f.Ctx, a, "password-"+map[int64]string{root.UserID: "Root", ann.UserID: "Ann"}[a.UserID], nil)
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("two admins deleting themselves at once: %v and %v, want exactly one refused", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && shelf.ErrorCode(err) != shelf.ELASTADMIN {
			t.Errorf("the refusal: %v, want %s", err, shelf.ELASTADMIN)
		}
	}
}

// testAccountErasureOnceAcrossInstances: several instances' purge jobs
// passing at once after the grace period erase the account once, with one
// user.erase event.
func testAccountErasureOnceAcrossInstances(t *testing.T, f *Fixture) {
	carl, _, _ := f.withPassword("carl@example.com", "Carl", shelf.RoleMember)
	for i := range 30 {
		it := f.Item(carl, "thing "+string(rune('a'+i)))
		f.Note(carl, it.ID, "note")
	}
	if _, err := f.Svc.DeleteOwnAccount(f.Ctx, carl, "password-Carl", nil); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(service.DefaultAccountGrace)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		svc := service.New(f.DB, service.WithClock(f.Clock.Now))
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.ResumeErasures(f.Ctx, shelf.System("instance"))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("a pass: %v", err)
		}
	}
	if f.Exists("users", carl.UserID) || f.Count("SELECT count(*) FROM items WHERE owner_id = %d", carl.UserID) != 0 {
		t.Error("the account was not erased")
	}
	if n := len(f.EventsOf(shelf.ActionUserErase, carl.UserID)); n != 1 {
		t.Errorf("user.erase events: %d, want 1", n)
	}
}

// testHeldAccountWaitsForRelease: a held person may delete their account
// (the hold is the admins' business), but its erasure waits, begun, until
// the hold is released.
func testHeldAccountWaitsForRelease(t *testing.T, f *Fixture) {
	carl, _, _ := f.withPassword("carl@example.com", "Carl", shelf.RoleMember)
	lamp := f.Item(carl, "Carl's lamp")
	h := f.hold(shelf.HoldInput{UserID: idp(carl.UserID), Reason: "Case 12"})
	if _, err := f.Svc.DeleteOwnAccount(f.Ctx, carl, "password-Carl", nil); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(service.DefaultAccountGrace)
	if _, err := f.Svc.ResumeErasures(f.Ctx, f.Admin); err != nil {
		t.Fatal(err)
	}
	if !f.Exists("users", carl.UserID) || !f.IsLive(lamp.ID) {
		t.Fatal("a held account was erased")
	}
	if err := f.Svc.ReleaseHold(f.Ctx, f.Admin, h.ID); err != nil {
		t.Fatal(err)
	}
	if done, err := f.Svc.ResumeErasures(f.Ctx, f.Admin); err != nil || done != 1 {
		t.Fatalf("after the release: %d erased, %v", done, err)
	}
	if f.Exists("users", carl.UserID) {
		t.Error("still there after the release")
	}
}
