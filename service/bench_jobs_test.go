package service_test

import (
	"fmt"
	"testing"

	"shelf"
	"shelf/service"
)

// BenchmarkStartEmptyTrashJob is what the request that empties a big Trash
// costs now that it is a job: the threshold check and the job row, in the
// same run for a Trash of 1,000 items and one of 100,000 (both past a
// threshold of 100 rows), so that the ratio shows whether the request grows
// with the Trash, and for 100,000 items past the default threshold, whose
// capped count goes that much further. Between iterations the job is marked
// failed (outside the timer), which gives its items back.
//
//	go test -run '^$' -bench StartEmptyTrashJob -benchtime 50x ./service/
func BenchmarkStartEmptyTrashJob(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		for _, c := range []struct{ n, threshold int }{{1_000, 100}, {100_000, 100}, {100_000, shelf.DefaultJobThreshold}} {
			n := c.n
			b.Run(fmt.Sprintf("items=%d/threshold=%d", n, c.threshold), func(b *testing.B) {
				e := newBenchEnv(b, engine)
				e.seedItems(b, "old", n, false)
				if _, err := e.db.SQL().ExecContext(e.ctx, e.q(`UPDATE items SET deleted_at = ?, deleted_by = ?, deleted_cohort = 'bench'`),
					benchTime, e.admin.UserID); err != nil {
					b.Fatal(err)
				}
				e.checkpoint(b)
				if engine == "postgres" {
					// note: as autovacuum would soon after a bulk load; with the
					// statistics of an empty table, PostgreSQL plans a capped
					// count as a bitmap scan of the whole range, which no LIMIT
					// stops.
					if _, err := e.db.SQL().ExecContext(e.ctx, `ANALYZE items`); err != nil {
						b.Fatal(err)
					}
				}
				svc := service.New(e.db, service.WithJobThreshold(c.threshold))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					res, err := svc.EmptyTrash(e.ctx, e.admin, 0, shelf.Confirmation{})
					if err != nil || res.Job == nil {
						b.Fatalf("empty the Trash: want a job, got %+v, %v", res, err)
					}
					b.StopTimer()
					if _, err := e.db.SQL().ExecContext(e.ctx, `UPDATE jobs SET state = 'failed'`); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				b.StopTimer()
				if got := e.count(b, `SELECT count(*) FROM items WHERE deleted_at IS NOT NULL`); got != n {
					b.Fatalf("%d items in the Trash, want all %d (starting a job deletes nothing)", got, n)
				}
			})
		}
	})
}
