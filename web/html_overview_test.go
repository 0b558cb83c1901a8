package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shelf"
)

// TestHTMLOverview: the overview counts what the viewer owns, and only
// that: items per category (empty ones and none too), on loan, overdue, and
// today's moves to the Trash and restores, drawn as SVG bars with the same
// numbers in words; it needs a login.
func TestHTMLOverview(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx, ann := context.Background(), e.actor("ann")
		tools, err := e.svc.CreateCategory(ctx, ann, "Tools")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CreateCategory(ctx, ann, "Attic"); err != nil {
			t.Fatal(err)
		}
		b := e.login("ann")
		for _, name := range []string{"Saw", "Drill"} {
			if _, err := e.svc.CreateItem(ctx, ann, shelf.ItemInput{Name: name, Quantity: 1, CategoryID: &tools.ID}); err != nil {
				t.Fatal(err)
			}
		}
		lamp, rug, vase := e.newItem("ann", "Lamp"), e.newItem("ann", "Rug"), e.newItem("ann", "Vase")
		wantSeeOther(t, "lend", b.post("/items/"+idOf(lamp)+"/loans", url.Values{"borrower": {"Bob"}}), "/items/"+idOf(lamp))
		wantSeeOther(t, "trash the rug", b.post("/items/"+idOf(rug)+"/delete", url.Values{}), "/items")
		wantSeeOther(t, "trash the vase", b.post("/items/"+idOf(vase)+"/delete", url.Values{}), "/items")
		wantSeeOther(t, "restore the vase", b.post("/trash/"+idOf(vase)+"/restore", url.Values{}), "/items")
		e.newItem("bob", "Bob's thing")

		today := time.Now().UTC().Format("2 Jan")
		p := b.get("/overview")
		wantPage(t, "Ann's overview", p, http.StatusOK, "<h1>Overview</h1>",
			"<dt>Items</dt><dd>4</dd>", "<dt>On loan</dt><dd>1 item</dd>", "<dt>Overdue</dt><dd>None</dd>",
			`<a href="/items?category=`+itoa(tools.ID)+`">Tools</a></th><td class="num">2</td>`,
			`">Attic</a></th><td class="num">0</td>`, `<th scope="row">None</th><td class="num">2</td>`,
			`<svg viewBox="0 0 600 160" role="img" aria-labelledby="chart-title chart-summary"`,
			`<title>`+today+`: 2 items moved to the Trash</title>`, `<title>`+today+`: 1 item restored</title>`,
			"In the last 30 days (UTC), 2 items of yours moved to the Trash and 1 came back.",
			`<td class="num">2</td><td class="num">1</td>`, `<a href="/overview">Overview</a>`)
		if n := strings.Count(p.body, "<rect "); n != 2 {
			t.Errorf("want two bars (today's), got %d", n)
		}
		if strings.Index(p.body, ">Attic<") > strings.Index(p.body, ">Tools<") {
			t.Error("categories are not in name order")
		}

		bob := e.login("bob")
		p = bob.get("/overview")
		wantPage(t, "Bob's overview", p, http.StatusOK, "<dt>Items</dt><dd>1</dd>", "<dt>On loan</dt><dd>0 items</dd>",
			"In the last 30 days (UTC), nothing of yours moved to the Trash or came back from it.")
		wantLacks(t, "Bob's overview", p, "Tools", "<rect ")
		wantSeeOther(t, "anonymous", e.browser().get("/overview"), "/login")
	})
}
