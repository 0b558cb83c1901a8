package web

import (
	"net/http"
	"net/url"
	"testing"

	"shelf"
	"shelf/store"
)

// TestHTMLFormDeleteTransactions counts the transactions of a form delete on
// each engine: the reads of the session and its user (one statement each),
// one write transaction for the delete
// itself (the trashed item it returns names the flash and carries the cohort
// that Undo restores), and one for the flash. No read runs "just for the
// message".
func TestHTMLFormDeleteTransactions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(t *testing.T, cfgs ...func(*Config)) *apiEnv) {
		e := open(t)
		it, err := e.svc.CreateItem(t.Context(), e.actor("owner"), shelf.ItemInput{Name: "Counted", Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		c, csrf := e.sessionClient("owner")
		before := e.db.TxCounts()
		res, err := c.PostForm(e.ts.URL+"/items/"+itoa(it.ID)+"/delete", url.Values{"csrf_token": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := e.db.TxCounts()
		got = store.TxCounts{Writes: got.Writes - before.Writes, Reads: got.Reads - before.Reads, ReadOnes: got.ReadOnes - before.ReadOnes}
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("form delete: status %d, want 303", res.StatusCode)
		}
		want := store.TxCounts{Writes: 2, Reads: 0, ReadOnes: 2}
		if got != want {
			t.Errorf("form delete ran %+v transactions, want %+v (the delete and the flash; the session and its user)", got, want)
		}
	})
}
