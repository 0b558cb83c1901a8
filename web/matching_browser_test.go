package web

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// browserDeleteMatching: with the script, "Select all on this page" ticks
// the page's rows and then offers, as Gmail does, every item the list
// matches, whose confirmation asks for the count past 50; without it the
// checkbox stays hidden and the offer is a plain link to the same
// confirmation. Either way the items go as one cohort, and what a loan
// kept is named.
func browserDeleteMatching(scripts bool) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browser context.Context) {
		e := newAPIEnv(t)
		for i := range 55 {
			e.newItem("owner", fmt.Sprintf("Box %02d", i))
		}
		p := openTab(t, browser, e, scripts)
		p.login("owner")
		offer := `document.querySelector('[data-select-matching]')`
		want, path := 57, "/items" // the boxes, the Drill and the lent Ladder
		if !scripts {
			want, path = 55, "/items?q=box"
			if st := p.open(path); st != 200 {
				t.Fatalf("GET %s: %d", path, st)
			}
			if js[bool](p, `document.querySelector('.select-page').checkVisibility()`) {
				t.Error("without the script, the page shows a checkbox that cannot work")
			}
			wantText(t, "the offer", p.text("[data-select-matching]"), "Select all 55 items matching this search…")
		} else {
			if !js[bool](p, offer+`.hidden`) {
				t.Error("with the script, the offer shows before the page is selected")
			}
			p.click(".select-page")
			if n := js[int](p, `document.querySelectorAll('input[name="ids"]:checked').length`); n != 50 {
				t.Fatalf("Select all on this page ticked %d rows, want the page's 50", n)
			}
			p.waitVisible("[data-select-matching]")
			wantText(t, "the offer", p.text("[data-select-matching]"), "All 50 items on this page are selected.", "Select all 57 items…")
			p.click(`input[name="ids"]`)
			if !js[bool](p, `document.querySelector('.select-page').indeterminate`) || !js[bool](p, offer+`.hidden`) {
				t.Error("unticking a row leaves the page selected and the offer shown")
			}
			p.click(".select-page")
			p.waitVisible("[data-select-matching]")
		}
		if st, _ := p.follow("[data-select-matching] a"); st != 200 {
			t.Fatalf("the offer's confirmation: %d", st)
		}
		wantText(t, "confirmation", p.text("main"), fmt.Sprintf("Delete %d items?", want), fmt.Sprintf("Type %d to confirm.", want))
		p.do("type the count", chromedp.SendKeys("#confirm_count", fmt.Sprint(want)))
		if st, _ := p.follow(".confirm-form button.danger"); st != 200 || p.path() != path {
			t.Fatalf("confirm: %d at %s, want the list at %s", st, p.path(), path)
		}
		trashed := e.count(`SELECT count(*) FROM items WHERE owner_id = ? AND deleted_at IS NOT NULL AND deleted_cohort IS NOT NULL AND id <> ?`,
			e.users["owner"].ID, e.ids["trashed"])
		cohorts := e.count(`SELECT count(DISTINCT deleted_cohort) FROM items WHERE owner_id = ? AND id <> ? AND deleted_at IS NOT NULL`,
			e.users["owner"].ID, e.ids["trashed"])
		if scripts {
			if trashed != 56 || cohorts != 1 || e.isTrashed("lent") {
				t.Fatalf("want the 56 not on loan in the Trash as one cohort, got %d in %d", trashed, cohorts)
			}
			wantText(t, "the result", p.text("[data-flash]"), "Partly done:", "Moved 56 items to the Trash.", "Not moved: “Ladder” (lent to Bob).")
		} else {
			if trashed != 55 || cohorts != 1 || e.isTrashed("item") {
				t.Fatalf("want the 55 boxes in the Trash as one cohort, got %d in %d", trashed, cohorts)
			}
			wantText(t, "the result", p.text("[data-flash]"), "Done:", "Moved 55 items to the Trash.")
		}
	}
}
