package generate

import (
	"strconv"
	"strings"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Exclusions.
//
// An exclusion (slo.Exclusion: planned maintenance, a load test, a known-bad scrape) is a stretch of time whose
// events neither spend nor earn budget. The base-rate rules record nothing while one is on: the tiles average the
// base rates that are there, so the period, the long windows and the budget stand for the time outside the
// exclusions (the coverage counts what is left), and no window sees the excluded errors, so no alert fires on
// them. A base rate at t averages the events of the base window before t, so it is dropped from the start of an
// exclusion to one base window after its end.
//
// The windows are in the rules as constants of time(): a ruler (Prometheus, Thanos, Mimir) honours them as they
// come, and the daemon's backfill, which evaluates the same rules over the past, honours them for the history it
// rebuilds. They are not part of the revision: adding a planned window does not start a new history.

// excluded is the condition, as a PromQL vector, that one of s's exclusions is on at the evaluation time, for
// base rates over base; empty when s has none.
func excluded(s *slo.SLO, base time.Duration) string {
	if len(s.Exclusions) == 0 {
		return ""
	}
	parts := make([]string, 0, len(s.Exclusions))
	for _, e := range s.Exclusions {
		parts = append(parts, "vector(time()) >= "+strconv.FormatInt(e.From.Unix(), 10)+
			" < "+strconv.FormatInt(e.To.Add(base).Unix(), 10))
	}
	return strings.Join(parts, " or ")
}

// unlessExcluded makes a base-rate expression record nothing while one of the SLO's exclusions is on.
func unlessExcluded(expr, excl string) string {
	if excl == "" {
		return expr
	}
	return "(" + expr + ") unless on() (" + excl + ")"
}
