package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store/storetest"
)

// TestTwoInstancesOnePostgres starts two shelf serve processes on one
// PostgreSQL database and drives both at once with deletes, bulk deletes,
// restores, undo and purges for a bounded time. Afterwards: no 5xx, no item
// trashed twice without a restore in between, the counts add up, and the
// audit chain verifies.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()

	// Users, tokens and items, made before the servers start.
	db, closeDB := openDB(t, dsn)
	svc := service.New(db)
	u, err := svc.AddUser(ctx, service.NewUser{Email: "owner@example.com", Name: "Owner", Password: "password-owner", Role: shelf.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	owner := shelf.Actor{UserID: u.ID, Role: u.Role}
	_, token, err := svc.CreateToken(ctx, owner, "load")
	if err != nil {
		t.Fatal(err)
	}
	const items = 120
	ids := make([]int64, items)
	for i := range ids {
		it, err := svc.CreateItem(ctx, owner, shelf.ItemInput{Name: fmt.Sprintf("Thing %03d", i), Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := svc.AddNote(ctx, owner, it.ID, "a note that goes with it"); err != nil {
				t.Fatal(err)
			}
		}
		ids[i] = it.ID
	}
	closeDB()

	bin := buildShelfBinary(t)
	bases := []string{startInstance(t, bin, dsn), startInstance(t, bin, dsn)}

	var (
		mu       sync.Mutex
		trashes  = map[int64]int{}
		restores = map[int64]int{}
		purges   = map[int64]int{}
		cohorts  []string
		statuses = map[int]int{}
	)
	record := func(status int) {
		mu.Lock()
		statuses[status]++
		mu.Unlock()
	}
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(base, method, path, body string) (int, http.Header, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return 0, nil, nil
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		record(res.StatusCode)
		return res.StatusCode, res.Header, b
	}

	deadline := time.Now().Add(4 * time.Second)
	var wg sync.WaitGroup
	for w := range 8 {
		base := bases[w%2]
		rng := rand.New(rand.NewPCG(uint64(w), 42))
		wg.Go(func() {
			for time.Now().Before(deadline) {
				id := ids[rng.IntN(items)]
				switch op := rng.IntN(10); {
				case op < 3:
					if st, h, _ := call(base, "DELETE", fmt.Sprintf("/api/v1/items/%d", id), ""); st == 204 {
						mu.Lock()
						trashes[id]++
						cohorts = append(cohorts, h.Get("X-Shelf-Cohort"))
						mu.Unlock()
					}
				case op < 5:
					pick := []int64{id, ids[rng.IntN(items)], ids[rng.IntN(items)]}
					b, _ := json.Marshal(map[string][]int64{"ids": pick})
					if st, _, body := call(base, "POST", "/api/v1/items/bulk-delete", string(b)); st == 200 {
						var res shelf.BulkTrashResult
						if err := json.Unmarshal(body, &res); err != nil {
							t.Errorf("bulk: %v", err)
							continue
						}
						mu.Lock()
						for _, tid := range res.Trashed {
							trashes[tid]++
						}
						if res.Cohort != "" {
							cohorts = append(cohorts, res.Cohort)
						}
						mu.Unlock()
					}
				case op < 7:
					if st, _, _ := call(base, "POST", fmt.Sprintf("/api/v1/trash/%d/restore", id), ""); st == 200 {
						mu.Lock()
						restores[id]++
						mu.Unlock()
					}
				case op < 8:
					mu.Lock()
					var cohort string
					if len(cohorts) > 0 {
						cohort = cohorts[rng.IntN(len(cohorts))]
					}
					mu.Unlock()
					if cohort == "" {
						continue
					}
					if st, _, body := call(base, "POST", "/api/v1/trash/restore", `{"cohort":"`+cohort+`"}`); st == 200 {
						var res shelf.RestoreResult
						if err := json.Unmarshal(body, &res); err != nil {
							t.Errorf("cohort restore: %v", err)
							continue
						}
						mu.Lock()
						for _, it := range res.Restored {
							restores[it.ID]++
						}
						mu.Unlock()
					}
				case op < 9:
					if st, _, _ := call(base, "DELETE", fmt.Sprintf("/api/v1/trash/%d", id), ""); st == 204 {
						mu.Lock()
						purges[id]++
						mu.Unlock()
					}
				default:
					call(base, "GET", "/api/v1/items?limit=50", "")
				}
			}
		})
	}
	wg.Wait()

	total := 0
	for st, n := range statuses {
		total += n
		if st >= 500 {
			t.Errorf("%d responses with status %d", n, st)
		}
	}
	t.Logf("%d requests across two instances: %v", total, statuses)

	db, closeDB = openDB(t, dsn)
	defer closeDB()
	var live, trashed, purgedEvents, trashEvents, restoreEvents int
	q := func(dst *int, query string) {
		if err := db.SQL().QueryRow(query).Scan(dst); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	q(&live, `SELECT count(*) FROM items WHERE deleted_at IS NULL`)
	q(&trashed, `SELECT count(*) FROM items WHERE deleted_at IS NOT NULL`)
	q(&purgedEvents, `SELECT count(DISTINCT entity_id) FROM audit_events WHERE action = 'item.purge'`)
	q(&trashEvents, `SELECT count(*) FROM audit_events WHERE action = 'item.trash'`)
	q(&restoreEvents, `SELECT count(*) FROM audit_events WHERE action = 'item.restore'`)

	acked := func(m map[int64]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	if live+trashed+purgedEvents != items {
		t.Errorf("live %d + trashed %d + purged %d != %d items", live, trashed, purgedEvents, items)
	}
	if len(purges) != purgedEvents || acked(purges) != purgedEvents {
		t.Errorf("acknowledged purges %d (of %d items) but %d purge events", acked(purges), len(purges), purgedEvents)
	}
	if acked(trashes) != trashEvents || acked(restores) != restoreEvents {
		t.Errorf("acknowledged %d trashes and %d restores; audit has %d and %d", acked(trashes), acked(restores), trashEvents, restoreEvents)
	}
	for _, id := range ids {
		if trashes[id] > restores[id]+1 {
			t.Errorf("item %d trashed %d times with only %d restores", id, trashes[id], restores[id])
		}
	}
	if acked(trashes) == 0 || acked(restores) == 0 || acked(purges) == 0 {
		t.Errorf("the load did too little to prove anything: %d trashes, %d restores, %d purges", acked(trashes), acked(restores), acked(purges))
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--db", dsn}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Errorf("audit verify: %v\n%s", err, out.String())
	}
}

// buildShelfBinary builds the shelf command once for the test.
func buildShelfBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shelf")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startInstance runs shelf serve on a free port and returns its base URL; the
// process is stopped with SIGTERM, and must exit 0, when the test ends.
func startInstance(t *testing.T, bin, dsn string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--rate-limit", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("instance exited with %v\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("instance did not stop on SIGTERM")
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "Shelf is listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			waitHealthy(t, addr)
			return addr
		}
	}
	t.Fatalf("instance did not start:\n%s", stderr.String())
	return ""
}
