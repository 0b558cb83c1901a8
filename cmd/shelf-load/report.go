package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// printHeader says when, where and how the run measures.
func printHeader(out io.Writer, c config, target string) {
	fmt.Fprintf(out, "shelf-load  %s\n", time.Now().UTC().Format(time.RFC1123))
	fmt.Fprintf(out, "machine     %d CPUs (%s), GOMAXPROCS %d, %s, load average %s\n",
		runtime.NumCPU(), cpuModel(), runtime.GOMAXPROCS(0), runtime.Version(), loadAverage())
	fmt.Fprintf(out, "target      %s\n", target)
	fmt.Fprintf(out, "load        %d connections, %s warm-up then %s per workload and target, %d round(s)\n\n",
		c.conns, c.warmup, c.duration, c.rounds)
}

// printLine prints one measurement as it completes, in a form that is easy
// to grep.
func printLine(out io.Writer, round int, r result) {
	fmt.Fprintf(out, "RESULT round=%d workload=%s target=%s requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d",
		round, r.workload, r.target, r.requests, r.rps(), ms(r.pct(50)), ms(r.pct(99)), r.errors)
	if r.perRequest > 1 {
		fmt.Fprintf(out, " items_per_s=%.0f", r.rps()*float64(r.perRequest))
	}
	if r.rssMax > 0 {
		fmt.Fprintf(out, " rss_mb=%.1f", float64(r.rssMax)/(1<<20))
	}
	if r.cpu > 0 && r.requests > 0 {
		fmt.Fprintf(out, " process_cpu_us_per_req=%.0f", float64(r.cpu.Microseconds())/float64(r.requests))
	}
	if r.commits > 0 {
		fmt.Fprintf(out, " commits=%d writes_per_commit=%.1f", r.commits, float64(r.writes)/float64(r.commits))
	}
	if r.exhausted {
		fmt.Fprint(out, " exhausted=true")
	}
	if len(r.statuses) > 0 {
		fmt.Fprintf(out, " failed_statuses=%v", r.statuses)
	}
	if r.firstErr != nil {
		fmt.Fprintf(out, " first_error=%q", r.firstErr.Error())
	}
	if r.note != "" {
		fmt.Fprintf(out, " note=%q", r.note)
	}
	fmt.Fprintln(out)
}

// printSummary prints the medians over the rounds of every workload and
// target, with Shelf's throughput as a share of the floor's and as a
// multiple of the baseline's, each taken within the same round.
func printSummary(out io.Writer, rounds [][]result) {
	type key struct{ workload, target, note string }
	var order []key
	byKey := map[key][]result{}
	floorRPS := make([]float64, len(rounds))
	baseRPS := make([]map[string]float64, len(rounds))
	for i, rs := range rounds {
		baseRPS[i] = map[string]float64{}
		for _, r := range rs {
			k := key{r.workload, r.target, r.note}
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], r)
			switch r.target {
			case "floor":
				floorRPS[i] = r.rps()
			case "baseline":
				baseRPS[i][r.workload] = r.rps()
			}
		}
	}
	fmt.Fprintf(out, "\nMedians over %d round(s); ratios are taken within each round, then the median.\n", len(rounds))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\ttarget\trequests/s\titems/s\tp50 ms\tp99 ms\terrors\tmax RSS MB\tshelf/floor\tshelf/baseline\t")
	for _, k := range order {
		rs := byKey[k]
		var rps, p50, p99, toFloor, toBase []float64
		errs, rss := 0, int64(0)
		for _, r := range rs {
			rps = append(rps, r.rps())
			p50 = append(p50, ms(r.pct(50)))
			p99 = append(p99, ms(r.pct(99)))
			errs += r.errors
			rss = max(rss, r.rssMax)
		}
		if k.target == "shelf" || k.target == "custom" {
			for i, rsRound := range rounds {
				for _, r := range rsRound {
					if r.workload != k.workload || r.target != k.target || r.note != k.note {
						continue
					}
					if floorRPS[i] > 0 {
						toFloor = append(toFloor, r.rps()/floorRPS[i])
					}
					if b := baseRPS[i][k.workload]; b > 0 {
						toBase = append(toBase, r.rps()/b)
					}
				}
			}
		}
		name := k.workload
		if k.note != "" {
			name += " (" + k.note + ")"
		}
		items := "-"
		if rs[0].perRequest > 1 {
			items = fmt.Sprintf("%.0f", median(rps)*float64(rs[0].perRequest))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%.2f\t%.2f\t%d\t%s\t%s\t%s\t\n", name, k.target, median(rps), items,
			median(p50), median(p99), errs, mb(rss), ratio(toFloor, "%.3f"), ratio(toBase, "%.1f×"))
	}
	tw.Flush()
}

func ratio(xs []float64, format string) string {
	if len(xs) == 0 {
		return "-"
	}
	return fmt.Sprintf(format, median(xs))
}

func mb(b int64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(b)/(1<<20))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
