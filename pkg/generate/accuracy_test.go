package generate_test

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// TestAccuracyTrafficWeighted runs the generated rules, as Prometheus would,
// over more than a period of uneven traffic (100:1 between day and night)
// with an incident at peak traffic, and checks that the period's error ratio
// is the ratio of event sums (traffic-weighted), not the mean of ratios that
// weighs a quiet night like a busy afternoon.
func TestAccuracyTrafficWeighted(t *testing.T) {
	// Prometheus' defaults: a 1m scrape and a 1m evaluation interval. The
	// base window (slo.DefaultMinWindow, 5m) holds several scrapes and is
	// longer than the evaluation interval, so consecutive base rates overlap
	// and their averages weigh every event alike.
	const (
		scrape = time.Minute
		// ruler is the evaluation interval of groups without their own
		// (the sli group), like global.evaluation_interval.
		ruler = time.Minute
		// naiveBucket is the short window whose ratios the naive method
		// averages over the period.
		naiveBucket = 5 * time.Minute
	)
	// Warm-up before the period window: the tiles of its first minutes need
	// base rates, and those need scrapes, from before it. The period window
	// then ends (and starts) at 04:00, near the night's trough, so its edges
	// carry little traffic.
	warmup := 4 * time.Hour
	// Shrunk runs (-short, and -race, which slows evaluation eightfold)
	// warm up for less and pause the budget group between its first
	// hours and the incident. Its rules keep no state from one evaluation
	// to the next (they read tiles and the sli group's recordings; its
	// alerts have no "for"), so what it records after the pause is what it
	// would have recorded had it run throughout: the period ratio still
	// reads every tile of the period. (During the pause the page alert on
	// a tiled long window, 7d, lacks its input; nothing burns then.)
	shrink := testing.Short() || raceEnabled
	if shrink {
		warmup = time.Hour
	}

	for _, tc := range []struct {
		period time.Duration
	}{
		{period: 24 * time.Hour},
		{period: 7 * 24 * time.Hour},
	} {
		t.Run(c.Window(tc.period), func(t *testing.T) {
			t.Parallel()
			start := time.Date(2030, time.January, 7, 4, 0, 0, 0, time.UTC).Add(-warmup)
			end := start.Add(warmup + tc.period)
			// The incident: 2h around the peak (14:00) of the window's last day.
			incStart := end.Add(-15 * time.Hour)
			incEnd := incStart.Add(2 * time.Hour)
			tr := synthesize(trafficModel{
				start: start, end: end, scrape: scrape,
				minRate: 1, maxRate: 100,
				background: 0.001, incident: 0.3,
				incStart: incStart, incEnd: incEnd,
				seed: uint64(tc.period),
			})

			peak, trough := incStart.Add(time.Hour), incStart.Add(13*time.Hour) // 14:00, 02:00
			dayRate := tr.perSecond(peak.Add(-30*time.Minute), peak.Add(30*time.Minute))
			nightRate := tr.perSecond(trough.Add(-30*time.Minute), trough.Add(30*time.Minute))
			t.Logf("traffic: %.1f req/s around 14:00, %.2f req/s around 02:00 (%.0f:1); error share %.4f%% outside the incident, %.2f%% in it",
				dayRate, nightRate, dayRate/nightRate, 100*tr.exact(start, incStart), 100*tr.exact(incStart, incEnd))

			s := &slo.SLO{
				Name:      "availability",
				Service:   "api",
				Owner:     "team-api",
				Layer:     slo.LayerService,
				Objective: slo.MustObjective("99.9"),
				Period:    tc.period,
				SLI: slo.SLI{
					Kind:   slo.SLIEvents,
					Errors: `http_requests_total{job="api",code="500"}`,
					Total:  `http_requests_total{job="api"}`,
				},
				Alerting: slo.Alerting{
					Page:   slo.TierAlerting{Severity: c.DefaultPageSeverity},
					Ticket: slo.TierAlerting{Severity: c.DefaultTicketSeverity},
				},
			}
			body := generate.RuleFile([]*slo.SLO{s}, generate.Options{}, generate.FormatPrometheus, "accuracy")
			require.NoError(t, generate.Check(body))

			began := time.Now()
			r := newRuler(t, body, ruler, tr)
			var names []string
			for _, g := range r.groups {
				names = append(names, g.Name())
			}
			require.Equal(t, []string{c.GroupSLI(s.Service, s.Name), c.GroupTiles(s.Service, s.Name), c.GroupBudget(s.Service, s.Name)}, names)
			const budget = 2 // index of the budget group
			if shrink {
				r.paused[budget].from = start.Add(6 * time.Hour)
				r.paused[budget].to = incStart.Add(-2 * time.Hour)
				t.Logf("shrunk run: group %s paused in [%s, %s)", r.groups[budget].Name(),
					r.paused[budget].from.Format(time.RFC3339), r.paused[budget].to.Format(time.RFC3339))
			}
			r.run(start, end)
			for i, g := range r.groups {
				t.Logf("group %s: interval %s, %d evaluations in %s", g.Name(), g.Interval(), r.evals[i], r.spent[i].Round(time.Millisecond))
			}
			t.Logf("simulated %s of rule evaluation in %s", end.Sub(start), time.Since(began).Round(time.Millisecond))

			sel := `{service="api",slo="availability"}`
			// The period's error ratio at the budget group's last evaluation.
			at := r.last[budget]
			got := r.sample(c.ErrorRatioPeriod+sel, at)
			exact := tr.exact(at.Add(-tc.period), at)
			naive := tr.naive(at.Add(-tc.period), at, naiveBucket)
			gotErr := math.Abs(got-exact) / exact
			naiveErr := math.Abs(naive-exact) / exact
			t.Logf("period %s at %s: exact %.6f, slokeeper %.6f (relative error %.4f%%), naive mean of %s ratios %.6f (relative error %.1f%%, exact/naive = %.2f)",
				c.Window(tc.period), at.Format(time.RFC3339), exact, got, 100*gotErr,
				c.Window(naiveBucket), naive, 100*naiveErr, exact/naive)
			require.LessOrEqual(t, gotErr, 0.005, "%s must be the ratio of event sums", c.ErrorRatioPeriod)
			require.Greater(t, naiveErr, 0.20, "the incident at peak traffic must make the mean of ratios clearly wrong")
			require.InDelta(t, 1-got/s.Objective.Budget, r.sample(c.BudgetRemaining+sel, at), 1e-9, c.BudgetRemaining)

			// The page alerts' long windows, inside the incident.
			w := slo.WindowsFor(tc.period, slo.DefaultCatalog, 0)
			var pages int
			for _, a := range w.Alerts {
				if a.Tier != slo.TierPage {
					continue
				}
				pages++
				// Check at the end of a window centred in the incident. A
				// page window is stitched from back-to-back base rates (or
				// blocks of them), each a rate over its own scrapes: it is the
				// ratio of the events counted between the scrapes inside each
				// block, every event weighing the same. That is all but one
				// scrape interval per block (at this 1m scrape, 4 of every 5
				// minutes), which the rate extrapolates from its block: the
				// ratio is that of those intervals' event sums, to float
				// rounding. Against the ratio of the whole window it differs
				// by the noise of the intervals left out (±50% per interval
				// here): a few percent.
				const margin = 15 * time.Minute
				require.LessOrEqual(t, a.Long+2*margin, incEnd.Sub(incStart), "window %s does not fit in the incident", a.Long)
				check := incStart.Add((incEnd.Sub(incStart) + a.Long) / 2)
				name := c.ErrorRatio(a.Long) + sel
				ts, v := r.lastSample(name, check)
				unit, n := w.Stitch(a.Long)
				want := tr.blocks(ts, unit, n)
				whole := tr.exact(ts.Add(-a.Long), ts)
				rel := math.Abs(v-want) / want
				t.Logf("page long window %s (%d × %s) at %s: ratio of the blocks' scrape intervals %.6f, slokeeper %.6f (relative error %.2g); whole window %.6f (%.2f%% off)",
					c.Window(a.Long), n, c.Window(unit), ts.Format(time.RFC3339), want, v, rel, whole, 100*math.Abs(v-whole)/whole)
				require.LessOrEqual(t, rel, 1e-9, name)
				require.InEpsilon(t, whole, v, 0.15, "%s: far from the ratio of the whole window", name)
			}
			// The incident burns the budget 300× too fast: every page alert fires.
			firing, ok := r.query(`ALERTS{alertstate="firing",slo_tier="page",slo="availability"}`, incEnd.Add(-time.Minute)).(promql.Vector)
			require.True(t, ok)
			require.Len(t, firing, pages, "page alerts firing at the end of the incident")

			// No recorded series ever held NaN or ±Inf, and every one was
			// recorded at (nearly) every evaluation of its group.
			all := end.Sub(start) + time.Minute
			for i, g := range r.groups {
				for _, rule := range g.Rules() {
					if _, ok := rule.(*rules.RecordingRule); !ok {
						continue
					}
					m, ok := r.query(rule.Name()+sel+"["+c.Window(all)+"]", end).(promql.Matrix)
					require.True(t, ok)
					require.Len(t, m, 1, rule.Name())
					for _, p := range m[0].Floats {
						if math.IsNaN(p.F) || math.IsInf(p.F, 0) {
							t.Fatalf("%s holds %v at %s", rule.Name(), p.F, time.UnixMilli(p.T).UTC().Format(time.RFC3339))
						}
					}
					require.Empty(t, m[0].Histograms, rule.Name())
					// The first evaluations see too few scrapes for a rate,
					// and windows averaged from tiles wait for the first tile.
					missing := 4 + int(w.Tile/time.Minute)
					require.GreaterOrEqual(t, len(m[0].Floats), r.evals[i]-missing, "%s: samples of %d evaluations", rule.Name(), r.evals[i])
				}
			}
		})
	}
}

// sample is the value of the single series qs selects, recorded exactly at ts.
func (r *ruler) sample(qs string, ts time.Time) float64 {
	r.t.Helper()
	at, v := r.lastSample(qs, ts)
	require.Equal(r.t, ts.UnixMilli(), at.UnixMilli(), "%s was not recorded at %s", qs, ts)
	return v
}

// lastSample is the last sample at or before ts of the single series qs
// selects, within 5 minutes.
func (r *ruler) lastSample(qs string, ts time.Time) (time.Time, float64) {
	r.t.Helper()
	m, ok := r.query(qs+"[5m]", ts).(promql.Matrix)
	require.True(r.t, ok)
	require.Len(r.t, m, 1, qs)
	require.NotEmpty(r.t, m[0].Floats, qs)
	p := m[0].Floats[len(m[0].Floats)-1]
	return time.UnixMilli(p.T).UTC(), p.F
}
