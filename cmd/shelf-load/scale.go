package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// scaleWorkloads are what --instances measures unless --workloads says
// otherwise: the delete and the create of the JSON API.
var scaleWorkloads = []string{"api-delete", "api-create"}

// scaleSetup is one deployment the scale benchmark measures: the instances
// its load is spread over, and one target per load user.
type scaleSetup struct {
	name    string
	bases   []string
	targets []*shelfTarget
}

// workload spreads a workload over the setup's users and instances: worker
// i is user i mod users on instance i mod instances.
func (s *scaleSetup) workload(name string) workload {
	ws := make([]workload, len(s.targets))
	for i, t := range s.targets {
		ws[i] = t.workload(name)
	}
	w := ws[0]
	w.target, w.bases = s.name, s.bases
	w.worker = func(i int) source { return ws[i%len(ws)].worker(i / len(ws)) }
	return w
}

// instance is one "shelf serve" process.
type instance struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startInstance starts shelf serve on a free loopback port with the rate
// limit off, and waits for it to say where it listens.
func startInstance(bin, dsn string, log io.Writer) (*instance, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--rate-limit", "0")
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	in := &instance{cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Shelf is listening on "); ok {
				found <- rest
			}
		}
		in.done <- cmd.Wait()
	}()
	select {
	case in.base = <-found:
		fmt.Fprintf(log, "started shelf serve (pid %d) on %s\n", cmd.Process.Pid, in.base)
		return in, nil
	case err := <-in.done:
		return nil, fmt.Errorf("shelf serve --db %s exited before listening: %v", redact(dsn), err)
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		return nil, errors.New("shelf serve did not start listening within a minute")
	}
}

// stop ends the process with SIGTERM, as a deploy would, and waits for it.
func (in *instance) stop() {
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(30 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

// redact hides a password in a database URL.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return dsn
}

// checkLoopbackPostgres refuses a PostgreSQL server that is not on this
// machine: the load tool only ever loads loopback addresses.
func checkLoopbackPostgres(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("--postgres %q: want a postgres:// URL", redact(raw))
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("--postgres %q: refusing a server that is not on a loopback address", redact(raw))
}

// loadEmail is the email of load user u (the first is the default one).
func loadEmail(u int) string {
	if u == 0 {
		return defaultEmail
	}
	return fmt.Sprintf("load%d@example.com", u)
}

// seedScale migrates the database at dsn and gives each of users load users
// items/users live items; it returns their id ranges.
func seedScale(ctx context.Context, dsn string, users, items int, out io.Writer) ([]seedInfo, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	svc := service.New(db)
	var infos []seedInfo
	for u := range users {
		uid, _, err := seedUser(ctx, db, svc, loadEmail(u))
		if err != nil {
			return nil, err
		}
		start := time.Now()
		if err := db.SeedItems(ctx, uid, items/users, time.Now(), func(int) {}); err != nil {
			return nil, err
		}
		info := seedInfo{userID: uid}
		if _, info.firstID, info.lastID, err = db.LiveItemRange(ctx, uid); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "seeded %s: user %d with %d items (%.1fs)\n", db.Engine(), uid, items/users, time.Since(start).Seconds())
		infos = append(infos, info)
	}
	return infos, db.Checkpoint(ctx)
}

// checkScaleDB verifies the audit log of a measured database and that every
// trashed item has exactly one trash event: no delete lost or doubled.
func checkScaleDB(ctx context.Context, dsn string) (string, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	n, brk, err := service.New(db).VerifyAudit(ctx)
	if err != nil {
		return "", err
	}
	if brk != nil {
		return "", fmt.Errorf("the audit log is broken at event %d: %s", brk.ID, brk.Reason)
	}
	var trashed, events int
	err = db.Read(ctx, func(tx *store.Tx) error {
		var err error
		trashed, events, err = tx.TrashedAndTrashEvents(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	if trashed != events {
		return "", fmt.Errorf("%d items in the Trash but %d %s events", trashed, events, shelf.ActionItemTrash)
	}
	return fmt.Sprintf("%d audit events, every lane intact; %d items trashed, each with one %s event", n, trashed, shelf.ActionItemTrash), nil
}

// buildShelf builds the shelf command into dir, unless --shelf-bin names one.
func buildShelf(ctx context.Context, bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	out := filepath.Join(dir, "shelf")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "shelf/cmd/shelf")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build shelf/cmd/shelf (or pass --shelf-bin): %v\n%s", err, b)
	}
	return out, nil
}

// createDatabase makes a fresh database on the PostgreSQL server for this
// run and returns its URL and a function that drops it.
func createDatabase(ctx context.Context, server string) (string, func(), error) {
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("shelf_load_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create the load database: %w", err)
	}
	u, _ := url.Parse(server)
	u.Path = "/" + name
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	return u.String(), drop, nil
}

