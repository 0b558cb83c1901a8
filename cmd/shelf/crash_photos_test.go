package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/filestore"
	"shelf/internal/testimage"
	"shelf/service"
)

// TestCrashKeepsPhotoFiles runs `shelf serve` and drives photo uploads
// (some of them the same picture, so that files are shared), photo deletes,
// item trashes, restores and purges from several clients at once, killing
// the server with SIGKILL at random moments. After every kill it checks,
// before anything runs again, that:
//
//   - every photo row, live or in the Trash, still has its file;
//   - every acknowledged upload is in the database, unless an acknowledged
//     purge took it since;
//
// and then, after a restart has had time to recover (the queued removals
// worked through, uploads that never committed past their grace), that no
// file is left that no row names, and no temporary file.
//
// SHELF_CRASH_KILLS sets the number of kills (default 8), SHELF_CRASH_SEED
// the random seed.
func TestCrashKeepsPhotoFiles(t *testing.T) {
	kills, seed := crashSettings(t, 8)
	t.Logf("photo crash test: %d kills, seed %d", kills, seed)
	rng := rand.New(rand.NewPCG(seed, 0xf11e))
	bin := buildShelf(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "shelf.db")
	files, err := filestore.Open(filepath.Join(dir, "shelf-files"))
	if err != nil {
		t.Fatal(err)
	}
	clients := newPhotoCrashClients(t, dbPath, rng)
	// a few pictures, so that clients upload the same one now and then
	var pictures [][]byte
	for i := range 6 {
		pictures = append(pictures, testimage.JPEG(200+40*i, 150+30*i))
	}
	var acked, uploads int
	for round := 1; round <= kills; round++ {
		p := startServer(t, bin, dbPath, "--upload-grace", "1s")
		hc := &http.Client{Timeout: 20 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, c := range clients {
			c.inFlight = ""
			wg.Go(func() {
				for ctx.Err() == nil && c.inFlight == "" {
					c.step(ctx, hc, p.base, pictures)
				}
			})
		}
		time.Sleep(time.Duration(100+rng.IntN(600)) * time.Millisecond)
		p.kill()
		cancel()
		wg.Wait()
		hc.CloseIdleConnections()
		for _, c := range clients {
			acked += c.acked
			uploads += c.uploads
			c.acked, c.uploads = 0, 0
		}
		checkPhotoFiles(t, dbPath, files, clients, false)
		if t.Failed() {
			t.Fatalf("round %d (seed %d): a row lost its file, or an acknowledged upload was lost\n%s", round, seed, p.tail(3000))
		}
		settleInFlightPurges(t, dbPath, clients)
		// Recovery: a restart works through the queue, and removes what
		// uploads cut short left behind once their grace is over.
		p = startServer(t, bin, dbPath, "--upload-grace", "1s")
		deadline := time.Now().Add(15 * time.Second)
		for {
			time.Sleep(300 * time.Millisecond)
			if checkPhotoFiles(t, dbPath, files, clients, true) == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d (seed %d): not recovered 15 s after restart: %s\n%s", round, seed,
					checkPhotoFiles(t, dbPath, files, clients, true), p.tail(3000))
			}
		}
		if err := p.stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
	}
	t.Logf("photo crash test: %d kills, %d requests acknowledged, %d of them uploads", kills, acked, uploads)
}

// photoCrashClient is one user driving the server, with what it knows.
type photoCrashClient struct {
	token string
	actor shelf.Actor // the user, for what the test does while the server is down
	rng   *rand.Rand
	items []int64
	// photos maps an acknowledged upload's id to its item; an acknowledged
	// purge of the item takes its photos out.
	photos   map[int64]int64
	mu       sync.Mutex
	inFlight string // the request that got no answer (the server died)
	acked    int
	uploads  int
}

func newPhotoCrashClients(t *testing.T, dbPath string, rng *rand.Rand) []*photoCrashClient {
	t.Helper()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	svc := service.New(db)
	var out []*photoCrashClient
	for k := range 3 {
		u := addTokenUser(t, svc, fmt.Sprintf("p%d@example.com", k), fmt.Sprintf("Photographer %d", k), numbered(fmt.Sprintf("p%d-item%%d", k), 6)...)
		c := &photoCrashClient{token: u.token, actor: u.actor, rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(k))), photos: map[int64]int64{}}
		for _, it := range u.items {
			c.items = append(c.items, it.ID)
		}
		out = append(out, c)
	}
	return out
}

