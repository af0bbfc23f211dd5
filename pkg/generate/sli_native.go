package generate

import (
	"cmp"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// nativeLatencyRates reads a native histogram: histogram_fraction estimates
// the share under the threshold (interpolating inside the bucket that holds
// it), histogram_count the events.
func nativeLatencyRates(s *slo.SLO, w time.Duration, recTotal string) (string, string) {
	h := sumBy("sum", s.Grouping, "rate("+rangeOf(s.SLI.Histogram, w)+")")
	total := "histogram_count(" + h + ")"
	like := cmp.Or(recTotal, total)
	bad := like + " * (1 - histogram_fraction(-Inf, " + float(s.SLI.Threshold) + ", " + h + "))"
	// histogram_fraction of an empty histogram is NaN: record 0 bad events.
	return orZero("("+bad+" >= 0)", like), total
}
