package web

import (
	"html/template"
	"time"
)

// Dates on Shelf's pages have one format. An instant (when something was
// added, deleted, lent, used) is written by when: in UTC, saying so, with the
// RFC 3339 value in datetime and the UTC text in title, so that when.js can
// put the text into the viewer's own time zone and leave UTC on hover. A
// calendar day (a loan's due day, chosen in a date field) is written by day
// and never moved between zones: the 11th is due on the 11th wherever the
// reader is.

// whenText is the UTC text of an instant, as the page says it without the
// script and as the title keeps it with the script.
func whenText(t time.Time) string {
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// when renders an instant as a <time> element that when.js localises.
func when(t time.Time) template.HTML {
	u := t.UTC()
	// note: both values are made of digits, letters, spaces, commas, colons
	// and dashes only, so they need no escaping.
	return template.HTML(`<time datetime="` + u.Format(time.RFC3339) + `" title="` + whenText(u) + `" data-when>` + whenText(u) + `</time>`)
}

// day renders a calendar day as a <time> element the script leaves alone.
func day(t time.Time) template.HTML {
	u := t.UTC()
	return template.HTML(`<time datetime="` + u.Format(time.DateOnly) + `">` + u.Format("2 Jan 2006") + `</time>`)
}
