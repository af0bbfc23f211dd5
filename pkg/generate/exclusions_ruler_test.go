package generate_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// An outage inside an exclusion burns nothing (issue 18 case 8), through the real rules engine: a 30-minute total
// outage of a 99.9 % SLO over a day, excluded, leaves the budget untouched and pages nobody; the same outage
// without the exclusion pages and spends the budget twenty times over. The excluded half hour does not count at
// all: the coverage says so.
func TestExcludedOutageBurnsNothing(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, time.January, 7, 0, 0, 0, 0, time.UTC)
	outage, back := start.Add(2*time.Hour), start.Add(2*time.Hour+30*time.Minute)
	end := start.Add(5 * time.Hour)
	sc := workbookScenario{history: outage.Sub(start), share: func(since time.Duration) float64 {
		if since < back.Sub(outage) {
			return 1
		}
		return 0
	}}
	cum := cumulativeErrors(sc, start, end)
	run := func(exclusions []slo.Exclusion) (budget, coverage float64, paged time.Duration) {
		s := workbookSLO()
		s.Period = 24 * time.Hour
		s.Exclusions = exclusions
		body := generate.RuleFile([]*slo.SLO{s}, generate.Options{}, generate.FormatPrometheus, "exclusions")
		require.NoError(t, generate.Check(body))
		r := newRuler(t, body, 30*time.Second, steadyTraffic(start, end, 15*time.Second, cum))
		tl := alertTimeline{}
		r.observe = tl.observe
		r.run(start, end)
		sel := `{service="api",slo="availability"}`
		_, budget = r.lastSample(c.BudgetRemaining+sel, end)
		_, coverage = r.lastSample(c.PeriodCoverage+sel, end)
		return budget, coverage, tl.first(slo.TierPage, start)
	}

	budget, coverage, paged := run(nil)
	t.Logf("without the exclusion: budget %.3f, coverage %.4f, paged after %s", budget, coverage, paged)
	require.Less(t, budget, -15.0, "30 minutes of total outage in 5 hours: 10 %% errors against a 0.1 %% budget")
	require.Positive(t, paged)

	excl := []slo.Exclusion{{From: outage, To: back, Reason: "planned maintenance CHG-1", Approver: "alice"}}
	budget, exclCoverage, paged := run(excl)
	t.Logf("with the exclusion: budget %.5f, coverage %.4f, paged after %s", budget, exclCoverage, paged)
	require.InDelta(t, 1, budget, 1e-9, "the excluded outage spent nothing")
	require.Equal(t, time.Duration(-1), paged, "the excluded outage paged")
	require.Less(t, exclCoverage, coverage, "the excluded half hour is not covered")
}