// step sends one random request and records what its answer proves.
func (c *photoCrashClient) step(ctx context.Context, hc *http.Client, base string, pictures [][]byte) {
	item := c.items[c.rng.IntN(len(c.items))]
	var req *http.Request
	kind := c.rng.IntN(10)
	switch {
	case kind < 5: // upload
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "p.jpg")
		_, _ = fw.Write(pictures[c.rng.IntN(len(pictures))])
		_ = mw.Close()
		req, _ = http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/items/%d/photos", base, item), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
	case kind < 7: // delete a photo
		var ids []int64
		for id := range c.photos {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return
		}
		req, _ = http.NewRequestWithContext(ctx, "DELETE", fmt.Sprintf("%s/api/v1/photos/%d", base, ids[c.rng.IntN(len(ids))]), nil)
	case kind < 8: // trash the item
		req, _ = http.NewRequestWithContext(ctx, "DELETE", fmt.Sprintf("%s/api/v1/items/%d", base, item), nil)
	case kind < 9: // restore it
		req, _ = http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/trash/%d/restore", base, item), nil)
	default: // delete it forever, with its photos
		req, _ = http.NewRequestWithContext(ctx, "DELETE", fmt.Sprintf("%s/api/v1/trash/%d", base, item), nil)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := hc.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.inFlight = req.Method + " " + req.URL.Path
		return
	}
	c.acked++
	switch {
	case kind < 5 && res.StatusCode == http.StatusCreated:
		var p shelf.Photo
		if json.Unmarshal(body, &p) == nil {
			c.photos[p.ID] = item
			c.uploads++
		}
	case kind == 9 && res.StatusCode == http.StatusNoContent:
		for id, it := range c.photos {
			if it == item {
				delete(c.photos, id)
			}
		}
		// note: the item is gone for good; a new one takes its place.
		c.replaceItem(ctx, hc, base, item)
	}
}

// inFlightPurge returns the item of the purge that got no answer, if the
// request in flight was one.
func (c *photoCrashClient) inFlightPurge() (int64, bool) {
	rest, ok := strings.CutPrefix(c.inFlight, "DELETE /api/v1/trash/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// settleInFlightPurges resolves, while the server is down, what a purge that
// got no answer did: if it committed, the item and its photos are gone, so
// the client forgets them and gets a new item in its place. Without this a
// later round would take the photos of an item purged unacknowledged for
// acknowledged uploads that were lost.
func settleInFlightPurges(t *testing.T, dbPath string, clients []*photoCrashClient) {
	t.Helper()
	ctx := context.Background()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	svc := service.New(db)
	for _, c := range clients {
		item, ok := c.inFlightPurge()
		if !ok {
			continue
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM items WHERE id = ?`, item).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			continue // the purge did not commit
		}
		for id, it := range c.photos {
			if it == item {
				delete(c.photos, id)
			}
		}
		a := c.actor
		a.RequestID = "settle"
		it, err := svc.CreateItem(ctx, a, shelf.ItemInput{Name: fmt.Sprintf("item-%d-settled", item), Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range c.items {
			if id == item {
				c.items[i] = it.ID
			}
		}
	}
}

// replaceItem creates a new item in place of a purged one.
func (c *photoCrashClient) replaceItem(ctx context.Context, hc *http.Client, base string, old int64) {
	b, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("item-%d-%d", old, c.rng.Uint32())})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/items", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return
	}
	defer res.Body.Close()
	var it shelf.Item
	if res.StatusCode == http.StatusCreated && json.NewDecoder(res.Body).Decode(&it) == nil {
		for i, id := range c.items {
			if id == old {
				c.items[i] = it.ID
			}
		}
	}
}

// checkPhotoFiles checks the database file against the directory. It fails
// the test when a row lacks its file or an acknowledged upload is missing;
// with recovered, it also reports (without failing) what recovery has yet
// to do: queued removals, files no row names, temporary files.
func checkPhotoFiles(t *testing.T, dbPath string, files *filestore.Dir, clients []*photoCrashClient, recovered bool) string {
	t.Helper()
	db, closeDB := openDB(t, "sqlite:"+dbPath)
	defer closeDB()
	named := map[string]bool{}
	ids := map[int64]bool{}
	rows, err := db.SQL().Query(`SELECT id, sha256 FROM photos`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var sha string
		if err := rows.Scan(&id, &sha); err != nil {
			t.Fatal(err)
		}
		named[sha], ids[id] = true, true
	}
	rows.Close()
	for sha := range named {
		if !files.Has(sha) {
			t.Errorf("photo rows name %s, whose file is gone", sha)
		}
	}
	for k, c := range clients {
		purging, _ := c.inFlightPurge()
		for id, item := range c.photos {
			if !ids[id] && (purging == 0 || item != purging) {
				// note: an acknowledged upload may only be gone through a
				// purge of its item, which the client would have recorded
				// (unless the purge was the request in flight).
				t.Errorf("client %d: acknowledged photo %d is gone", k, id)
			}
		}
	}
	if !recovered {
		return ""
	}
	var queued int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM file_removals`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	var left []string
	_ = files.Walk(func(e filestore.Entry) error {
		if e.Hash == "" || !named[e.Hash] {
			left = append(left, e.Path)
		}
		return nil
	})
	if queued == 0 && len(left) == 0 {
		return ""
	}
	return fmt.Sprintf("%d removals queued; files no row names: %v", queued, left)
}
