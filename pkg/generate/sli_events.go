package generate

import (
	"cmp"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// eventsRates: a selector becomes sum(rate(selector[w])); a query with
// {{.window}} is expanded and summed.
func eventsRates(s *slo.SLO, w time.Duration, recTotal string) (string, string) {
	rate := func(q string) string {
		if slo.HasWindow(q) {
			return sumBy("sum", s.Grouping, slo.ExpandWindow(q, w))
		}
		return sumBy("sum", s.Grouping, "rate("+rangeOf(q, w)+")")
	}
	total := rate(s.SLI.Total)
	like := cmp.Or(recTotal, total)
	if s.SLI.Errors != "" {
		return orZero(rate(s.SLI.Errors), like), total
	}
	// Bad = all - good; no good events at all means every event was bad.
	return "clamp_min(" + like + " - (" + orZero(rate(s.SLI.Good), like) + "), 0)", total
}
