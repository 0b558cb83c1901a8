package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"

	"shelf/internal/procmem"
	"shelf/service"
	"shelf/store"
	"shelf/web"
)

// run is the whole program, with its inputs and outputs passed in, so tests
// can drive it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	if c.seedOnly {
		return seedOnly(ctx, c, stdout)
	}
	if c.instances > 0 {
		return runScale(ctx, c, stdout, stderr)
	}
	client := newClient(c.conns)
	defer client.CloseIdleConnections()

	floor, err := startFloor()
	if err != nil {
		return err
	}
	defer floor.close()

	r := &runner{c: c, client: client, out: stdout, floor: floorWorkload(floor.base)}
	if c.baseline != "" {
		if c.baselineCookie == "" || c.baselineCSRF == "" {
			return usageError{"--baseline needs --baseline-cookie and --baseline-csrf (login.py prints them)"}
		}
		r.baseline = &baselineTarget{base: trimBase(c.baseline), cookie: c.baselineCookie, csrf: c.baselineCSRF,
			ids: newIDs(c.baselineIDs.first, c.baselineIDs.last)}
	}

	switch {
	case c.base != "" && c.path != "":
		r.custom = true
		if c.pid != 0 {
			r.rss = startRSS(c.pid)
		}
	case c.base != "":
		if r.shelf, err = remoteShelf(ctx, c, client); err != nil {
			return err
		}
		if c.pid != 0 {
			r.rss = startRSS(c.pid)
		}
	default:
		db, svc, closeAll, err := inProcessShelf(ctx, c, stderr)
		if err != nil {
			return err
		}
		defer closeAll()
		srv, handler, err := startShelf(svc, c.rateLimit)
		if err != nil {
			return err
		}
		defer srv.close()
		r.db, r.svc, r.web = db, svc, handler
		if r.shelf, err = shelfTargetAt(ctx, c, client, srv.base, db, svc); err != nil {
			return err
		}
		r.rss = startRSS(procmem.Self)
		r.inProcess = true
		if c.cpuProf != "" {
			stop, err := startCPUProfile(c.cpuProf)
			if err != nil {
				return err
			}
			defer stop()
		}
	}
	defer r.rss.close()
	return r.run(ctx)
}

// runner runs every round of every workload and reports.
type runner struct {
	c         config
	client    *http.Client
	out       io.Writer
	floor     workload
	shelf     *shelfTarget
	baseline  *baselineTarget
	custom    bool
	db        *store.DB        // in-process only
	svc       *service.Service // in-process only, over db
	web       *web.Server      // in-process only
	inProcess bool
	rss       *rssSampler
	results   [][]result // per round
}

func (r *runner) run(ctx context.Context) error {
	printHeader(r.out, r.c, r.describeTarget())
	for round := 1; round <= r.c.rounds; round++ {
		var rs []result
		add := func(res result) {
			rs = append(rs, res)
			printLine(r.out, round, res)
		}
		add(r.measure(ctx, r.floor))
		if r.custom {
			add(r.measure(ctx, customWorkload(r.c)))
		}
		for _, name := range r.workloadNames() {
			if ctx.Err() != nil {
				break
			}
			if name == "purge-reads" {
				if round > 1 {
					continue // note: it seeds and purges its own million items; once is enough
				}
				prs, err := r.purgeReads(ctx)
				if err != nil {
					return err
				}
				for _, res := range prs {
					add(res)
				}
				continue
			}
			if name == "job-reads" {
				if round > 1 {
					continue // note: it seeds its own Trash; once is enough
				}
				jrs, err := r.jobReads(ctx)
				if err != nil {
					return err
				}
				for _, res := range jrs {
					add(res)
				}
				continue
			}
			if r.baseline != nil {
				if w, ok := r.baseline.workload(name); ok {
					add(r.measure(ctx, w))
				}
			}
			add(r.measure(ctx, r.shelf.workload(name)))
		}
		r.results = append(r.results, rs)
		if ctx.Err() != nil {
			break
		}
	}
	printSummary(r.out, r.results)
	if r.inProcess {
		n, brk, err := r.svc.VerifyAudit(context.WithoutCancel(ctx))
		switch {
		case err != nil:
			return fmt.Errorf("verify the audit chain: %w", err)
		case brk != nil:
			return fmt.Errorf("the audit chain is broken at event %d: %s", brk.ID, brk.Reason)
		}
		fmt.Fprintf(r.out, "\naudit chain: %d events, intact\n", n)
	}
	return ctx.Err()
}

func (r *runner) workloadNames() []string {
	if r.custom {
		return nil
	}
	return r.c.workloads
}

