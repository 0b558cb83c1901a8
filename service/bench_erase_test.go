package service_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"shelf"
	"shelf/internal/procmem"
	"shelf/service"
)

// BenchmarkErase100kNotes erases, per iteration, a member who owns an item
// with 100,000 notes and a trashed item (so the audit log holds sealed
// events of theirs), while four readers list the admin's first page of
// items, 200 times a second in all. The baseline, in the same run and on
// the same database, is PurgeItem of a trashed item with as many notes: the
// existing delete of the same rows in one transaction. It reports, for
// both, the time, the Go heap allocated (heapB), the highest the live Go
// heap rose above where it was before (peakHeap-B, sampled every
// millisecond) and, on Linux, the highest the process's resident memory
// rose (peakRSS-B, which counts SQLite's own memory too); and the readers'
// p99 during the erasure against their p99 for two seconds just before.
// Past the job threshold the erasure is a job, which it runs to its end in
// the runner's batches.
func BenchmarkErase100kNotes(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		e := newBenchEnv(b, engine)
		e.seedItems(b, "live", 200, false)
		// note: the baseline purge runs in the request, as it did before
		// big deletions became jobs; the erasure always does.
		inline := service.New(e.db, service.WithJobThreshold(1<<30))
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			id := e.seedTrashedItemWithNotes(b, fmt.Sprintf("purge %d", i), purgeNotes)
			purge := measureMemory(func() {
				if res, err := inline.PurgeItem(e.ctx, e.admin, id, shelf.Confirmation{Reason: "benchmark"}); err != nil || res.Job != nil {
					b.Fatalf("purge: %+v, %v", res, err)
				}
			})

			email := fmt.Sprintf("erasee%d@example.com", i)
			u, err := e.svc.AddUser(e.ctx, service.NewUser{Email: email, Name: "Erasee", Password: "benchmark password"})
			if err != nil {
				b.Fatal(err)
			}
			member := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "bench", RemoteAddr: "192.0.2.7"}
			gone, err := e.svc.CreateItem(e.ctx, member, shelf.ItemInput{Name: "Old things", Quantity: 1})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.svc.TrashItem(e.ctx, member, gone.ID, 0); err != nil {
				b.Fatal(err)
			}
			var item int64
			if err := e.db.SQL().QueryRowContext(e.ctx, e.q(`INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at)
				VALUES (?, 'Letters', 'seeded for a benchmark', 1, 1, ?, ?) RETURNING id`), u.ID, benchTime, benchTime).Scan(&item); err != nil {
				b.Fatal(err)
			}
			if _, err := e.db.SQL().ExecContext(e.ctx, e.q(`
				WITH `+e.seriesSQL()+`
				INSERT INTO notes (item_id, author_id, body, created_at)
				SELECT ?, ?, 'Note ' || CAST(n AS TEXT) || ': checked, cleaned and put back on the shelf.', ? FROM seq`),
				purgeNotes, item, u.ID, benchTime); err != nil {
				b.Fatal(err)
			}
			e.checkpoint(b)

			stopBase := make(chan struct{})
			base := readLoad(e, stopBase, new(atomic.Int64))
			time.Sleep(2 * time.Second)
			close(stopBase)
			baseline := base()

			stop := make(chan struct{})
			during := readLoad(e, stop, new(atomic.Int64))
			var erase memoryUse
			b.StartTimer()
			erase = measureMemory(func() {
				res, err := e.svc.EraseUser(e.ctx, e.admin, u.ID, email)
				if err != nil {
					b.Fatal(err)
				}
				// note: past the job threshold (as 100,000 notes are) the
				// erasure is a job; it is run here to its end, in the
				// runner's batches, so the figure is the whole erasure.
				if res.Job != nil {
					if _, err := e.svc.RunJob(e.ctx, shelf.System("bench"), res.Job.ID, service.JobBatch, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.StopTimer()
			close(stop)
			lat := during()
			if n := e.count(b, `SELECT count(*) FROM notes WHERE item_id = ?`, item) + e.count(b, `SELECT count(*) FROM users WHERE id = ?`, u.ID); n != 0 {
				b.Fatalf("%d rows of the erased member left", n)
			}
			b.ReportMetric(erase.took.Seconds(), "erase-s")
			b.ReportMetric(purge.took.Seconds(), "purge-s")
			b.ReportMetric(float64(erase.heap), "erase-heapB")
			b.ReportMetric(float64(purge.heap), "purge-heapB")
			b.ReportMetric(float64(erase.peakHeap), "erase-peakHeap-B")
			b.ReportMetric(float64(purge.peakHeap), "purge-peakHeap-B")
			if erase.peakRSS >= 0 {
				b.ReportMetric(float64(erase.peakRSS), "erase-peakRSS-B")
				b.ReportMetric(float64(purge.peakRSS), "purge-peakRSS-B")
			}
			b.ReportMetric(p99(baseline).Seconds()*1000, "read-p99-before-ms")
			b.ReportMetric(p99(lat).Seconds()*1000, "read-p99-during-ms")
			b.ReportMetric(float64(p99(lat))/float64(p99(baseline)), "p99-ratio")
		}
	})
}

// memoryUse is what one call cost: its time, the Go heap it allocated, how
// far the live heap rose above where it stood before, and how far the
// process's resident memory rose (-1 where that cannot be read).
type memoryUse struct {
	took     time.Duration
	heap     uint64
	peakHeap uint64
	peakRSS  int64
}

// measureMemory runs fn and measures it (see memoryUse).
func measureMemory(fn func()) memoryUse {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	rss0, rssOK := resetPeakRSS()
	before := totalAlloc()
	start := time.Now()
	fn()
	u := memoryUse{took: time.Since(start), heap: totalAlloc() - before, peakRSS: -1}
	close(done)
	<-sampled
	u.peakHeap = peak.Load()
	if hwm, ok := procmem.Status(procmem.Self, "VmHWM:"); ok && rssOK {
		u.peakRSS = hwm - rss0
	}
	return u
}
