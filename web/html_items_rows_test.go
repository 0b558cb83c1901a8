package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// rowReference is the items list's row as an html/template, the markup
// appendItemRow must write byte for byte. It is what the page's template held
// before the rows were written in Go, and stays the readable form of them.
var rowReference = template.Must(template.New("rows").Parse(`{{range .Rows}}
    <tr id="item-{{.ID}}" data-item-id="{{.ID}}">
      <td><input type="checkbox" form="bulk" name="ids" value="{{.ID}}" id="select-{{.ID}}" aria-label="Select {{.Name}}"></td>
      <td><a href="/items/{{.ID}}">{{.Name}}</a>{{if .Overdue}} <strong class="badge badge-overdue">Overdue</strong>{{else if .OnLoan}} <span class="badge badge-active">On loan</span>{{end}}</td>
      <td>{{if .Category}}{{.Category}}{{else}}<span class="muted">None</span>{{end}}</td>
      <td class="num">{{.Quantity}}</td>
      {{if $.All}}<td>{{.Owner}}</td>{{end}}
      <td class="actions">
        <form method="get" action="/items/{{.ID}}/delete" class="delete-form"
              data-confirm-impact="/api/v1/items/{{.ID}}/impact" data-delete-url="/api/v1/items/{{.ID}}"
              data-kind="item" data-item-id="{{.ID}}" data-item-name="{{.Name}}" data-name="{{.Name}}"
              data-version="{{.Version}}" data-row="item-{{.ID}}">
          <button type="submit" class="danger delete-button">Delete<span class="visually-hidden"> {{.Name}}</span></button>
        </form>
      </td>
    </tr>
  {{end}}`))

func referenceRows(t testing.TB, rows []listRow, all bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := rowReference.Execute(&b, struct {
		Rows []listRow
		All  bool
	}{rows, all}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestItemRowsMatchTemplate(t *testing.T) {
	rows := []listRow{
		{ID: 1, Name: "Lamp", Category: "Lighting", Quantity: 2, Owner: "Ann", Version: 1, OnLoan: true},
		{ID: 42, Name: `<script>alert("x")</script>`, Quantity: -3, Owner: `O'Brien & <Co>`, Version: 7},
		{ID: 9_007_199_254_740_993, Name: "a+b\x00c 'q' \"d\" é ☃ \xff", Category: "<b>&amp;</b>", Quantity: 0, Version: 0},
		{ID: 3, Name: "Tent", Quantity: 1, Version: 2, OnLoan: true, Overdue: true},
	}
	for _, all := range []bool{false, true} {
		got, want := string(itemRowsHTML(rows, all)), referenceRows(t, rows, all)
		if got != want {
			t.Fatalf("all=%v: rows differ from the template\n got: %q\nwant: %q", all, got, want)
		}
	}
	if got := string(itemRowsHTML(nil, false)); got != "" {
		t.Fatalf("no rows rendered as %q", got)
	}
	got := string(itemRowsHTML(rows[1:2], false))
	if strings.Contains(got, "<script>") || !strings.Contains(got, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Fatalf("a name is not escaped: %s", got)
	}
}

// FuzzItemRows holds appendItemRow to the template on any name, category,
// owner and numbers.
func FuzzItemRows(f *testing.F) {
	f.Add(int64(1), "Lamp", "Lighting", int64(2), "Ann", int64(1), false, false, false)
	f.Add(int64(-5), `"><img src=x onerror=alert(1)>`, "", int64(0), "&lt;", int64(9), true, true, false)
	f.Add(int64(7), "\x00+\xfe'", "\u2028", int64(-1), "", int64(0), true, true, true)
	f.Fuzz(func(t *testing.T, id int64, name, category string, qty int64, owner string, version int64, all, onLoan, overdue bool) {
		rows := []listRow{{ID: id, Name: name, Category: category, Quantity: qty, Owner: owner, Version: version, OnLoan: onLoan, Overdue: overdue}}
		if got, want := string(itemRowsHTML(rows, all)), referenceRows(t, rows, all); got != want {
			t.Fatalf("rows differ from the template\n got: %q\nwant: %q", got, want)
		}
	})
}

// BenchmarkItemRows compares the rows of a 50-item page written by
// appendItemRow with the same rows from the reference template, in one run.
func BenchmarkItemRows(b *testing.B) {
	rows := make([]listRow, 50)
	for i := range rows {
		rows[i] = listRow{ID: int64(1_000_000 - i), Name: "Item & thing " + itoa(int64(i)), Category: "Tools", Quantity: int64(i), Version: 3}
	}
	b.Run("template", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = referenceRows(b, rows, false)
		}
	})
	b.Run("go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = itemRowsHTML(rows, false)
		}
	})
}
