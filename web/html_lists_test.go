package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shelf"
)

// The page links of a list (the next page's and the first's), and the names
// of the items this test pages through.
var (
	nextLinkRe  = regexp.MustCompile(`<a href="([^"]*)" rel="next">Next page</a>`)
	firstLinkRe = regexp.MustCompile(`<a href="([^"]*)">First page</a>`)
	sawRe       = regexp.MustCompile(`Saw \d`) // the matching items' names, in page order
)

// pageLinks returns the page's Next and First links, unescaped, "" where
// there is none.
func pageLinks(p htmlPage) (next, first string) {
	if m := nextLinkRe.FindStringSubmatch(p.body); m != nil {
		next = html.UnescapeString(m[1])
	}
	if m := firstLinkRe.FindStringSubmatch(p.body); m != nil {
		first = html.UnescapeString(m[1])
	}
	return next, first
}

// TestHTMLListPaging walks the items list and the Trash a page at a time by
// their links: each page keeps the search, category, page size and (for an
// admin) everyone's scope, the pages together hold each matching item once,
// and only later pages link back to the first.
func TestHTMLListPaging(t *testing.T) {
	htmlOnEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		ann := e.actor("ann")
		tools, err := e.svc.CreateCategory(ctx, ann, "Tools")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			name := fmt.Sprintf("Saw %d", i)
			if _, err := e.svc.CreateItem(ctx, ann, shelf.ItemInput{Name: name, Quantity: 1, CategoryID: &tools.ID}); err != nil {
				t.Fatal(err)
			}
		}
		// Not matched by the search, or not in the category: never listed.
		e.newItem("ann", "Hammer")
		if _, err := e.svc.CreateItem(ctx, ann, shelf.ItemInput{Name: "Saw uncategorised", Quantity: 1}); err != nil {
			t.Fatal(err)
		}

		walk := func(b *htmlBrowser, start string, keep url.Values) []string {
			t.Helper()
			var seen []string
			link := start
			for page := 0; link != ""; page++ {
				if page > 5 {
					t.Fatalf("%s: more pages than items", start)
				}
				p := b.get(link)
				wantPage(t, link, p, http.StatusOK)
				onPage := map[string]bool{} // a row names its item several times
				for _, m := range sawRe.FindAllString(p.body, -1) {
					if !onPage[m] {
						onPage[m] = true
						seen = append(seen, m)
					}
				}
				if strings.Contains(p.body, "Hammer") || strings.Contains(p.body, "Saw uncategorised") {
					t.Errorf("%s: lists an item outside the search or category", link)
				}
				next, first := pageLinks(p)
				if page == 0 && first != "" {
					t.Errorf("%s: the first page links to the first page", link)
				}
				if page > 0 {
					u, err := url.Parse(first)
					if err != nil || u.Query().Get("after") != "" {
						t.Errorf("%s: First page link %q: want one without a cursor", link, first)
					}
				}
				if next != "" {
					u, err := url.Parse(next)
					if err != nil || u.Query().Get("after") == "" {
						t.Fatalf("%s: Next page link %q: want a cursor", link, next)
					}
					for k := range keep {
						if got := u.Query().Get(k); got != keep.Get(k) {
							t.Errorf("%s: Next page link %q: want %s=%q kept, got %q", link, next, k, keep.Get(k), got)
						}
					}
				}
				link = next
			}
			return seen
		}
		check := func(what string, seen []string, want []string) {
			t.Helper()
			if fmt.Sprint(seen) != fmt.Sprint(want) {
				t.Errorf("%s: want %v across the pages, each once and newest first, got %v", what, want, seen)
			}
		}
		newestFirst := []string{"Saw 4", "Saw 3", "Saw 2", "Saw 1", "Saw 0"}

		keep := url.Values{"q": {"Saw"}, "category": {fmt.Sprint(tools.ID)}, "limit": {"2"}}
		check("items", walk(e.login("ann"), "/items?"+keep.Encode(), keep), newestFirst)

		// The Trash, as an admin listing everyone's: the scope is kept too.
		for _, it := range mustItems(t, e, ann) {
			if _, err := e.svc.TrashItem(ctx, ann, it.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		keep = url.Values{"q": {"Saw"}, "category": {fmt.Sprint(tools.ID)}, "limit": {"2"}, "all": {"1"}}
		admin := e.login("admin")
		check("everyone's Trash", walk(admin, "/trash?"+keep.Encode(), keep), newestFirst)
		wantPage(t, "a search of the Trash that finds nothing", admin.get("/trash?q=nothing+like+it"), http.StatusOK,
			"Nothing in the Trash matches this search.")
	})
}

// mustItems lists all of a's live items, oldest first.
func mustItems(t *testing.T, e *apiEnv, a shelf.Actor) []shelf.Item {
	t.Helper()
	page, err := e.svc.Items(context.Background(), a, shelf.ItemFilter{Limit: shelf.MaxPageSize}, false)
	if err != nil {
		t.Fatal(err)
	}
	items := page.Items
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	return items
}
