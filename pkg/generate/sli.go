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
//
// recTotal, when not empty, is an expression of the total rate that was just recorded (in the same evaluation,
// by the rule before): the error rate then reads it instead of reading the raw total series a second time. sel
// selects the SLO's recorded series (a raw SLI's total rate reads its recorded error rate).
func baseRates(s *slo.SLO, w time.Duration, recTotal, sel string) (errRate, totalRate string) {
	switch s.SLI.Kind {
	case slo.SLIEvents:
		return eventsRates(s, w, recTotal)
	case slo.SLILatency:
		return latencyRates(s, w, recTotal)
	case slo.SLINativeLatency:
		return nativeLatencyRates(s, w, recTotal)
	case slo.SLIRaw:
		return rawRates(s, w, sel)
	case slo.SLIProbe:
		return probeRates(s, w)
	}
	panic(fmt.Sprintf("unknown SLI kind %q", s.SLI.Kind))
}

// BaseRates returns the expressions of the per-second error and total event rates over window w, exactly as
// the base-rate recording rules compute them (aggregated by the SLO's grouping). internal/review measures history
// with them, so that a review judges an SLO by what its alerts see. For a raw SLI the total rate reads the
// recorded error rate of window w: only the error rate (the ratio) is meaningful outside the rules.
func BaseRates(s *slo.SLO, w time.Duration) (errRate, totalRate string) {
	return baseRates(s, w, "", selector(s, ""))
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

// totalFirst tells the SLIs whose error rate reads the recorded total rate (see baseRates), so that the total
// is recorded first: selector-based events and classic histograms. Raw SLIs derive the total from the error rate
// instead. SLIs given as {{.window}} queries and native histograms read their raw total twice: their promtool
// tests feed the base recordings themselves (their raw series cannot be synthesised), and an error rule reading
// a fed total would record over the fed error rate.
func totalFirst(s *slo.SLO) bool {
	switch s.SLI.Kind {
	case slo.SLIEvents:
		return !slo.HasWindow(s.SLI.Errors) && !slo.HasWindow(s.SLI.Good) && !slo.HasWindow(s.SLI.Total)
	case slo.SLILatency:
		return true
	}
	return false
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
