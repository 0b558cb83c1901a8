package service_test

// Benchmarks of photos (docs/performance.md, section "Photos"):
//
//	go test -run '^$' -bench 'AddPhoto$' -benchtime 5x ./service/
//	go test -run '^$' -bench 'PurgeWithPhotos' -benchtime 1x -timeout 20m ./service/

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shelf"
	"shelf/filestore"
	"shelf/imaging"
	"shelf/internal/testimage"
	"shelf/purge"
	"shelf/service"
)

// photoBenchEnv is a benchEnv whose service keeps photo files in a
// temporary directory, with one member and an item per ten photos.
type photoBenchEnv struct {
	*benchEnv
	files  *filestore.Dir
	member shelf.Actor
	items  []int64
}

func newPhotoBenchEnv(b *testing.B, engine string) *photoBenchEnv {
	b.Helper()
	e := newBenchEnv(b, engine)
	files, err := filestore.Open(filepath.Join(b.TempDir(), "shelf-files"))
	if err != nil {
		b.Fatal(err)
	}
	e.svc = service.New(e.db, service.WithFiles(files))
	u, err := e.svc.AddUser(e.ctx, service.NewUser{Email: "member@example.com", Name: "Member", Password: "benchmark password"})
	if err != nil {
		b.Fatal(err)
	}
	return &photoBenchEnv{benchEnv: e, files: files, member: shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "bench"}}
}

// itemFor returns the item that the n-th photo goes to (ten to an item).
func (e *photoBenchEnv) itemFor(b *testing.B, n int) int64 {
	for len(e.items) <= n/shelf.MaxPhotosPerItem {
		it, err := e.svc.CreateItem(e.ctx, e.member, shelf.ItemInput{Name: fmt.Sprintf("thing %d", len(e.items)), Quantity: 1})
		if err != nil {
			b.Fatal(err)
		}
		e.items = append(e.items, it.ID)
	}
	return e.items[n/shelf.MaxPhotosPerItem]
}

