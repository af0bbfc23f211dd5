package app

// BenchmarkDaemonRSS checks the daemon's memory target: with 1,000 SLOs, `slokeeper run` stays under 256 MiB of
// resident memory (run by `make bench`).
//
// It writes 1,000 SLOs as 10 spec files of 100 and a TSDB directory holding their steady state (the same as the
// evaluator's benchmarks: per SLO, 100 raw counters over the last 15 minutes, the base rates over the last 13
// tiles, the tiles over the whole 30-day period; one block written with tsdb.NewBlockWriter), then runs the
// whole daemon on them, in-process, until it is ready (the first cycle: budget groups run every minute, so up to
// about a minute) and its backfill is done (with the tiles present it only fills the gap since the last recorded
// sample). Then it reads the process' resident memory from /proc/self/status.
//
// The benchmark process also holds the test binary and what the set-up left on its heap, so the figures are an
// upper bound of the daemon's. The set-up's own peak (writing the block) is excluded from peak-rss-MiB by
// resetting the high-water mark (/proc/self/clear_refs) before the daemon starts. rss-MiB counts mapped TSDB
// files too (block chunks and index read by the rules); rss-anon-MiB is the process' own memory.
//
// The daemon runs once: the work happens in the first iteration of b.Loop and ns/op is meaningless beyond
// -benchtime=1x (with 1x it is the daemon's time from start until ready and backfilled, as is ready-s).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/slokeeper/slokeeper/internal/e2etest"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

const (
	benchFiles       = 10
	benchSLOsPerFile = 100
	benchMetric      = "bench_requests_total"
	benchInstances   = 50
	benchScrape      = 15 * time.Second
	benchInterval    = 30 * time.Second // the default evaluation interval
	// benchSettleSamples is how many times, a second apart, BenchmarkDaemonProcessRSS reads the daemon's memory.
	benchSettleSamples = 60
)

// BenchmarkDaemonRSS runs the daemon on 1,000 SLOs and reports its resident memory once it is ready and
// backfilled. Target: rss-MiB under 256.
func BenchmarkDaemonRSS(b *testing.B) {
	dir := b.TempDir()
	files := writeBenchSpecs(b, filepath.Join(dir, "specs"))
	slos, err := spec.Load(files)
	if err != nil {
		b.Fatal(err)
	}
	if len(slos) != benchFiles*benchSLOsPerFile {
		b.Fatalf("loaded %d SLOs, want %d", len(slos), benchFiles*benchSLOsPerFile)
	}
	data := filepath.Join(dir, "data")
	written := writeBenchHistory(b, data, slos, time.Now())
	b.Logf("wrote %d SLOs in %d spec files and %d samples of history", len(slos), len(files), written)

	var done bool
	for b.Loop() {
		if done {
			continue
		}
		done = true
		runBenchDaemon(b, files, data)
	}
}

// BenchmarkDaemonProcessRSS measures the daemon as it runs in production: the `slokeeper run` binary, built from
// this module, started as its own process on the same 1,000 SLOs and TSDB directory as BenchmarkDaemonRSS, and
// watched over HTTP (/api/v1/status, /api/v1/slos) until it is ready, backfilled and reports every budget. Its
// resident memory is read from /proc/PID/status: no benchmark harness, test binary or set-up leftovers in it.
// Target: rss-MiB under 256.
func BenchmarkDaemonProcessRSS(b *testing.B) {
	bin, specs, data, want := prepareBenchProcess(b)
	var done bool
	for b.Loop() {
		if done {
			continue
		}
		done = true
		runBenchProcess(b, bin, specs, data, want, nil)
	}
}

// prepareBenchProcess writes the 1,000 SLOs and their history and builds the binary: what runBenchProcess runs.
func prepareBenchProcess(b *testing.B) (bin, specs, data string, want int) {
	dir := b.TempDir()
	files := writeBenchSpecs(b, filepath.Join(dir, "specs"))
	slos, err := spec.Load(files)
	if err != nil {
		b.Fatal(err)
	}
	data = filepath.Join(dir, "data")
	writeBenchHistory(b, data, slos, time.Now())
	bin = filepath.Join(dir, "slokeeper")
	build := exec.CommandContext(b.Context(), "go", "build", "-o", bin, "./cmd/slokeeper")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin, filepath.Join(dir, "specs", "*.yaml"), data, len(slos)
}

