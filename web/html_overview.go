package web

import (
	"net/http"
	"strconv"

	"shelf"
)

// The overview page: what a person owns at a glance, with a chart of the
// last 30 days' deletions and restores that Shelf draws itself, as inline
// SVG made here (no script, so the Content-Security-Policy stays as it is),
// beside a table that says the same in words.

// Chart geometry, in the SVG's own units; CSS scales it to the page.
const (
	chartWidth  = 600
	chartHeight = 160
	chartTop    = 16  // room for the top tick's label
	chartBottom = 136 // the baseline; below it the day labels
	chartLeft   = 36  // room for the scale's labels
	barWidth    = 7
)

// overviewView is the data of the overview page.
type overviewView struct {
	shelf.Overview
	Trashed, Restored int // over the whole chart
	Chart             chartView
	Days              []dayRow // newest first, for the table
}

// dayRow is one line of the day-by-day table.
type dayRow struct {
	Day      string
	Trashed  int
	Restored int
}

// chartView is the SVG chart: two bars a day, a scale and a few day labels.
type chartView struct {
	Width, Height int
	Left, Right   int
	Top, Bottom   int
	Max           int // the top of the scale
	Bars          []chartBar
	Labels        []chartLabel
}

type chartBar struct {
	X, Y, W, H int
	Class      string // bar-trashed or bar-restored
	Title      string // what a pointer over it says
}

type chartLabel struct {
	X    int
	Text string
}

// overviewPage shows the overview of what the user owns.
func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	o, err := s.svc.Overview(r.Context(), actor(r))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := overviewView{Overview: o, Chart: drawChart(o.Days)}
	for i := len(o.Days) - 1; i >= 0; i-- {
		d := o.Days[i]
		v.Trashed += d.Trashed
		v.Restored += d.Restored
		v.Days = append(v.Days, dayRow{Day: d.Day.Format("Mon 2 Jan"), Trashed: d.Trashed, Restored: d.Restored})
	}
	s.render(w, r, http.StatusOK, "overview", "Overview", v)
}

// drawChart lays out two bars a day, moved to the Trash and restored, on a
// scale whose top is the busiest day's count (at least 1).
func drawChart(days []shelf.DayCount) chartView {
	c := chartView{Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartWidth - 4, Top: chartTop, Bottom: chartBottom, Max: 1}
	for _, d := range days {
		c.Max = max(c.Max, d.Trashed, d.Restored)
	}
	if len(days) == 0 {
		return c
	}
	slot := (c.Right - c.Left) / len(days)
	height := func(n int) int { return n * (c.Bottom - c.Top) / c.Max }
	for i, d := range days {
		x := c.Left + i*slot + (slot-2*barWidth)/2
		day := d.Day.Format("2 Jan")
		for k, bar := range []struct {
			n     int
			class string
			what  string
		}{{d.Trashed, "bar-trashed", " moved to the Trash"}, {d.Restored, "bar-restored", " restored"}} {
			if bar.n == 0 {
				continue
			}
			h := max(height(bar.n), 1)
			c.Bars = append(c.Bars, chartBar{X: x + k*barWidth, Y: c.Bottom - h, W: barWidth, H: h, Class: bar.class,
				Title: day + ": " + countPhrase(bar.n, "item", "items") + bar.what})
		}
		// note: a label every week, the last one today's, so that they
		// never run into each other.
		if (len(days)-1-i)%7 == 0 {
			c.Labels = append(c.Labels, chartLabel{X: c.Left + i*slot + slot/2, Text: day})
		}
	}
	return c
}

// Half is the middle of the scale, for its middle label; "" when it would
// not be a whole number.
func (c chartView) Half() string {
	if c.Max%2 != 0 {
		return ""
	}
	return strconv.Itoa(c.Max / 2)
}

// Mid is where the scale's middle line is drawn.
func (c chartView) Mid() int { return (c.Top + c.Bottom) / 2 }