func (e *photoBenchEnv) add(b *testing.B, n int, img []byte) shelf.Photo {
	p, err := e.svc.AddPhoto(e.ctx, e.member, e.itemFor(b, n), func() (io.Reader, error) { return bytes.NewReader(img), nil })
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkAddPhoto uploads a 4,000 × 3,000 JPEG of about 4 MB, a new one
// each time, through the service (check, decode, re-encode, thumbnail,
// durable write of both files, the row). Beside it, in the same run: the
// decode alone (the least any upload must do) and imaging.Process alone
// (decode, re-encode and thumbnail, no storage).
func BenchmarkAddPhoto(b *testing.B) {
	const w, h = 4000, 3000
	b.Run("decode-only", func(b *testing.B) {
		img := testimage.Noisy(w, h, 1)
		b.SetBytes(int64(len(img)))
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("process", func(b *testing.B) {
		img := testimage.Noisy(w, h, 1)
		b.SetBytes(int64(len(img)))
		for b.Loop() {
			if _, err := imaging.Process(img, shelf.MaxPhotoPixels, shelf.ThumbSize); err != nil {
				b.Fatal(err)
			}
		}
	})
	forEngines(b, func(b *testing.B, engine string) {
		e := newPhotoBenchEnv(b, engine)
		imgs := make([][]byte, b.N)
		for i := range imgs {
			imgs[i] = testimage.Noisy(w, h, uint64(i+1))
		}
		b.SetBytes(int64(len(imgs[0])))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.add(b, i, imgs[i])
		}
		b.StopTimer()
		if n := e.count(b, `SELECT count(*) FROM photos`); n != b.N {
			b.Fatalf("%d photo rows, want %d", n, b.N)
		}
	})
}

// BenchmarkPurgeWithPhotos purges 1,000 items with 3 photos each (3,000
// files) as the retention purge does (purge.Job: batches of 10, yielding
// while reads are in flight), with the
// removal worker running as shelf serve runs it (woken by each batch's
// commit, working while the purge goes on), while four readers list another
// user's first page of items, 200 times a second in all. It reports the
// purge's time beside the same purge without photos, how long after the
// purge's last commit the last file was gone, and the readers' p99 during
// the purge and removal against their p99 for three seconds just before,
// all in the same run.
func BenchmarkPurgeWithPhotos(b *testing.B) {
	forEngines(b, func(b *testing.B, engine string) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			// The baseline: the same purge of 1,000 items without photos.
			plain := newPhotoBenchEnv(b, engine)
			for k := range 1000 {
				if _, err := plain.svc.CreateItem(plain.ctx, plain.member, shelf.ItemInput{Name: fmt.Sprintf("boxed %d", k), Quantity: 1}); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := plain.db.SQL().Exec(`UPDATE items SET deleted_at = '2020-01-01T00:00:00.000000Z', deleted_cohort = 'bench'`); err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			if n, err := plain.svc.PurgeTrashedBefore(plain.ctx, shelf.System("bench"), time.Now(), service.DefaultPurgeBatch, nil); err != nil || n != 1000 {
				b.Fatalf("baseline purge: %d (%v)", n, err)
			}
			b.ReportMetric(time.Since(t0).Seconds(), "purge-no-photos-s")

			e := newPhotoBenchEnv(b, engine)
			for k := range 1000 {
				it, err := e.svc.CreateItem(e.ctx, e.member, shelf.ItemInput{Name: fmt.Sprintf("boxed %d", k), Quantity: 1})
				if err != nil {
					b.Fatal(err)
				}
				e.items = append(e.items, it.ID)
				for j := range 3 {
					// 60 widths × 50 heights: 3,000 different small photos
					n := 3*k + j
					img := testimage.JPEG(64+n%60, 48+n/60)
					if _, err := e.svc.AddPhoto(e.ctx, e.member, it.ID, func() (io.Reader, error) { return bytes.NewReader(img), nil }); err != nil {
						b.Fatal(err)
					}
				}
			}
			if _, err := e.db.SQL().Exec(`UPDATE items SET deleted_at = '2020-01-01T00:00:00.000000Z', deleted_cohort = 'bench'`); err != nil {
				b.Fatal(err)
			}
			e.seedItems(b, "live", 200, false)
			stopBase := make(chan struct{})
			base := readLoad(e.benchEnv, stopBase, new(atomic.Int64))
			time.Sleep(3 * time.Second)
			close(stopBase)
			baseline := base()

			stop := make(chan struct{})
			var busy atomic.Int64
			during := readLoad(e.benchEnv, stop, &busy)
			// The removal worker, as shelf serve runs it: woken by each
			// purge batch's commit, it works while the purge goes on.
			var removed atomic.Int64
			workerDone := make(chan struct{})
			go func() {
				defer close(workerDone)
				for {
					select {
					case <-stop:
						return
					case <-e.svc.FileRemovalsQueued():
					case <-time.After(100 * time.Millisecond):
					}
					r, _, _, err := e.svc.DrainFileRemovals(e.ctx)
					if err != nil {
						panic(err)
					}
					removed.Add(int64(r))
				}
			}()
			b.StartTimer()
			start := time.Now()
			// note: the retention purge as shelf serve runs it, yielding
			// between its batches while reads are in flight.
			job := &purge.Job{Service: e.svc, Retention: time.Hour, Busy: func() bool { return busy.Load() > 0 },
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			if n := job.Once(e.ctx); n != len(e.items) {
				b.Fatalf("purged %d items, want %d", n, len(e.items))
			}
			committed := time.Now()
			for removed.Load() < 3000 {
				time.Sleep(5 * time.Millisecond)
			}
			gone := time.Now()
			b.StopTimer()
			close(stop)
			<-workerDone
			lat := during()
			left := 0
			_ = e.files.Walk(func(filestore.Entry) error { left++; return nil })
			if left != 0 {
				b.Fatalf("%d files left after the removal", left)
			}
			b.ReportMetric(committed.Sub(start).Seconds(), "purge-s")
			b.ReportMetric(gone.Sub(committed).Seconds(), "files-gone-after-commit-s")
			b.ReportMetric(p99(baseline).Seconds()*1000, "read-p99-before-ms")
			b.ReportMetric(p99(lat).Seconds()*1000, "read-p99-during-ms")
			b.ReportMetric(float64(p99(lat))/float64(p99(baseline)), "p99-ratio")
		}
	})
}

// readLoad runs four readers of another user's first page of items, paced
// at 200 requests a second in all (as the retention purge's load test is),
// until stop closes; the function it returns waits for them and gives their
// latencies.
func readLoad(e *benchEnv, stop chan struct{}, busy *atomic.Int64) func() []time.Duration {
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var mine []time.Duration
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
					return
				case <-tick.C:
				}
				t0 := time.Now()
				busy.Add(1)
				if _, err := e.svc.Items(context.Background(), e.admin, shelf.ItemFilter{Limit: 50}, false); err != nil {
					panic(err)
				}
				busy.Add(-1)
				mine = append(mine, time.Since(t0))
			}
		})
	}
	return func() []time.Duration { wg.Wait(); return lat }
}

func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)*99/100]
}
