package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// eraseVictim is a person the erasure crash test erases: an admin's
// erasure (POST /api/v1/users/{id}/erase) or, for selfService, their own
// deletion (DELETE /api/v1/me) that the purge job turns into an erasure
// once the grace period (1 ms here) ends.
type eraseVictim struct {
	tokenUser
	mark        string // in every string of theirs: email, name, items, notes
	selfService bool
	notes       int
}

// TestCrashErasureFinishes erases people while `shelf serve` is killed with
// SIGKILL at random moments, half of them by an admin and half by their own
// account deletion, each with thousands of notes so that the erasure spans
// many transactions. After every kill the database file must show the
// erasure either not begun, with everything of the person there, or begun;
// a server started again finishes a begun one by itself. Then nothing of
// the person is left (no row, and none of their strings anywhere in the
// SQLite file or its WAL), user.erase is written once, another member's
// things are untouched, the file's integrity and foreign keys are clean and
// `shelf audit verify` passes.
//
// SHELF_CRASH_KILLS sets the number of people erased (default 4), each
// through as many kills as it takes; SHELF_CRASH_SEED the random seed.
func TestCrashErasureFinishes(t *testing.T) {
	victims, seed := crashSettings(t, 4)
	t.Logf("erasure crash test: %d people, seed %d (replay with SHELF_CRASH_SEED=%d)", victims, seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0xe2a5e))
	bin := buildShelf(t)
	dbPath := filepath.Join(t.TempDir(), "shelf.db")
	admin, keeper, people := seedErasures(t, dbPath, victims)
	hc := &http.Client{Timeout: 60 * time.Second}
	extra := []string{"--account-grace", "1ms", "--purge-interval", "50ms"}
	kills, halfway := 0, 0
	for _, v := range people {
		begun := false
		for attempt := 1; !begun; attempt++ {
			if attempt > 20 {
				t.Fatalf("%s: the erasure never began in 20 tries", v.mark)
			}
			p := startServer(t, bin, dbPath, extra...)
			waitHealthy(t, p.base)
			ack := make(chan httpResult, 1)
			go func() {
				if v.selfService {
					ack <- call(context.Background(), hc, p.base, v.token, "DELETE", "/api/v1/me",
						map[string]string{"password": "password-" + v.mark + "@example.com"})
				} else {
					ack <- call(context.Background(), hc, p.base, admin.token, "POST", fmt.Sprintf("/api/v1/users/%d/erase", v.actor.UserID),
						map[string]string{"confirm_email": v.mark + "@example.com"})
				}
			}()
			// note: half the kills come at a random moment; the others as
			// soon as the erasure is seen begun, so that some surely stop it
			// half-way.
			if attempt%2 == 1 {
				waitErasureBegun(t, dbPath, v, 10*time.Second)
				time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
			} else {
				time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
			}
			p.kill()
			kills++
			res := <-ack
			var finished bool
			begun, finished = checkErasureState(t, dbPath, v, res)
			if begun && !finished {
				halfway++
			}
		}
		// A server started again finishes it by itself.
		p := startServer(t, bin, dbPath, extra...)
		waitErased(t, hc, p.base, admin.token, v)
		if err := p.stop(); err != nil {
			t.Fatalf("stop: %v\n%s", err, p.tail(3000))
		}
		checkErased(t, bin, dbPath, v, keeper)
		if t.Failed() {
			t.Fatalf("%s failed (seed %d)", v.mark, seed)
		}
	}
	t.Logf("erasure crash test: %d people erased through %d kills, %d of which stopped an erasure half-way", len(people), kills, halfway)
}

