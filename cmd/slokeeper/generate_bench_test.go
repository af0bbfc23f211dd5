package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"github.com/slokeeper/slokeeper/internal/specgen"
)

// benchLayouts are the sizes BenchmarkGenerateEndToEnd measures: 1000 and
// 10 000 SLOs, in files of 10 SLOs (many files) and in one file.
var benchLayouts = []specgen.Layout{
	{Files: 100, PerFile: 10},
	{Files: 1, PerFile: 1000},
	{Files: 1000, PerFile: 10},
	{Files: 1, PerFile: 10000},
}

// BenchmarkGenerateEndToEnd measures `slokeeper generate` as a user runs it:
// spec files in, rule files out, through run(), the CLI's own entry point.
// Reported per SLO: ns/slo and B/slo (bytes allocated); peak-RSS-MiB is the
// peak resident memory of one `generate` run in a process of its own (this
// test binary re-executed), the figure /usr/bin/time reports.
func BenchmarkGenerateEndToEnd(b *testing.B) {
	for _, l := range benchLayouts {
		in := b.TempDir()
		files, err := specgen.Write(in, specgen.Slokeeper, l)
		if err != nil {
			b.Fatal(err)
		}
		outs := b.TempDir()
		b.Run(fmt.Sprintf("slos=%d/files=%d", l.SLOs(), l.Files), func(b *testing.B) {
			b.ReportAllocs()
			before := allocated()
			for i := 0; b.Loop(); i++ {
				// A new directory each time, as on a first run: replacing files costs the file system more.
				args := append([]string{"generate", "-o", filepath.Join(outs, strconv.Itoa(i))}, files...)
				var out, errOut bytes.Buffer
				if code := run(args, &out, &errOut); code != 0 {
					b.Fatalf("generate exited %d: %s", code, errOut.String())
				}
			}
			n := float64(b.N) * float64(l.SLOs())
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/slo")
			b.ReportMetric(float64(allocated()-before)/n, "B/slo")
			b.ReportMetric(peakRSS(b, append([]string{"generate", "-o", filepath.Join(outs, "rss")}, files...)), "peak-RSS-MiB")
		})
	}
}

// allocated is the bytes allocated by the process so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// peakRSS runs the CLI with args in a child process (this test binary, see
// TestMain) and returns its peak resident set in MiB.
func peakRSS(b *testing.B, args []string) float64 {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), runAsCLI+"=1")
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &errOut
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %v: %v: %s", filepath.Base(exe), args[0], err, errOut.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Skip("no rusage on this platform")
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}
