package review

import (
	"math"
	"slices"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser/posrange"
)

// quantile is histogram_quantile(q, …) of the slice's observations, with PromQL's own interpolation; NaN
// without observations.
func (sl *sliceData) quantile(q float64) float64 {
	switch {
	case sl.native != nil:
		v, _ := promql.HistogramQuantile(q, sl.native, "", posrange.PositionRange{})
		return v
	case len(sl.classic) > 0:
		v, _, _, _, _, _ := promql.BucketQuantile(q, classicBuckets(sl.classic))
		return v
	}
	return math.NaN()
}

func classicBuckets(m map[float64]float64) promql.Buckets {
	bs := make(promql.Buckets, 0, len(m))
	for le, c := range m {
		bs = append(bs, promql.Bucket{UpperBound: le, Count: c})
	}
	return bs
}

// boundaries are a classic histogram's finite bucket boundaries seen in any slice, ascending.
func boundaries(ss []*sliceData) []float64 {
	seen := map[float64]bool{}
	for _, s := range ss {
		for le := range s.classic {
			if !math.IsInf(le, 0) && le > 0 {
				seen[le] = true
			}
		}
	}
	out := make([]float64, 0, len(seen))
	for le := range seen {
		out = append(out, le)
	}
	slices.Sort(out)
	return out
}

// expressible reports whether a threshold of v seconds can be written in a spec: a duration in whole
// milliseconds.
func expressible(v float64) bool {
	ms := v * 1000
	return ms >= 1 && math.Abs(ms-math.Round(ms)) < 1e-6
}

// niceThresholds are the thresholds proposed for native histograms, whose threshold may be any value: 1, 2,
// 2.5 and 5 times a power of ten, from 1ms to 500s.
func niceThresholds() []float64 {
	var out []float64
	for p := -3; p <= 2; p++ {
		for _, m := range []float64{1, 2, 2.5, 5} {
			v := m * math.Pow10(p)
			out = append(out, math.Round(v*1e3)/1e3)
		}
	}
	return out
}

// thresholdAtLeast is the smallest candidate threshold ≥ v: a bucket boundary for a classic histogram (a
// threshold between boundaries selects no bucket), a nice number for a native one. ok is false when there is
// none.
func thresholdAtLeast(v float64, classicBounds []float64, native bool) (float64, bool) {
	cands := niceThresholds()
	if !native {
		cands = classicBounds
	}
	for _, c := range cands {
		if c >= v-1e-12 && expressible(c) {
			return c, true
		}
	}
	return 0, false
}

// durationOf is a threshold in seconds as a duration.
func durationOf(v float64) time.Duration { return time.Duration(math.Round(v * float64(time.Second))) }