// runBenchProcess starts the binary on specs and data and waits until it is ready, backfilled and reports want
// budgets. Then it runs load with the daemon's address and process id when load is not nil, or else samples the
// daemon's memory for a minute.
func runBenchProcess(b *testing.B, bin, specs, data string, want int, load func(addr string, pid int)) {
	start := time.Now()
	cmd, addr, exited, logs, stop := startBenchProcess(b, bin, specs, data)
	defer stop()

	get := func(path string, v any) bool {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var body struct {
			Data json.RawMessage `json:"data"`
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
			return false
		}
		return json.Unmarshal(body.Data, v) == nil
	}
	var status struct {
		Ready           bool `json:"ready"`
		BackfillPending int  `json:"backfill_pending"`
	}
	var slos []struct {
		Service         string   `json:"service"`
		SLO             string   `json:"slo"`
		BudgetRemaining *float64 `json:"budget_remaining"`
		Coverage        float64  `json:"coverage"`
	}
	settled := func() bool {
		if !get("/api/v1/status", &status) || !status.Ready || status.BackfillPending > 0 || !get("/api/v1/slos", &slos) || len(slos) != want {
			return false
		}
		for _, s := range slos {
			if s.BudgetRemaining == nil {
				return false
			}
		}
		return true
	}
	deadline := time.After(5 * time.Minute)
	for !settled() {
		select {
		case err := <-exited:
			exited <- err
			b.Fatalf("slokeeper run exited: %v\n%s", err, logs.String())
		case <-deadline:
			b.Fatalf("not ready, backfilled and with every budget within 5 minutes (status %+v, %d SLOs)\n%s", status, len(slos), logs.String())
		case <-time.After(500 * time.Millisecond):
		}
	}
	ready := time.Since(start)
	for _, s := range slos {
		if s.Coverage < 0.99 || math.Abs(*s.BudgetRemaining-0.5) > 0.1 {
			b.Fatalf("%s/%s: coverage %g, budget remaining %g: want 1 and 0.5", s.Service, s.SLO, s.Coverage, *s.BudgetRemaining)
		}
	}
	if load != nil {
		load(addr, cmd.Process.Pid)
		return
	}
	// Resident memory moves with the garbage collector's cycles: sample it every second for a minute after the
	// daemon settled (two budget evaluations, four of the sli groups), and report the median and the highest.
	var rss, anon []float64
	var st map[string]float64
	for range benchSettleSamples {
		st = procStatus(b, fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		rss, anon = append(rss, st["VmRSS"]), append(anon, st["RssAnon"])
		time.Sleep(time.Second) // the sampling rate, not a wait for a state

	}
	slices.Sort(rss)
	slices.Sort(anon)
	if p := os.Getenv("SLOKEEPER_BENCH_HEAPPROFILE"); p != "" {
		resp, err := http.Get("http://" + addr + "/debug/pprof/heap")
		if err != nil {
			b.Fatal(err)
		}
		prof, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, prof, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	mapped := fileRSS(b, fmt.Sprintf("/proc/%d/smaps", cmd.Process.Pid), data, bin)
	b.ReportMetric(rss[len(rss)/2], "rss-MiB")
	b.ReportMetric(rss[len(rss)-1], "rss-max-MiB")
	b.ReportMetric(anon[len(anon)/2], "rss-anon-MiB")
	b.ReportMetric(st["VmHWM"], "peak-rss-since-start-MiB")
	b.ReportMetric(mapped.tsdb, "rss-tsdb-files-MiB")
	b.ReportMetric(mapped.executable, "rss-executable-MiB")
	b.ReportMetric(ready.Seconds(), "ready-s")
	b.Logf("slokeeper run with %d SLOs: ready, backfilled and with every budget %s after start; over the next %d s VmRSS median %.0f MiB, max %.0f (anon median %.0f, max %.0f); at the end file-backed %.0f MiB (TSDB files %.0f, executable %.0f, other %.0f), VmHWM since start %.0f MiB",
		want, ready.Round(time.Millisecond), benchSettleSamples, rss[len(rss)/2], rss[len(rss)-1], anon[len(anon)/2], anon[len(anon)-1],
		st["RssFile"], mapped.tsdb, mapped.executable, mapped.other, st["VmHWM"])
}

// startBenchProcess starts `slokeeper run` (bin) on specs and data, on 127.0.0.1:0, and returns once it has said
// where it listens; stop sends it SIGTERM and waits for it. exited receives its exit (and is given it back).
func startBenchProcess(b *testing.B, bin, specs, data string) (cmd *exec.Cmd, addr string, exited chan error, logs *e2etest.SyncBuffer, stop func()) {
	logs = &e2etest.SyncBuffer{}
	// At log level info, the daemon says where it listens: on a port of its own choosing.
	cmd = exec.Command(bin, "run", "--spec.files="+specs, "--storage.path="+data, "--web.listen-address=127.0.0.1:0",
		"--spec.watch-interval=0", "--log.level=info")
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				b.Errorf("slokeeper run: %v\n%s", err, logs.String())
			}
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			b.Error("slokeeper run did not stop within a minute of SIGTERM")
		}
	}
	listening, cancel := context.WithTimeout(b.Context(), time.Minute)
	defer cancel()
	go func() {
		select {
		case err := <-exited:
			exited <- err
			cancel()
		case <-listening.Done():
		}
	}()
	addr, err := e2etest.DaemonAddress(listening, logs)
	if err != nil {
		stop()
		b.Fatalf("slokeeper run reported no address: %v\n%s", err, logs.String())
	}
	return cmd, addr, exited, logs, stop
}

