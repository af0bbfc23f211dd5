package generate

import (
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// probeRates counts samples of a 0/1 gauge: every sample is an event, a 0 a
// bad one. Dividing by the window gives per-second rates like the others.
func probeRates(s *slo.SLO, w time.Duration) (string, string) {
	r := rangeOf(s.SLI.Success, w)
	total := sumBy("sum", s.Grouping, "count_over_time("+r+")") + " / " + seconds(w)
	bad := sumBy("sum", s.Grouping, "count_over_time("+r+") - sum_over_time("+r+")") + " / " + seconds(w)
	return bad, total
}
