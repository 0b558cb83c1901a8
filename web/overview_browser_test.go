package web

import (
	"context"
	"testing"
)

// browserOverview: the overview's chart is SVG that Chromium lays out, with
// a bar for today's deletion that has a size, named for what it shows, and
// the same numbers in a table behind "Day by day".
func browserOverview(t *testing.T, browser context.Context) {
	e := newAPIEnv(t)
	p := openTab(t, browser, e, true)
	p.login("owner")
	if st := p.open("/overview"); st != 200 {
		t.Fatalf("GET /overview: %d", st)
	}
	if name := p.accessibleName("svg.chart-svg"); name != "Deleted and restored, last 30 days In the last 30 days (UTC), 1 item of yours moved to the Trash and none came back. moved to the Trash restored" {
		t.Errorf("the chart's accessible name is %q", name)
	}
	// the seeded Old charger went to the Trash today
	if w, h := js[float64](p, `document.querySelector('rect.bar-trashed').getBBox().width`), js[float64](p, `document.querySelector('rect.bar-trashed').getBBox().height`); w <= 0 || h <= 0 {
		t.Errorf("today's bar is %v × %v, want a visible bar", w, h)
	}
	if fill := js[string](p, `getComputedStyle(document.querySelector('rect.bar-trashed')).fill`); fill == "" || fill == "none" || fill == "rgb(0, 0, 0)" {
		t.Errorf("the bar's fill is %q, want the stylesheet's colour", fill)
	}
	if w := js[float64](p, `document.querySelector('svg.chart-svg').getBoundingClientRect().width`); w < 300 {
		t.Errorf("the chart is %v px wide, want it to fill the page", w)
	}
	p.click(".chart-table summary")
	wantText(t, "day by day", p.text(".chart-table tbody tr"), "1", "0")
	p.shot("overview.png")
}
