package sliprobe

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// BenchmarkRound measures a full round (every selector due, as at load and reload) over the daemon's embedded
// TSDB with the load benchmark's shape: 1,000 SLOs, each reading its own selector of 50 series × 2 codes with
// samples over the last minutes. ns/op is the round; per-selector-us is what each selector cost.
func BenchmarkRound(b *testing.B) {
	st := openStorage(b)
	var slos []*slo.SLO
	var series []labels.Labels
	for i := range 1000 {
		name := fmt.Sprintf("s%04d", i)
		for inst := range 50 {
			for _, code := range []string{"200", "500"} {
				series = append(series, labels.FromStrings("__name__", "bench_requests_total", "slo", name, "instance", strconv.Itoa(inst), "code", code))
			}
		}
		slos = append(slos, events("svc", name, `bench_requests_total{slo="`+name+`",code="500"}`, `bench_requests_total{slo="`+name+`"}`))
	}
	appendSeries(b, st, series...)
	m := New(Options{Queryable: st.Queryable(), Remotes: st.Remotes})
	for i := 0; b.Loop(); i++ {
		m.SetSLOs(slos, strconv.Itoa(i)) // new sources: everything due
		if errs := m.round(b.Context(), now); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
	for _, s := range slos {
		if r, ok := m.Report(s.Service, s.Name); !ok || len(r.Missing) > 0 {
			b.Fatalf("%s: %+v", s.ID(), r)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "per-selector-us")
}
