package main

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"shelf"
	"shelf/internal/procmem"
	"shelf/internal/testimage"
	"shelf/service"
	"shelf/store"
)

// BenchmarkServeUploadRSS measures the resident memory of a real `shelf
// serve` process while four clients upload 4 MB, 12-megapixel JPEGs at
// once: its peak RSS (VmHWM) after a warm-up of list requests, and its peak
// after the uploads. Decodes run one at a time (service.MaxDecodes), so the
// difference should stay near one decoded photo (12 MP in YCbCr 4:2:0 is
// 18 MB) plus the upload buffers, rather than four of them.
//
//	go test -run '^$' -bench ServeUploadRSS -benchtime 8x ./cmd/shelf/
func BenchmarkServeUploadRSS(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "shelf")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "shelf.db")
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	svc := service.New(db)
	u, err := svc.AddUser(ctx, service.NewUser{Email: "ann@example.com", Name: "Ann", Password: "benchmark password"})
	if err != nil {
		b.Fatal(err)
	}
	ann := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "bench"}
	_, token, err := svc.CreateToken(ctx, ann, "bench")
	if err != nil {
		b.Fatal(err)
	}
	var items []int64
	for i := range (b.N + 9) / 10 {
		it, err := svc.CreateItem(ctx, ann, shelf.ItemInput{Name: fmt.Sprintf("thing %d", i), Quantity: 1})
		if err != nil {
			b.Fatal(err)
		}
		items = append(items, it.ID)
	}
	db.Close()
	imgs := make([][]byte, b.N)
	for i := range imgs {
		imgs[i] = testimage.Noisy(4000, 3000, uint64(i+1))
	}

	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:"+dbPath, "--rate-limit", "0")
	cmd.Env = append(os.Environ(), "SHELF_DEMO=")
	w := &listenWatcher{addr: make(chan string, 1)}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	var base string
	select {
	case base = <-w.addr:
	case <-time.After(30 * time.Second):
		b.Fatal("shelf serve did not listen")
	}
	hc := &http.Client{Timeout: 5 * time.Minute}
	get := func(path string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
	}
	for range 50 {
		get("/api/v1/items")
	}
	pid := cmd.Process.Pid
	warm, ok := procmem.Status(pid, "VmHWM:")
	if !ok {
		b.Skip("no /proc/PID/status here")
	}
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				fw, _ := mw.CreateFormFile("file", "photo.jpg")
				_, _ = fw.Write(imgs[i])
				_ = mw.Close()
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/items/%d/photos", base, items[i/10]), &buf)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				res, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Errorf("upload: %d", res.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	peak, _ := procmem.Status(pid, "VmHWM:")
	b.ReportMetric(float64(warm)/(1<<20), "warmRSS-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peakRSS-MiB")
}
