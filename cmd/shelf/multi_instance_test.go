package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
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
	const items = 120
	owner := addTokenUser(t, svc, "owner@example.com", "Owner", numbered("Thing %03d", items)...)
	token := owner.token
	ids := make([]int64, items)
	for i, it := range owner.items {
		if i%3 == 0 {
			if _, err := svc.AddNote(ctx, owner.actor, it.ID, "a note that goes with it"); err != nil {
				t.Fatal(err)
			}
		}
		ids[i] = it.ID
	}
	closeDB()

	bin := buildShelf(t)
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
