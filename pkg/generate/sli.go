package generate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// baseRates returns the expressions of the per-second error and total event
// rates over window w, aggregated to one series per grouping value.
func baseRates(s *slo.SLO, w time.Duration) (errRate, totalRate string) {
	switch s.SLI.Kind {
	case slo.SLIEvents:
		return eventsRates(s, w)
	case slo.SLILatency:
		return latencyRates(s, w)
	case slo.SLINativeLatency:
		return nativeLatencyRates(s, w)
	case slo.SLIRaw:
		return rawRates(s, w)
	case slo.SLIProbe:
		return probeRates(s, w)
	}
	panic(fmt.Sprintf("unknown SLI kind %q", s.SLI.Kind))
}

// sumBy wraps expr in sum by (grouping).
func sumBy(agg string, grouping []string, expr string) string {
	if len(grouping) == 0 {
		return agg + "(" + expr + ")"
	}
	return agg + " by (" + strings.Join(grouping, ", ") + ") (" + expr + ")"
}

// orZero makes expr present (as 0) wherever like is present, so that a
// counter of bad events that does not exist yet counts as zero bad events.
func orZero(expr, like string) string {
	return expr + " or 0 * " + like
}

// rangeOf formats a range selector.
func rangeOf(sel string, w time.Duration) string {
	return sel + "[" + window(w) + "]"
}

// seconds formats a duration in seconds for arithmetic.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// float formats a float the shortest way that parses back to it.
func float(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
