package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// allWorkloads are the Shelf workloads, in the order they run.
var allWorkloads = []string{"api-delete", "api-create", "form-delete", "list-html", "list-json", "trash-restore", "bulk-delete", "mixed", "purge-reads", "job-reads"}

// defaultWorkloads leaves out purge-reads and job-reads, which seeds and purges a million
// items and takes minutes, and api-create, which the scale benchmark runs.
var defaultWorkloads = []string{"api-delete", "form-delete", "list-html", "list-json", "trash-restore", "bulk-delete", "mixed"}

// config is the command line.
type config struct {
	duration  time.Duration // per workload and target
	warmup    time.Duration // unmeasured load before each measurement
	conns     int
	rounds    int
	workloads []string

	// In-process Shelf.
	db        string // SQLite file; "" is a temporary one
	items     int    // live items to seed for the load user
	rateLimit float64
	seedOnly  bool
	bulkSize  int
	cpuProf   string // in-process: write a CPU profile of the measured run

	// A running Shelf, or any server with --path.
	base     string
	email    string
	password string
	path     string // generic target: path pattern, %d is a distinct id
	method   string
	body     string
	ctype    string
	cookie   string
	headers  headerList
	want     int
	ids      idRange
	pid      int // server process whose RSS to sample

	// The Flask baseline of ../shared/bench, measured in the same run.
	baseline       string
	baselineCookie string
	baselineCSRF   string
	baselineIDs    idRange

	// The scale benchmark (--instances).
	instances int
	users     int
	postgres  string
	shelfBin  string

	// purge-reads.
	purgeItems    int
	purgeReadRate float64
	purgeTimeout  time.Duration

	// job-reads (with purge-reads' read rate and timeout).
	jobRows int
}

// defaultEmail and defaultPassword are the load user's, in a seeded database.
const (
	defaultEmail    = "load@example.com"
	defaultPassword = "load test password"
)

const usage = `Usage: shelf-load [flags]

Measures Shelf under load, beside a floor (a bare net/http handler answering
204 on loopback, same client, same concurrency) and, with --baseline, the
Flask baseline, in the same run. Every workload runs --duration after a
--warmup; every target must be a loopback address.

By default it seeds a SQLite file and starts Shelf in-process on 127.0.0.1:0.

  shelf-load --items 1000000 --duration 10s --rounds 3
  shelf-load --seed-only --db load.db --items 1000000
  shelf-load --base http://127.0.0.1:8080 --pid $PID            (a running Shelf)
  shelf-load --baseline http://127.0.0.1:8001 --baseline-cookie "$COOKIE" --baseline-csrf "$CSRF"
  shelf-load --base http://127.0.0.1:8001 --path /api/items/%d --method DELETE --cookie "$COOKIE" --ids 1001:300000 --want 204

With --instances N it starts shelf serve processes itself: one on a SQLite
file and N on one PostgreSQL database (made for the run on --postgres and
dropped after), and measures SQLite, one PostgreSQL instance and N together,
in turn in every round, the order alternating between rounds:

  shelf-load --instances 2 --postgres postgres://postgres@127.0.0.1:5432/postgres --users 16 --items 400000 --rounds 3

Workloads: ` + "api-delete, api-create, form-delete, list-html, list-json, trash-restore, bulk-delete, mixed, purge-reads, job-reads" + `

Flags:
`

