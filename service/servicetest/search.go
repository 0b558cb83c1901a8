package servicetest

import (
	"slices"
	"testing"

	"shelf"
)

// testSearch: a search matches anywhere in a name, ignoring the case of A-Z
// on every engine, always finds a name searched for exactly as written
// (accents included), and treats LIKE's wildcards and escape as text.
func testSearch(t *testing.T, f *Fixture) {
	for _, name := range []string{"École", "Drill", "100% cotton", "snake_case", `back\slash`, "Snakes", "Wow!"} {
		f.Item(f.Alice, name)
	}
	gone := f.Item(f.Alice, "École ancienne")
	f.Trash(f.Alice, gone.ID)
	f.Item(f.Bob, "Bob's École")

	search := func(q string, trash bool) []string {
		t.Helper()
		var page shelf.ItemPage
		var err error
		if trash {
			page, err = f.Svc.Trash(f.Ctx, f.Alice, shelf.ItemFilter{Query: q}, false)
		} else {
			page, err = f.Svc.Items(f.Ctx, f.Alice, shelf.ItemFilter{Query: q}, false)
		}
		WantCode(t, err, "", "search "+q)
		var names []string
		for _, it := range page.Items {
			names = append(names, it.Name)
		}
		slices.Sort(names)
		return names
	}
	for _, c := range []struct {
		q     string
		trash bool
		want  []string
	}{
		{"École", false, []string{"École"}},
		{"ÉCOLE", false, []string{"École"}},
		{"cole", false, []string{"École"}},
		{"dRi", false, []string{"Drill"}},
		{"%", false, []string{"100% cotton"}},
		{"_", false, []string{"snake_case"}},
		{`\`, false, []string{`back\slash`}},
		{"!", false, []string{"Wow!"}},
		{"w!", false, []string{"Wow!"}},
		{"snake", false, []string{"Snakes", "snake_case"}},
		{"École", true, []string{"École ancienne"}},
		{"nothing like it", false, nil},
	} {
		if got := search(c.q, c.trash); !slices.Equal(got, c.want) {
			t.Errorf("search %q (Trash %v): want %q, got %q", c.q, c.trash, c.want, got)
		}
	}
}
