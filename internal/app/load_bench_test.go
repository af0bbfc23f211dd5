package app

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLoadSpecs measures what the daemon does with 1,000 SLOs (10 spec files of 100) before its first
// evaluation: read and check the specs, generate their rule groups and hand them to the rules manager, which
// parses every expression. start-cpu-ms is the CPU time (user and system, every core) of New, the daemon's
// start without history; reload-cpu-ms is that of one Reload after a spec file with one more SLO appeared or
// went, which redoes all of it; unchanged-reload-cpu-ms that of a Reload that finds the same SLOs. Target:
// under 1000 each.
func BenchmarkLoadSpecs(b *testing.B) {
	dir := b.TempDir()
	writeBenchSpecs(b, filepath.Join(dir, "specs"))
	before := processCPU(b)
	a, err := New(Options{SpecFiles: []string{filepath.Join(dir, "specs", "*.yaml")}, StoragePath: filepath.Join(dir, "data"), ListenAddress: "127.0.0.1:0", WatchInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	start := processCPU(b) - before
	if n := len(a.running.Running().slos); n != benchFiles*benchSLOsPerFile {
		b.Fatalf("loaded %d SLOs, want %d", n, benchFiles*benchSLOsPerFile)
	}
	extra := filepath.Join(dir, "specs", "extra.yaml")
	var changed, unchanged time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			body := "apiVersion: slokeeper/v1\nservice: extra\nowner: team\nlayer: service\nslos:\n  - name: one\n    objective: 99\n" +
				"    sli:\n      events:\n        errors: x_total{code=\"500\"}\n        total: x_total\n"
			if err := os.WriteFile(extra, []byte(body), 0o644); err != nil {
				b.Fatal(err)
			}
		} else if err := os.Remove(extra); err != nil {
			b.Fatal(err)
		}
		before := processCPU(b)
		if err := a.Reload(); err != nil {
			b.Fatal(err)
		}
		mid := processCPU(b)
		if err := a.Reload(); err != nil {
			b.Fatal(err)
		}
		changed, unchanged = changed+mid-before, unchanged+processCPU(b)-mid
	}
	b.ReportMetric(float64(start.Milliseconds()), "start-cpu-ms")
	b.ReportMetric(float64(changed.Milliseconds())/float64(b.N), "reload-cpu-ms")
	b.ReportMetric(float64(unchanged.Milliseconds())/float64(b.N), "unchanged-reload-cpu-ms")

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run only to close what New opened
	if err := a.Run(ctx); err != nil {
		b.Fatal(err)
	}
}

// processCPU is the CPU time the process has used so far, user and system.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