func parseConfig(args []string, stderr io.Writer) (config, error) {
	c := config{}
	fs := flag.NewFlagSet("shelf-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = io.WriteString(stderr, usage)
		fs.PrintDefaults()
	}
	workloads := fs.String("workloads", strings.Join(defaultWorkloads, ","), "comma-separated workloads to run")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each workload is measured, per target")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured load before each measurement")
	fs.IntVar(&c.conns, "connections", 16, "concurrent connections (one worker each)")
	fs.IntVar(&c.rounds, "rounds", 1, "run everything this many times and report the medians")
	fs.StringVar(&c.db, "db", "", "SQLite file for the in-process Shelf (default: a temporary file, removed afterwards)")
	fs.IntVar(&c.items, "items", 1_000_000, "live items to seed for the load user (delete workloads use them up)")
	fs.Float64Var(&c.rateLimit, "rate-limit", 0, "the in-process Shelf's destructive requests per second per user; 0 is off")
	fs.BoolVar(&c.seedOnly, "seed-only", false, "seed --db and exit (then serve it with shelf serve --db sqlite:FILE --rate-limit 0)")
	fs.IntVar(&c.bulkSize, "bulk-size", 50, "ids per bulk-delete request")
	fs.StringVar(&c.cpuProf, "cpuprofile", "", "in-process: write a CPU profile of the whole run (server and load generator) to this file")
	fs.StringVar(&c.base, "base", "", "target a running server at this loopback URL instead of starting Shelf")
	fs.StringVar(&c.email, "email", defaultEmail, "with --base: the Shelf user to log in as")
	fs.StringVar(&c.password, "password", defaultPassword, "with --base: that user's password")
	fs.StringVar(&c.path, "path", "", "with --base: a path pattern for one custom workload (%d is a distinct id per request)")
	fs.StringVar(&c.method, "method", "GET", "with --path: the method")
	fs.StringVar(&c.body, "body", "", "with --path: the request body")
	fs.StringVar(&c.ctype, "content-type", "", "with --body: its content type (default: a form)")
	fs.StringVar(&c.cookie, "cookie", "", "with --path: a Cookie header")
	fs.Var(&c.headers, "header", "with --path: a header 'Name: value' (repeatable)")
	fs.IntVar(&c.want, "want", 0, "with --path: the expected status (0: any 2xx or 3xx)")
	fs.Var(&c.ids, "ids", "with --path: the ids %d takes, FIRST:LAST")
	fs.IntVar(&c.pid, "pid", 0, "with --base: sample this server process's RSS")
	fs.StringVar(&c.baseline, "baseline", "", "also measure the Flask baseline at this loopback URL (api-delete, form-delete, list-html)")
	fs.StringVar(&c.baselineCookie, "baseline-cookie", "", "the baseline's session Cookie header (login.py prints it as COOKIE)")
	fs.StringVar(&c.baselineCSRF, "baseline-csrf", "", "the baseline's CSRF token (login.py prints it as CSRF)")
	c.baselineIDs = idRange{1001, 300_000}
	fs.Var(&c.baselineIDs, "baseline-ids", "the baseline's item ids the delete workloads use, FIRST:LAST")
	fs.IntVar(&c.instances, "instances", 0, "scale benchmark: start this many shelf serve processes on one PostgreSQL database (--postgres) and measure them beside one instance and beside SQLite")
	fs.IntVar(&c.users, "users", 1, "scale benchmark: spread the load over this many users (worker i is user i mod users)")
	fs.StringVar(&c.postgres, "postgres", "", "scale benchmark: a loopback PostgreSQL server URL; the run makes its own database there and drops it")
	fs.StringVar(&c.shelfBin, "shelf-bin", "", "scale benchmark: the shelf binary to start (default: go build shelf/cmd/shelf)")
	fs.IntVar(&c.purgeItems, "purge-items", 1_000_000, "purge-reads: trashed items the retention purge removes")
	fs.Float64Var(&c.purgeReadRate, "purge-read-rate", 200, "purge-reads: list-page requests per second, paced")
	fs.DurationVar(&c.purgeTimeout, "purge-timeout", 15*time.Minute, "purge-reads: the longest the purge may run")
	fs.IntVar(&c.jobRows, "job-rows", 100_000, "job-reads: trashed items (one row each) the emptied Trash's job removes")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	for _, w := range strings.Split(*workloads, ",") {
		if w = strings.TrimSpace(w); w == "" {
			continue
		}
		if !slices.Contains(allWorkloads, w) {
			return c, usageError{fmt.Sprintf("unknown workload %q", w)}
		}
		c.workloads = append(c.workloads, w)
	}
	switch {
	case c.duration <= 0 || c.duration > 10*time.Minute:
		return c, usageError{"--duration must be between 0 and 10m"}
	case c.warmup < 0 || c.warmup > time.Minute:
		return c, usageError{"--warmup must be between 0 and 1m"}
	case c.conns < 1 || c.conns > 1024:
		return c, usageError{"--connections must be from 1 to 1024"}
	case c.rounds < 1 || c.rounds > 20:
		return c, usageError{"--rounds must be from 1 to 20"}
	case c.items < 0 || c.bulkSize < 1 || c.bulkSize > 1000:
		return c, usageError{"--items cannot be negative and --bulk-size must be from 1 to 1000"}
	case c.seedOnly && c.db == "":
		return c, usageError{"--seed-only needs --db"}
	case c.path != "" && c.base == "":
		return c, usageError{"--path needs --base"}
	case c.pid != 0 && c.base == "":
		return c, usageError{"--pid needs --base (in-process, the tool samples its own RSS)"}
	case c.purgeReadRate <= 0:
		return c, usageError{"--purge-read-rate must be positive"}
	case c.instances < 0 || c.instances > 16:
		return c, usageError{"--instances must be from 1 to 16"}
	case c.users < 1 || c.users > 1000:
		return c, usageError{"--users must be from 1 to 1000"}
	case c.instances > 0 && c.postgres == "":
		return c, usageError{"--instances needs --postgres URL (a loopback PostgreSQL server)"}
	case c.instances > 0 && (c.base != "" || c.baseline != "" || c.db != "" || c.seedOnly):
		return c, usageError{"--instances starts its own servers: it takes no --base, --baseline, --db or --seed-only"}
	}
	if c.instances > 0 {
		if err := checkLoopbackPostgres(c.postgres); err != nil {
			return c, usageError{err.Error()}
		}
		if !isSet(fs, "workloads") {
			c.workloads = scaleWorkloads
		}
		for _, w := range c.workloads {
			if w == "trash-restore" || w == "purge-reads" || w == "job-reads" {
				return c, usageError{fmt.Sprintf("--instances does not run %s (its check counts one trash event per trashed item)", w)}
			}
		}
	}
	for _, u := range []string{c.base, c.baseline} {
		if u == "" {
			continue
		}
		if err := checkLoopbackURL(u); err != nil {
			return c, usageError{err.Error()}
		}
	}
	return c, nil
}

// idRange is a FIRST:LAST flag.
type idRange struct{ first, last int64 }

func (r *idRange) String() string {
	if r == nil || (r.first == 0 && r.last == 0) {
		return ""
	}
	return fmt.Sprintf("%d:%d", r.first, r.last)
}

func (r *idRange) Set(v string) error {
	a, b, ok := strings.Cut(v, ":")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || first < 1 || last < first {
		return errors.New("want FIRST:LAST, two ids with FIRST ≤ LAST")
	}
	r.first, r.last = first, last
	return nil
}

// headerList is a repeatable 'Name: value' flag.
type headerList [][2]string

func (h *headerList) String() string { return fmt.Sprint(len(*h), " headers") }

func (h *headerList) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return errors.New("want 'Name: value'")
	}
	*h = append(*h, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
	return nil
}

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

var errHelp = errors.New("help")

func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "shelf-load:", err)
		return 2
	}
	fmt.Fprintln(stderr, "shelf-load:", err)
	return 1
}

// isSet reports whether the command line gave the flag.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