func (r *runner) measure(ctx context.Context, w workload) result {
	if r.svc == nil || w.target != "shelf" {
		return measure(ctx, r.client, w, r.c.conns, r.c.warmup, r.c.duration, r.rss)
	}
	var c0, w0 int64
	w.onStart = func() { c0, w0 = r.db.WriteStats() }
	res := measure(ctx, r.client, w, r.c.conns, r.c.warmup, r.c.duration, r.rss)
	c1, w1 := r.db.WriteStats()
	res.commits, res.writes = c1-c0, w1-w0
	return res
}

func (r *runner) describeTarget() string {
	switch {
	case r.custom:
		return fmt.Sprintf("custom: %s %s%s", r.c.method, trimBase(r.c.base), r.c.path)
	case r.inProcess:
		return "Shelf in-process on " + r.shelf.base + " (SQLite " + r.c.dbLabel() + "); RSS is this whole process, load generator included"
	}
	s := "Shelf at " + r.shelf.base
	if r.c.pid != 0 {
		s += fmt.Sprintf(" (RSS of process %d)", r.c.pid)
	}
	return s
}

func (c config) dbLabel() string {
	if c.db == "" {
		return "temporary file"
	}
	return c.db
}

// inProcessShelf opens (and seeds) the SQLite file of the in-process Shelf.
func inProcessShelf(ctx context.Context, c config, log io.Writer) (*store.DB, *service.Service, func(), error) {
	path, cleanup := c.db, func() {}
	if path == "" {
		dir, err := os.MkdirTemp("", "shelf-load-")
		if err != nil {
			return nil, nil, nil, err
		}
		path, cleanup = filepath.Join(dir, "load.db"), func() { os.RemoveAll(dir) }
	}
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	closeAll := func() { db.Close(); cleanup() }
	if _, err := db.Migrate(ctx); err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	svc := service.New(db)
	if _, err := seedItems(ctx, db, svc, c.items, log); err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	// note: start from a checkpointed WAL, as a server that has been idle.
	_ = db.Checkpoint(ctx)
	return db, svc, closeAll, nil
}

// shelfTargetAt logs in to the in-process Shelf and finds the seeded ids.
func shelfTargetAt(ctx context.Context, c config, client *http.Client, base string, db *store.DB, svc *service.Service) (*shelfTarget, error) {
	cr, err := login(ctx, client, base, defaultEmail, defaultPassword)
	if err != nil {
		return nil, err
	}
	info, err := seedItems(ctx, db, svc, 0, io.Discard)
	if err != nil {
		return nil, err
	}
	return newShelfTarget(base, cr, info.firstID, info.lastID, c.bulkSize), nil
}

// remoteShelf logs in to a running Shelf (--base). The delete workloads use
// --ids, or else ids 1 to the newest live one: point it at a freshly seeded
// database (--seed-only).
func remoteShelf(ctx context.Context, c config, client *http.Client) (*shelfTarget, error) {
	base := trimBase(c.base)
	cr, err := login(ctx, client, base, c.email, c.password)
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/items?limit=1", nil)
	req.Header.Set("Authorization", cr.bearer)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var page struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || len(page.Items) == 0 {
		return nil, errors.New("the user has no live items to load with; seed with --seed-only first")
	}
	newest := page.Items[0].ID
	first, last := c.ids.first, c.ids.last
	if first == 0 {
		first, last = 1, newest
	}
	return newShelfTarget(base, cr, first, last, c.bulkSize), nil
}

// startCPUProfile profiles this process until the returned function runs.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// seedOnly seeds --db and says how to serve and load it.
func seedOnly(ctx context.Context, c config, out io.Writer) error {
	db, err := store.Open(ctx, "sqlite:"+c.db)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	info, err := seedItems(ctx, db, service.New(db), c.items, out)
	if err != nil {
		return err
	}
	_ = db.Checkpoint(ctx)
	fmt.Fprintf(out, "seeded %s: user %s (password %q), live item ids %d:%d\n", c.db, defaultEmail, defaultPassword, info.firstID, info.lastID)
	fmt.Fprintf(out, "serve it:  shelf serve --db sqlite:%s --rate-limit 0 --addr 127.0.0.1:8090\n", c.db)
	fmt.Fprintf(out, "load it:   shelf-load --base http://127.0.0.1:8090 --ids %d:%d --pid <server pid>\n", info.firstID, info.lastID)
	return nil
}

func trimBase(u string) string {
	for len(u) > 0 && u[len(u)-1] == '/' {
		u = u[:len(u)-1]
	}
	return u
}
