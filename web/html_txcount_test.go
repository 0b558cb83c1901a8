package web

import (
	"net/http"
	"net/url"
	"testing"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// TestHTMLFormDeleteTransactions counts the transactions of each form delete
// on each engine: the reads of the session and its user (one statement
// each), one write transaction for the delete itself (what it returns, the
// trashed item with the cohort Undo restores, or the category, token or user
// as it was, names the flash), and one for the flash. No read runs "just
// for the message".
func TestHTMLFormDeleteTransactions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T, cfgs ...func(*Config)) *apiEnv) {
		e := open(t)
		ctx, owner := t.Context(), e.actor("owner")
		it, err := e.svc.CreateItem(ctx, owner, shelf.ItemInput{Name: "Counted", Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		cat, err := e.svc.CreateCategory(ctx, owner, "Counted")
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := e.svc.CreateToken(ctx, owner, "counted")
		if err != nil {
			t.Fatal(err)
		}
		leaver, err := e.svc.AddUser(ctx, service.NewUser{Email: "leaver@example.com", Name: "Leaver", Password: "password-leaver", Role: shelf.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ what, as, path, flash string }{
			{"item", "owner", "/items/" + itoa(it.ID) + "/delete", "/items"},
			{"category", "owner", "/categories/" + itoa(cat.ID) + "/delete", "/categories"},
			{"token", "owner", "/tokens/" + itoa(tk.ID) + "/delete", "/tokens"},
			{"user", "admin", "/admin/users/" + itoa(leaver.ID) + "/delete", "/admin/users"},
		} {
			c, csrf := e.sessionClient(tc.as)
			before := e.db.TxCounts()
			res, err := c.PostForm(e.ts.URL+tc.path, url.Values{"csrf_token": {csrf}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := e.db.TxCounts()
			got = store.TxCounts{Writes: got.Writes - before.Writes, Reads: got.Reads - before.Reads, ReadOnes: got.ReadOnes - before.ReadOnes}
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.flash {
				t.Fatalf("form delete of a %s: status %d to %q, want 303 to %s", tc.what, res.StatusCode, res.Header.Get("Location"), tc.flash)
			}
			want := store.TxCounts{Writes: 2, Reads: 0, ReadOnes: 2}
			if got != want {
				t.Errorf("form delete of a %s ran %+v transactions, want %+v (the delete and the flash; the session and its user)", tc.what, got, want)
			}
		}
	})
}