// runBenchDaemon runs the daemon on the spec files and the storage until it is ready and backfilled, reports its
// memory, and stops it.
func runBenchDaemon(b *testing.B, files []string, data string) {
	// The runtime defaults `slokeeper run` applies (GOGC=50 unless set in the environment).
	TuneRuntime(promslog.NewNopLogger(), DefaultMemoryLimitRatio)
	runtime.GC()
	debug.FreeOSMemory()
	peakReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	if !peakReset {
		b.Log("couldn't reset the peak RSS: peak-rss-MiB includes the set-up")
	}
	before := procStatus(b, "/proc/self/status")

	start := time.Now()
	a, err := New(Options{SpecFiles: files, StoragePath: data, ListenAddress: "127.0.0.1:0", WatchInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				b.Error(err)
			}
		case <-time.After(time.Minute):
			b.Error("Run did not return within a minute of cancel")
		}
	}
	defer stop()

	deadline := time.After(5 * time.Minute)
	for !a.Ready() || a.evaluator.Pending() > 0 {
		select {
		case err := <-runErr:
			stopped = true
			b.Fatalf("the daemon stopped: %v", err)
		case <-deadline:
			b.Fatalf("not ready and backfilled within 5 minutes (ready %t, backfill pending %d)", a.Ready(), a.evaluator.Pending())
		case <-time.After(100 * time.Millisecond):
		}
	}
	ready := time.Since(start)
	// The budget group reads the period the backfill records at the newest tile: an SLO backfilled after its
	// budget group's last evaluation has its budget at the next one, within a minute.
	// (Polled: the daemon notifies no one of a new snapshot.)
	budgetsKnown := time.NewTimer(90 * time.Second)
	defer budgetsKnown.Stop()
	poll := time.NewTicker(500 * time.Millisecond)
	defer poll.Stop()
	for waiting := true; waiting && !benchBudgetsKnown(a); {
		select {
		case <-poll.C:
		case <-budgetsKnown.C:
			waiting = false // checkBenchDaemon says what is missing
		}
	}
	checkBenchDaemon(b, a, len(files)*benchSLOsPerFile)

	runtime.GC()
	status := procStatus(b, "/proc/self/status")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(status["VmRSS"], "rss-MiB")
	b.ReportMetric(status["RssAnon"], "rss-anon-MiB")
	// What the process held before the daemon started: the test binary and the set-up's leftovers.
	b.ReportMetric(before["VmRSS"], "rss-before-start-MiB")
	if peakReset {
		b.ReportMetric(status["VmHWM"], "peak-rss-MiB")
	}
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-inuse-MiB")
	b.ReportMetric(float64(ms.StackInuse)/(1<<20), "stack-inuse-MiB")
	b.ReportMetric(float64(ms.HeapIdle-ms.HeapReleased)/(1<<20), "heap-idle-unreleased-MiB")
	b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
	b.ReportMetric(ready.Seconds(), "ready-s")
	if p := os.Getenv("SLOKEEPER_BENCH_HEAPPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	mapped := fileRSS(b, "/proc/self/smaps", data, exe)
	b.ReportMetric(mapped.tsdb, "rss-tsdb-files-MiB")
	b.Logf("before start: VmRSS %.0f MiB (anon %.0f)", before["VmRSS"], before["RssAnon"])
	b.Logf("ready and backfilled %s after start; VmRSS %.0f MiB (anon %.0f, file %.0f: TSDB files %.0f, executable %.0f, other %.0f), VmHWM %.0f MiB, Go heap in use %.0f MiB",
		ready.Round(time.Millisecond), status["VmRSS"], status["RssAnon"], status["RssFile"], mapped.tsdb, mapped.executable, mapped.other,
		status["VmHWM"], float64(ms.HeapInuse)/(1<<20))
	stop()
}

