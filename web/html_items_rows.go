package web

import (
	"html/template"
	"strconv"
	"sync"
)

// The rows of the items list are written by appendItemRow instead of
// html/template. The list is Shelf's busiest page, and html/template spends
// most of its time on it calling each action's escaper through reflection
// (about 20 actions a row, 50 rows a page): in a CPU profile the rows were
// most of the page's time (docs/performance.md). appendItemRow writes the same bytes with the same escaping
// and no reflection. The reference it is held to, byte for byte and under
// fuzzing, is the row template in html_items_rows_test.go; a change to the
// markup is made in both.

// listRow is what one line of the items list shows.
type listRow struct {
	ID       int64
	Name     string
	Category string // "" when uncategorised
	Quantity int64
	Owner    string // shown when an admin lists everyone's
	Version  int64
	OnLoan   bool // a copy is out: its delete will be refused
	Overdue  bool // a copy is out past its due day
}

// itemRowsHTML renders the rows of the items list; withOwner adds the owner
// column of an admin's list of everyone's items.
func itemRowsHTML(rows []listRow, withOwner bool) template.HTML {
	bp := rowBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	for i := range rows {
		b = appendItemRow(b, &rows[i], withOwner)
	}
	html := template.HTML(b)
	if cap(b) <= maxPooledBuffer {
		*bp = b
		rowBuffers.Put(bp)
	}
	return html
}

// rowBuffers keeps itemRowsHTML's scratch space between requests, as
// pageBuffers does render's.
var rowBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendItemRow appends one row of the items list to b.
func appendItemRow(b []byte, r *listRow, withOwner bool) []byte {
	id := strconv.AppendInt(make([]byte, 0, 20), r.ID, 10)
	b = append(b, "\n    <tr id=\"item-"...)
	b = append(b, id...)
	b = append(b, "\" data-item-id=\""...)
	b = append(b, id...)
	b = append(b, "\">\n      <td><input type=\"checkbox\" form=\"bulk\" name=\"ids\" value=\""...)
	b = append(b, id...)
	b = append(b, "\" id=\"select-"...)
	b = append(b, id...)
	b = append(b, "\" aria-label=\"Select "...)
	b = appendEscaped(b, r.Name)
	b = append(b, "\"></td>\n      <td><a href=\"/items/"...)
	b = append(b, id...)
	b = append(b, "\">"...)
	b = appendEscaped(b, r.Name)
	b = append(b, "</a>"...)
	if r.Overdue {
		b = append(b, " <strong class=\"badge badge-overdue\">Overdue</strong>"...)
	} else if r.OnLoan {
		b = append(b, " <span class=\"badge badge-active\">On loan</span>"...)
	}
	b = append(b, "</td>\n      <td>"...)
	if r.Category != "" {
		b = appendEscaped(b, r.Category)
	} else {
		b = append(b, "<span class=\"muted\">None</span>"...)
	}
	b = append(b, "</td>\n      <td class=\"num\">"...)
	b = strconv.AppendInt(b, r.Quantity, 10)
	b = append(b, "</td>\n      "...)
	if withOwner {
		b = append(b, "<td>"...)
		b = appendEscaped(b, r.Owner)
		b = append(b, "</td>"...)
	}
	b = append(b, "\n      <td class=\"actions\">\n        <form method=\"get\" action=\"/items/"...)
	b = append(b, id...)
	b = append(b, "/delete\" class=\"delete-form\"\n              data-confirm-impact=\"/api/v1/items/"...)
	b = append(b, id...)
	b = append(b, "/impact\" data-delete-url=\"/api/v1/items/"...)
	b = append(b, id...)
	b = append(b, "\"\n              data-kind=\"item\" data-item-id=\""...)
	b = append(b, id...)
	b = append(b, "\" data-item-name=\""...)
	b = appendEscaped(b, r.Name)
	b = append(b, "\" data-name=\""...)
	b = appendEscaped(b, r.Name)
	b = append(b, "\"\n              data-version=\""...)
	b = strconv.AppendInt(b, r.Version, 10)
	b = append(b, "\" data-row=\"item-"...)
	b = append(b, id...)
	b = append(b, "\">\n          <button type=\"submit\" class=\"danger delete-button\">Delete<span class=\"visually-hidden\"> "...)
	b = appendEscaped(b, r.Name)
	b = append(b, "</span></button>\n        </form>\n      </td>\n    </tr>\n  "...)
	return b
}

// appendEscaped appends s escaped as html/template escapes text in element
// content and in quoted attribute values: the five characters that can end
// or begin markup, '+' (UTF-7), and NUL, which becomes U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, repl...)
		start = i + 1
	}
	return append(b, s[start:]...)
}