// seedErasures makes the database: an admin with a token, a member whose
// things must stay, and the people to erase, with items (some trashed, so
// the audit log holds sealed events about them), notes and loans.
func seedErasures(t *testing.T, dbPath string, n int) (admin, keeper tokenUser, people []*eraseVictim) {
	t.Helper()
	ctx := context.Background()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	svc := service.New(db)
	u, err := svc.AddUser(ctx, service.NewUser{Email: "root@example.com", Name: "Root", Password: "password-root", Role: shelf.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	admin.actor = shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "setup"}
	if _, admin.token, err = svc.CreateToken(ctx, admin.actor, "tests"); err != nil {
		t.Fatal(err)
	}
	keeper = addTokenUser(t, svc, "keeper@example.com", "Keeper", numbered("keeper-thing-%d", 5)...)
	for i := range n {
		mark := fmt.Sprintf("quillon%d", i)
		v := &eraseVictim{mark: mark, selfService: i%2 == 1}
		v.tokenUser = addTokenUser(t, svc, mark+"@example.com", "Victim "+strings.ToUpper(mark[:1])+mark[1:], numbered(mark+"-thing-%d", 40)...)
		for _, it := range v.items[:5] {
			if _, err := svc.TrashItem(ctx, v.actor, it.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		people = append(people, v)
	}
	// note: the notes go in with plain SQL in one transaction, as in the
	// crash test: thousands of durable commits would only slow the setup.
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := svc.Now().Format(time.RFC3339Nano)
	for _, v := range people {
		for _, it := range v.items {
			for k := range 500 {
				if _, err := tx.Exec(`INSERT INTO notes (item_id, author_id, body, created_at) VALUES (?, ?, ?, ?)`,
					it.ID, v.actor.UserID, fmt.Sprintf("%s-note-%d", v.mark, k), now); err != nil {
					t.Fatal(err)
				}
				v.notes++
			}
			if _, err := tx.Exec(`INSERT INTO loans (item_id, borrower, lent_at, returned_at) VALUES (?, ?, ?, ?)`,
				it.ID, v.mark+"-borrower", now, now); err != nil {
				t.Fatal(err)
			}
		}
		// note: a note of theirs on the keeper's item: erased with them,
		// the item stays.
		if _, err := tx.Exec(`INSERT INTO notes (item_id, author_id, body, created_at) VALUES (?, ?, ?, ?)`,
			keeper.items[1].ID, v.actor.UserID, v.mark+"-wrote-on-keeper", now); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return admin, keeper, people
}

// checkErasureState opens the file after a kill and reports whether the
// person's erasure has begun (or their deletion was recorded), and whether
// it stands anywhere but half-way; one that has not
// begun must have left everything of theirs in place, and an acknowledged
// one must be over.
func checkErasureState(t *testing.T, dbPath string, v *eraseVictim, res httpResult) (begun, finished bool) {
	t.Helper()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	dbHealth(t, db)
	recorded := countRows(t, db, `SELECT count(*) FROM erased_subjects WHERE user_id = ?`, v.actor.UserID) +
		countRows(t, db, `SELECT count(*) FROM account_deletions WHERE user_id = ?`, v.actor.UserID)
	erased := countRows(t, db, `SELECT count(*) FROM erased_subjects WHERE user_id = ? AND erased_at IS NOT NULL`, v.actor.UserID)
	if res.err == nil && (res.status == http.StatusNoContent || res.status == http.StatusAccepted) && recorded == 0 {
		t.Fatalf("%s: answered %d, but nothing was recorded", v.mark, res.status)
	}
	if res.err == nil && res.status == http.StatusNoContent && erased == 0 {
		t.Fatalf("%s: the erasure answered 204 and is not finished", v.mark)
	}
	if res.err == nil && res.status >= 300 {
		t.Fatalf("%s: the request was refused: %d %s", v.mark, res.status, res.body)
	}
	if recorded == 0 {
		items := countRows(t, db, `SELECT count(*) FROM items WHERE owner_id = ?`, v.actor.UserID)
		notes := countRows(t, db, `SELECT count(*) FROM notes n JOIN items i ON i.id = n.item_id WHERE i.owner_id = ?`, v.actor.UserID)
		if items != len(v.items) || notes != v.notes {
			t.Fatalf("%s: no erasure begun, yet %d of %d items and %d of %d notes are left", v.mark, items, len(v.items), notes, v.notes)
		}
		return false, false
	}
	started := countRows(t, db, `SELECT count(*) FROM erased_subjects WHERE user_id = ?`, v.actor.UserID)
	return true, started == 0 || erased == 1
}

// waitErasureBegun watches the file, as another process may while the
// server writes it, until the person's erasure is recorded as begun and
// not finished, or for at most limit.
func waitErasureBegun(t *testing.T, dbPath string, v *eraseVictim, limit time.Duration) {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		var n int
		err := db.SQL().QueryRowContext(context.Background(),
			`SELECT count(*) FROM erased_subjects WHERE user_id = ? AND erased_at IS NULL`, v.actor.UserID).Scan(&n)
		if err == nil && n > 0 {
			return
		}
	}
}

// waitErased waits, through the API, until the person is no longer a user:
// the transaction that deletes the user also marks the erasure finished.
func waitErased(t *testing.T, hc *http.Client, base, adminToken string, v *eraseVictim) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		res := call(context.Background(), hc, base, adminToken, "GET", "/api/v1/users", nil)
		if res.err == nil && res.status == 200 && !bytes.Contains(res.body, []byte(v.mark+"@example.com")) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the erasure did not finish after the restart", v.mark)
}

// checkErased checks, on the file no process has open, that nothing of the
// person is left, their erasure is recorded once, and the rest is sound.
func checkErased(t *testing.T, bin, dbPath string, v *eraseVictim, keeper tokenUser) {
	t.Helper()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	id := v.actor.UserID
	for q, want := range map[string]int{
		`SELECT count(*) FROM users WHERE id = ?`:                                          0,
		`SELECT count(*) FROM items WHERE owner_id = ?`:                                    0,
		`SELECT count(*) FROM notes WHERE author_id = ?`:                                   0,
		`SELECT count(*) FROM api_tokens WHERE user_id = ?`:                                0,
		`SELECT count(*) FROM subject_keys WHERE user_id = ?`:                              0,
		`SELECT count(*) FROM account_deletions WHERE user_id = ?`:                         0,
		`SELECT count(*) FROM erased_subjects WHERE user_id = ? AND erased_at IS NOT NULL`: 1,
		`SELECT count(*) FROM audit_events WHERE action = 'user.erase' AND entity_id = ?`:  1,
	} {
		if got := countRows(t, db, q, id); got != want {
			t.Errorf("%s: %s: %d, want %d", v.mark, q, got, want)
		}
	}
	if got := countRows(t, db, `SELECT count(*) FROM items WHERE owner_id = ?`, keeper.actor.UserID); got != len(keeper.items) {
		t.Errorf("the keeper's items: %d, want %d", got, len(keeper.items))
	}
	dbHealth(t, db)
	closeDB()
	verifyWithBinary(t, bin, dbPath)
	for _, path := range []string{dbPath, dbPath + "-wal"} {
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(b, []byte(v.mark)); i >= 0 {
			t.Errorf("%s: a copy of their data is left in %s at byte %d: %q", v.mark, filepath.Base(path), i, b[i:min(len(b), i+40)])
		}
		if filepath.Base(path) == "shelf.db" && !bytes.Contains(b, []byte("keeper-thing-")) {
			t.Errorf("the scan of %s finds not even the keeper's things", path)
		}
	}
}

// countRows runs a counting query with arguments.
func countRows(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