// checkBenchDaemon fails the benchmark unless every rule evaluated so far is healthy and every SLO's budget is what
// the written history says: the whole period covered, half the budget spent.
func benchBudgetsKnown(a *App) bool {
	snap := a.Snapshot()
	if snap == nil {
		return false
	}
	for _, s := range snap.SLOs {
		if math.IsNaN(s.BudgetRemaining) {
			return false
		}
	}
	return true
}

func checkBenchDaemon(b *testing.B, a *App, want int) {
	b.Helper()
	for _, g := range a.evaluator.Health() {
		for _, r := range g.Rules {
			if r.Health == rules.HealthBad {
				b.Fatalf("group %s rule %s: %s", g.Name, r.Name, r.LastError)
			}
		}
	}
	snap := a.Snapshot()
	if snap == nil || len(snap.SLOs) != want {
		b.Fatalf("want a snapshot of %d SLOs, got %v", want, snap)
	}
	for _, s := range snap.SLOs {
		if s.Coverage < 0.99 || math.Abs(s.BudgetRemaining-0.5) > 0.1 {
			b.Fatalf("%s/%s: coverage %g, budget remaining %g: want 1 and 0.5", s.Service, s.SLO, s.Coverage, s.BudgetRemaining)
		}
	}
}

// procStatus returns the memory fields (kB) of a /proc/PID/status file in MiB.
func procStatus(b *testing.B, path string) map[string]float64 {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(value)
		if !ok || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			b.Fatal(err)
		}
		out[name] = kb / 1024
	}
	for _, f := range []string{"VmRSS", "VmHWM", "RssAnon", "RssFile"} {
		if _, ok := out[f]; !ok {
			b.Fatalf("/proc/self/status has no %s", f)
		}
	}
	return out
}

type benchFileMemory struct{ tsdb, executable, other float64 } // MiB

// fileRSS splits the resident memory of the file mappings in a /proc/PID/smaps file into the TSDB's files under
// dataDir (block chunks and index, the head's chunks), the executable exe and the rest.
func fileRSS(b *testing.B, smaps, dataDir, exe string) benchFileMemory {
	b.Helper()
	data, err := os.ReadFile(smaps)
	if err != nil {
		b.Fatal(err)
	}
	var out benchFileMemory
	var current *float64
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			// A mapping: address perms offset dev inode [path].
			current = nil
			if len(fields) >= 6 && fields[4] != "0" {
				switch path := strings.Join(fields[5:], " "); {
				case strings.HasPrefix(path, dataDir):
					current = &out.tsdb
				case path == exe:
					current = &out.executable
				default:
					current = &out.other
				}
			}
		case len(fields) == 3 && fields[0] == "Rss:" && current != nil:
			kb, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				b.Fatal(err)
			}
			*current += kb / 1024
		}
	}
	return out
}

// writeBenchSpecs writes benchFiles spec files of benchSLOsPerFile events SLOs of 30 days each, one service per
// file, into dir and returns their paths.
func writeBenchSpecs(b *testing.B, dir string) []string {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var files []string
	for f := range benchFiles {
		var sb strings.Builder
		fmt.Fprintf(&sb, "apiVersion: slokeeper/v1\nservice: svc-%02d\nowner: team-%02d\nlayer: service\nslos:\n", f, f)
		for i := range benchSLOsPerFile {
			name := fmt.Sprintf("s%04d", f*benchSLOsPerFile+i)
			fmt.Fprintf(&sb, `  - name: %[1]s
    objective: 99.9
    period: 30d
    sli:
      events:
        errors: %[2]s{slo="%[1]s",code="500"}
        total: %[2]s{slo="%[1]s"}
`, name, benchMetric)
		}
		path := filepath.Join(dir, fmt.Sprintf("svc-%02d.yaml", f))
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, path)
	}
	return files
}

