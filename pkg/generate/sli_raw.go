package generate

import (
	"time"

	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// rawRates: a raw SLI is an error ratio, not events. slokeeper treats every
// second as one event, so its "error rate" is the ratio itself and its total
// rate is 1: long windows then average the ratio over time, which is not
// traffic-weighted (docs/spec.md says so).
func rawRates(s *slo.SLO, w time.Duration, sel string) (string, string) {
	ratio := sumBy("avg", s.Grouping, slo.ExpandWindow(s.SLI.ErrorRatio, w))
	// ">= 0" drops the NaN of a query that divides by zero traffic.
	return "clamp(" + ratio + ", 0, 1) >= 0", conventions.ErrorRate(w) + sel + " * 0 + 1"
}