// runScale is --instances: SQLite (one shelf serve) beside PostgreSQL with
// one instance and with N instances on one database, every workload
// measured on each in turn in every round, the order alternating between
// rounds, so that the machine's drift falls on all of them alike.
func runScale(ctx context.Context, c config, stdout, stderr io.Writer) error {
	dir, err := os.MkdirTemp("", "shelf-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := buildShelf(ctx, c.shelfBin, dir)
	if err != nil {
		return err
	}
	pgDSN, drop, err := createDatabase(ctx, c.postgres)
	if err != nil {
		return err
	}
	defer drop()
	sqliteDSN := "sqlite:" + filepath.Join(dir, "load.db")

	client := newClient(c.conns)
	defer client.CloseIdleConnections()
	var setups []*scaleSetup
	var all []*instance
	defer func() {
		for _, in := range all {
			in.stop()
		}
	}()
	for _, db := range []struct {
		name, dsn string
		n         int
	}{{"sqlite", sqliteDSN, 1}, {"postgres", pgDSN, c.instances}} {
		infos, err := seedScale(ctx, db.dsn, c.users, c.items, stderr)
		if err != nil {
			return err
		}
		var bases []string
		for range db.n {
			in, err := startInstance(bin, db.dsn, stderr)
			if err != nil {
				return err
			}
			all = append(all, in)
			bases = append(bases, in.base)
		}
		var targets []*shelfTarget
		for u, info := range infos {
			cr, err := login(ctx, client, bases[0], loadEmail(u), defaultPassword)
			if err != nil {
				return err
			}
			targets = append(targets, newShelfTarget(bases[0], cr, info.firstID, info.lastID, c.bulkSize))
		}
		if db.name == "sqlite" {
			setups = append(setups, &scaleSetup{name: "sqlite", bases: bases, targets: targets})
			continue
		}
		setups = append(setups, &scaleSetup{name: "postgres×1", bases: bases[:1], targets: targets})
		if db.n > 1 {
			setups = append(setups, &scaleSetup{name: fmt.Sprintf("postgres×%d", db.n), bases: bases, targets: targets})
		}
	}

	printHeader(stdout, c, fmt.Sprintf("shelf serve processes: SQLite (1), PostgreSQL %s (1 and %d on one database); %d load user(s)",
		redact(c.postgres), c.instances, c.users))
	var rounds [][]result
	for round := 1; round <= c.rounds && ctx.Err() == nil; round++ {
		var rs []result
		for _, name := range c.workloads {
			order := setups
			if round%2 == 0 {
				order = reversed(setups)
			}
			for _, s := range order {
				res := measure(ctx, client, s.workload(name), c.conns, c.warmup, c.duration, nil)
				printLine(stdout, round, res)
				rs = append(rs, res)
			}
		}
		rounds = append(rounds, rs)
	}
	printScaleSummary(stdout, rounds, setups)
	for _, in := range all {
		in.stop()
	}
	all = nil
	for _, db := range []struct{ name, dsn string }{{"sqlite", sqliteDSN}, {"postgres", pgDSN}} {
		msg, err := checkScaleDB(context.WithoutCancel(ctx), db.dsn)
		if err != nil {
			return fmt.Errorf("%s after the load: %w", db.name, err)
		}
		fmt.Fprintf(stdout, "%s: %s\n", db.name, msg)
	}
	return ctx.Err()
}

func reversed[T any](xs []T) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}

// printScaleSummary prints, per workload and setup, the medians over the
// rounds and the throughput as a share of SQLite's and of one PostgreSQL
// instance's, each ratio taken within a round.
func printScaleSummary(out io.Writer, rounds [][]result, setups []*scaleSetup) {
	fmt.Fprintf(out, "\nMedians over %d round(s); ratios are taken within each round, then the median.\n", len(rounds))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tsetup\trequests/s\tp50 ms\tp99 ms\terrors\t÷ sqlite\t÷ postgres×1\t")
	var names []string
	for _, r := range rounds[0] {
		if len(names) == 0 || names[len(names)-1] != r.workload {
			names = append(names, r.workload)
		}
	}
	for _, name := range names {
		for _, s := range setups {
			var rps, p50, p99, toSQLite, toOne []float64
			errs := 0
			for _, rs := range rounds {
				byTarget := map[string]result{}
				for _, r := range rs {
					if r.workload == name {
						byTarget[r.target] = r
					}
				}
				r, ok := byTarget[s.name]
				if !ok {
					continue
				}
				rps = append(rps, r.rps())
				p50 = append(p50, ms(r.pct(50)))
				p99 = append(p99, ms(r.pct(99)))
				errs += r.errors
				if q := byTarget["sqlite"].rps(); q > 0 {
					toSQLite = append(toSQLite, r.rps()/q)
				}
				if q := byTarget["postgres×1"].rps(); q > 0 {
					toOne = append(toOne, r.rps()/q)
				}
			}
			if len(rps) == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t%s\t%s\t\n", name, s.name, median(rps), median(p50), median(p99), errs,
				ratio(toSQLite, "%.2f"), ratio(toOne, "%.2f"))
		}
	}
	tw.Flush()
}