// writeBenchHistory writes the steady state of slos, ending before ts, as one TSDB block in dir and returns the
// number of samples written. Per SLO: 50 instances × 2 codes of raw counters scraped every 15s over the base
// window and 10 minutes more, about 20 requests per second per instance of which 1 in 2,000 fail (a burn rate of
// 0.5 at 99.9%); the base rates the rules record from them every 30s over the last 13 tiles; the tiles over the
// period. Values carry some noise: constant series compress better than real ones.
func writeBenchHistory(b *testing.B, dir string, slos []*slo.SLO, ts time.Time) int {
	b.Helper()
	longest := time.Duration(0)
	for _, s := range slos {
		longest = max(longest, s.Period)
	}
	return e2etest.WriteBlock(b, dir, longest+24*time.Hour, func(ctx context.Context, w *tsdb.BlockWriter) int {
		n := 0
		for i, s := range slos {
			app := w.AppenderV2(ctx)
			k, err := appendBenchSLO(app, s, uint64(i), ts)
			n += k
			if err != nil {
				b.Fatalf("%s: %v", s.ID(), err)
			}
			if err := app.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		return n
	})
}

func appendBenchSLO(app promstorage.AppenderV2, s *slo.SLO, seed uint64, ts time.Time) (int, error) {
	o := generate.Options{}
	win := o.Windows(s.Period)
	var recordedLabels labels.Labels
	for _, r := range generate.SLOGroups(s, o)[0].Rules {
		if r.Record == c.ErrorRate(win.Base) {
			recordedLabels = labels.FromMap(r.Labels)
		}
	}
	if recordedLabels.IsEmpty() {
		return 0, fmt.Errorf("no rule records %s", c.ErrorRate(win.Base))
	}
	n := 0
	// appendSeries appends count samples step apart, the last at last.
	appendSeries := func(ls labels.Labels, last time.Time, step time.Duration, count int, value func(k int) float64) error {
		first := last.Add(-time.Duration(count-1) * step)
		var ref promstorage.SeriesRef
		for k := range count {
			var err error
			if ref, err = app.Append(ref, ls, 0, first.Add(time.Duration(k)*step).UnixMilli(), value(k), nil, nil, promstorage.AOptions{}); err != nil {
				return fmt.Errorf("%s: %w", ls, err)
			}
			n++
		}
		return nil
	}

	scrapes := int((win.Base + 10*time.Minute) / benchScrape)
	for inst := range benchInstances {
		for _, code := range []string{"200", "500"} {
			ls := labels.FromStrings(labels.MetricName, benchMetric, "code", code, "instance", fmt.Sprintf("i%02d", inst), "slo", s.Name)
			h := seed<<32 | uint64(inst)<<1
			counter := float64(1000 + 7*inst)
			increment := func(u uint64) float64 { // a failure in 15% of the scrapes: 0.01/s
				if u%100 < 15 {
					return 1
				}
				return 0
			}
			if code == "200" {
				h |= 1
				increment = func(u uint64) float64 { return float64(270 + u%61) } // 20/s
			}
			if err := appendSeries(ls, ts.Add(-5*time.Second), benchScrape, scrapes, func(k int) float64 {
				counter += increment(benchMix(h, uint64(k)))
				return counter
			}); err != nil {
				return n, err
			}
		}
	}

	recorded := func(name string) labels.Labels {
		lb := labels.NewBuilder(recordedLabels)
		lb.Set(labels.MetricName, name)
		return lb.Labels()
	}
	noisy := func(ls labels.Labels, mean, spread float64) func(k int) float64 {
		h := labels.StableHash(ls)
		return func(k int) float64 { return mean * (1 - spread + 2*spread*float64(benchMix(h, uint64(k))%1000)/1000) }
	}
	const errRate, totalRate = 0.01 * benchInstances, 20.01 * benchInstances
	bases := int(13 * win.Tile / benchInterval)
	tiles := int(s.Period/win.Tile) - 1
	for _, r := range []struct {
		ls           labels.Labels
		step         time.Duration
		count        int
		mean, spread float64
	}{
		{recorded(c.ErrorRate(win.Base)), benchInterval, bases, errRate, 0.3},
		{recorded(c.TotalRate(win.Base)), benchInterval, bases, totalRate, 0.05},
		{recorded(c.ErrorRate(win.Tile)), win.Tile, tiles, errRate, 0.1},
		{recorded(c.TotalRate(win.Tile)), win.Tile, tiles, totalRate, 0.02},
	} {
		if err := appendSeries(r.ls, ts.Add(-r.step), r.step, r.count, noisy(r.ls, r.mean, r.spread)); err != nil {
			return n, err
		}
	}
	return n, nil
}

// benchMix is SplitMix64's finaliser over two inputs: cheap, deterministic noise.
func benchMix(a, b uint64) uint64 {
	z := a*0x9e3779b97f4a7c15 + b + 0x632be59bd9b4e5d9
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
