package app

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// loadClients is how many clients BenchmarkDaemonUnderLoad runs at once, each sending its next request as soon
// as the last one is answered.
const loadClients = 50

// BenchmarkDaemonUnderLoad runs the `slokeeper run` binary on the 1,000 SLOs of BenchmarkDaemonProcessRSS and,
// once it is ready and backfilled, 50 clients for SLOKEEPER_BENCH_LOAD_SECONDS (default 60) asking, in turn,
// /metrics (gzip, as Prometheus scrapes), /api/v1/slos and the deploy gate of a service. It reports the errors,
// the median and 99th percentile latency of each endpoint, and the highest resident memory during the load.
// Targets (issue 19): no errors, /metrics p99 under 200 ms, RSS under 256 MiB.
func BenchmarkDaemonUnderLoad(b *testing.B) {
	bin, specs, data, want := prepareBenchProcess(b)
	seconds := 60
	if v, err := strconv.Atoi(os.Getenv("SLOKEEPER_BENCH_LOAD_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	var done bool
	for b.Loop() {
		if done {
			continue
		}
		done = true
		runBenchProcess(b, bin, specs, data, want, func(addr string, pid int) {
			loadDaemon(b, addr, pid, time.Duration(seconds)*time.Second)
		})
	}
}

// loadDaemon runs loadClients clients against addr for d and reports what BenchmarkDaemonUnderLoad promises.
func loadDaemon(b *testing.B, addr string, pid int, d time.Duration) {
	paths := []string{"/metrics", "/api/v1/slos", "/api/v1/gate/svc-07"}
	var (
		mtx       sync.Mutex
		latencies = map[string][]time.Duration{}
		errs      = map[string]int{}
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadClients, DisableCompression: true}, Timeout: 30 * time.Second}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range loadClients {
		wg.Go(func() {
			for n := i; time.Now().Before(deadline); n++ {
				path := paths[n%len(paths)]
				req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				start := time.Now()
				resp, err := client.Do(req)
				ok := err == nil
				if ok {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = err == nil && resp.StatusCode == http.StatusOK
				}
				took := time.Since(start)
				mtx.Lock()
				latencies[path] = append(latencies[path], took)
				if !ok {
					errs[path]++
				}
				mtx.Unlock()
			}
		})
	}
	var rssMax, anonMax float64
	for time.Now().Before(deadline) {
		st := procStatus(b, fmt.Sprintf("/proc/%d/status", pid))
		rssMax, anonMax = max(rssMax, st["VmRSS"]), max(anonMax, st["RssAnon"])
		time.Sleep(time.Second) // the sampling rate of the memory under load, not a wait for a state
	}
	if p := os.Getenv("SLOKEEPER_BENCH_HEAPPROFILE"); p != "" {
		if resp, err := http.Get("http://" + addr + "/debug/pprof/heap"); err == nil {
			prof, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_ = os.WriteFile(p, prof, 0o644)
		}
	}
	wg.Wait()
	total := 0
	for _, path := range paths {
		l := latencies[path]
		slices.Sort(l)
		q := func(p float64) time.Duration { return l[min(len(l)-1, int(p*float64(len(l))))] }
		name := map[string]string{"/metrics": "metrics", "/api/v1/slos": "slos", "/api/v1/gate/svc-07": "gate"}[path]
		b.ReportMetric(float64(q(0.5).Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(q(0.99).Microseconds())/1000, name+"-p99-ms")
		b.Logf("%s: %d requests, %d errors, p50 %s, p99 %s, max %s", path, len(l), errs[path], q(0.5), q(0.99), l[len(l)-1])
		total += errs[path]
	}
	b.ReportMetric(float64(total), "errors")
	b.ReportMetric(rssMax, "rss-max-MiB")
	b.ReportMetric(anonMax, "rss-anon-max-MiB") // the rest is file-backed: TSDB chunks and the executable
}
