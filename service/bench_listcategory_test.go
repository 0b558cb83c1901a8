package service_test

import (
	"fmt"
	"testing"

	"shelf"
)

// BenchmarkListPageByCategory reads the first page of a user's live items in
// one category, among 1,000 or 1,000,000 live items: "rare" is a category of
// 100 items spread through the list, "half" one that every other item is in.
// shelf is Items with the category filter; raw_sql the same SELECT. The
// page costs the same at every size and for either category: the category
// index holds each category's items in id order, so the newest live ones are
// read first (an index of live items only measured no faster).
func BenchmarkListPageByCategory(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		parent := b
		for _, size := range listSizes[:2] {
			var e *benchEnv
			cats := map[string]int64{}
			setup := func(b *testing.B) *benchEnv {
				if e != nil {
					return e
				}
				e = newBenchEnv(parent, engine)
				e.seedItems(b, "item", size.n, false)
				for _, c := range []struct {
					name       string
					every, rem int
				}{{"rare", size.n / 100, 0}, {"half", 2, 1}} {
					cat, err := e.svc.CreateCategory(e.ctx, e.admin, c.name)
					if err != nil {
						b.Fatal(err)
					}
					cats[c.name] = cat.ID
					// note: in transactions of 10,000 rows; readers open across
					// one huge update stay slow (BenchmarkReadersAfterLargeWrite).
					var n int64
					for lo := 0; lo < size.n; lo += 10_000 {
						res, err := e.db.SQL().ExecContext(e.ctx, e.q(`UPDATE items SET category_id = ? WHERE id % ? = ? AND id > ? AND id <= ?`),
							cat.ID, c.every, c.rem, lo, lo+10_000)
						if err != nil {
							b.Fatal(err)
						}
						k, _ := res.RowsAffected()
						n += k
					}
					if n < int64(shelf.DefaultPageSize+1) {
						b.Fatalf("category %s: %d items, want more than a page", c.name, n)
					}
				}
				e.checkpoint(b)
				if engine == "postgres" {
					if _, err := e.db.SQL().ExecContext(e.ctx, `ANALYZE items`); err != nil {
						b.Fatal(err)
					}
				}
				return e
			}
			for _, cat := range []string{"rare", "half"} {
				b.Run(fmt.Sprintf("%s/%s", size.name, cat), func(b *testing.B) {
					b.Run("shelf", func(b *testing.B) {
						e := setup(b)
						id := cats[cat]
						b.ReportAllocs()
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							page, err := e.svc.Items(e.ctx, e.admin, shelf.ItemFilter{CategoryID: &id}, false)
							if err != nil {
								b.Fatal(err)
							}
							if len(page.Items) != shelf.DefaultPageSize || page.Next == "" {
								b.Fatalf("got %d items (next %q), want a full page and a next one", len(page.Items), page.Next)
							}
						}
					})
					b.Run("raw_sql", func(b *testing.B) {
						e := setup(b)
						query := e.q(`SELECT id, owner_id, category_id, name, description, quantity, version,
							created_at, updated_at FROM items
							WHERE owner_id = ? AND category_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`)
						b.ReportAllocs()
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							if n := e.rawPage(b, query, e.admin.UserID, cats[cat], shelf.DefaultPageSize+1); n != shelf.DefaultPageSize+1 {
								b.Fatalf("got %d rows, want %d", n, shelf.DefaultPageSize+1)
							}
						}
					})
				})
			}
		}
	})
}
