package generate

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// benchSLOs returns n SLOs, a mix of every SLI kind and of periods.
func benchSLOs(n int) []*slo.SLO {
	kinds := []slo.SLIKind{slo.SLIEvents, slo.SLILatency, slo.SLIEvents, slo.SLINativeLatency, slo.SLIProbe, slo.SLIRaw}
	periods := []time.Duration{30 * 24 * time.Hour, 28 * 24 * time.Hour, 7 * 24 * time.Hour, 90 * 24 * time.Hour}
	out := make([]*slo.SLO, n)
	for i := range out {
		s := testSLO(kinds[i%len(kinds)], periods[i%len(periods)])
		s.Service = fmt.Sprintf("svc-%d", i/10)
		s.Name = fmt.Sprintf("slo-%d", i)
		if i%3 == 0 {
			s.Grouping = []string{"route"}
		}
		out[i] = s
	}
	return out
}

// BenchmarkGenerate measures what `slokeeper generate` does per SLO: build
// the rule groups and render them as YAML. Reported per SLO: ns/slo and
// B/slo (allocated bytes).
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		slos := benchSLOs(n)
		b.Run(fmt.Sprintf("slos=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var bytesOut int
			before := allocated()
			for b.Loop() {
				bytesOut = 0
				for c := range slices.Chunk(slos, 32) { // as the CLI renders
					bytesOut += len(Chunk(c, Options{}, FormatPrometheus))
				}
			}
			reportPerSLO(b, n, allocated()-before)
			b.ReportMetric(float64(bytesOut)/float64(n), "output-B/slo")
		})
	}
}

func reportPerSLO(b *testing.B, n int, bytes uint64) {
	b.Helper()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/slo")
	b.ReportMetric(float64(bytes)/float64(b.N)/float64(n), "B/slo")
}

// allocated is the bytes allocated by the process so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
