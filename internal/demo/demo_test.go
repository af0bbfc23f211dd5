package demo

import (
	"context"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/internal/querytest"
)

// start is the demo's start in the history tests: 15:00 UTC, the daily peak.
var start = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

const seed = 42

func openDB(t *testing.T) *tsdb.DB {
	t.Helper()
	db, err := tsdb.Open(t.TempDir(), nil, nil, tsdb.DefaultOptions(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newEngine is an engine configured as the daemon's, at an evaluation interval of a minute: the step of
// subqueries without one, such as the replication-lag SLI's [5m:].
func newEngine() *promql.Engine {
	return evaluator.NewEngine(promslog.NewNopLogger(), nil, parser.NewParser(parser.Options{}), time.Minute)
}

// query runs expr at ts; errors and warnings fail the test.
func query(t *testing.T, q storage.Queryable, expr string, ts time.Time) promql.Vector {
	t.Helper()
	return querytest.Vector(t, newEngine(), q, expr, ts)
}

// scalar runs expr at ts and returns its single value.
func scalar(t *testing.T, q storage.Queryable, expr string, ts time.Time) float64 {
	t.Helper()
	vec := query(t, q, expr, ts)
	require.Len(t, vec, 1, expr)
	return vec[0].F
}

// historyDB writes the default three days of history ending at start into a fresh TSDB.
func historyDB(t *testing.T) (*tsdb.DB, *Generator) {
	t.Helper()
	db := openDB(t)
	g := New(Options{Appendable: db, Seed: seed, Now: func() time.Time { return start }})
	began := time.Now()
	require.NoError(t, g.WriteHistory(t.Context()))
	t.Logf("WriteHistory: %d series, %s of history every %s, took %s",
		g.seriesCount(), DefaultHistory, DefaultResolution, time.Since(began).Round(time.Millisecond))
	return db, g
}

// rawRule is a recording rule of a rule file that reads raw series, not recorded ones.
type rawRule struct {
	group, record, expr string
}

// rawRules returns every recording rule of rules/*.rules.yml whose expression selects only raw series.
func rawRules(t *testing.T) []rawRule {
	t.Helper()
	files, err := filepath.Glob("../../rules/*.rules.yml")
	require.NoError(t, err)
	require.Len(t, files, 3, "one rule file per example spec")
	p := parser.NewParser(parser.Options{})
	var out []rawRule
	for _, f := range files {
		rgs, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, p, promslog.NewNopLogger())
		require.Empty(t, errs, f)
		for _, g := range rgs.Groups {
			for _, r := range g.Rules {
				if r.Record == "" {
					continue
				}
				expr, err := p.ParseExpr(r.Expr)
				require.NoError(t, err, r.Expr)
				raw := false
				parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
					if vs, ok := n.(*parser.VectorSelector); ok && !strings.HasPrefix(vs.Name, "slo:") {
						raw = true
					}
					return nil
				})
				if raw {
					out = append(out, rawRule{group: g.Name, record: r.Record, expr: r.Expr})
				}
			}
		}
	}
	return out
}

// recordedTotal is how an error rule reads back the total rate its group recorded just before.
var recordedTotal = regexp.MustCompile(`sum(?: by \([^)]*\) )?\(slo:sli_total:rate5m\{[^}]*\}\)`)

// inlined returns the rules with the recorded total an error rule reads replaced by the total rule's own
// expression, so that each evaluates over the raw series alone.
func inlined(rs []rawRule) []rawRule {
	totals := map[string]string{}
	for _, r := range rs {
		if r.record == "slo:sli_total:rate5m" {
			totals[r.group] = r.expr
		}
	}
	out := make([]rawRule, len(rs))
	for i, r := range rs {
		if total, ok := totals[r.group]; ok {
			r.expr = recordedTotal.ReplaceAllLiteralString(r.expr, "("+total+")")
		}
		out[i] = r
	}
	return out
}

// ratios evaluates a group's raw error and total rules at ts and returns error/total by label set.
func ratios(t *testing.T, q storage.Queryable, rs []rawRule, group string, ts time.Time) map[string]float64 {
	t.Helper()
	var errExpr, totalExpr string
	for _, r := range rs {
		if r.group != group {
			continue
		}
		switch r.record {
		case "slo:sli_error:rate5m":
			errExpr = r.expr
		case "slo:sli_total:rate5m":
			totalExpr = r.expr
		}
	}
	require.NotEmpty(t, errExpr, group)
	out := map[string]float64{}
	if totalExpr == "" { // a raw SLI: its error rule already is a ratio
		for _, s := range query(t, q, errExpr, ts) {
			out[s.Metric.String()] = s.F
		}
		return out
	}
	totals := map[string]float64{}
	for _, s := range query(t, q, totalExpr, ts) {
		totals[s.Metric.String()] = s.F
	}
	for _, s := range query(t, q, errExpr, ts) {
		total, ok := totals[s.Metric.String()]
		require.True(t, ok, "%s: error series %s has no total", group, s.Metric)
		require.Positive(t, total, "%s: %s", group, s.Metric)
		out[s.Metric.String()] = s.F / total
	}
	return out
}

func TestHistory(t *testing.T) {
	db, g := historyDB(t)
	rs := inlined(rawRules(t))

	// First, before the rules manager below records series of its own.
	t.Run("every series has every sample and counters never decrease", func(t *testing.T) {
		checkSeries(t, db, g, start.Add(-DefaultHistory), start, int(DefaultHistory/DefaultResolution)+1)
	})

	t.Run("every raw SLI rule of the examples returns data", func(t *testing.T) {
		// Two (error, total) for each of the seven example SLOs, but replication-lag's total is derived from its
		// recorded error ratio.
		require.Len(t, rs, 13)
		for _, r := range rs {
			vec := query(t, db, r.expr, start)
			require.NotEmpty(t, vec, "%s %s: %s", r.group, r.record, r.expr)
			for _, s := range vec {
				require.False(t, math.IsNaN(s.F) || math.IsInf(s.F, 0), "%s %s: %v", r.group, r.record, s)
				require.GreaterOrEqual(t, s.F, 0.0, "%s %s: %v", r.group, r.record, s)
			}
		}
	})

	t.Run("error ratios at the start tell the story", func(t *testing.T) {
		capture := `{route="` + incidentRoute + `"}`
		cases := []struct {
			group    string
			min, max float64
			only     string // restrict to this label set
			series   int
		}{
			// The le="3.0" and le="0.4" buckets must match the rules' regexes, or every request counts as slow.
			{group: "slo:checkout:journey-latency:sli", min: 0.001, max: 0.02, series: 1},
			{group: "slo:checkout:journey-availability:sli", min: 0.002, max: 0.005, series: 1},
			{group: "slo:payments:api-latency:sli", min: 0.005, max: 0.05, series: 1},
			// The live incident: above 14.4 × 0.1% on the capture route, the others well inside the objective.
			{group: "slo:payments:api-availability:sli", min: 0.0144, max: incidentMaxShare, only: capture, series: 4},
			// Over-achieving: almost nothing above 50 ms.
			{group: "slo:payments-db:query-latency:sli", min: 0, max: 0.001, series: 1},
			{group: "slo:payments-db:availability:sli", min: 0, max: 0.05, series: 1},
			{group: "slo:payments-db:replication-lag:sli", min: 0, max: 0, series: 1},
		}
		for _, c := range cases {
			t.Run(c.group, func(t *testing.T) {
				got := ratios(t, db, rs, c.group, start)
				require.Len(t, got, c.series)
				for ls, r := range got {
					if c.only != "" && ls != c.only {
						require.Less(t, r, 0.001, "%s: %s outside the incident", c.group, ls)
						continue
					}
					require.GreaterOrEqual(t, r, c.min, "%s: %s", c.group, ls)
					require.LessOrEqual(t, r, c.max, "%s: %s", c.group, ls)
				}
			})
		}
	})

	t.Run("the live incident started an hour ago and fills the page alert's windows", func(t *testing.T) {
		ratio := func(w string, ts time.Time) float64 {
			return scalar(t, db, `sum(rate(http_requests_total{job="payments-api",code=~"5..",route="`+incidentRoute+`"}[`+w+`]))
				/ sum(rate(http_requests_total{job="payments-api",route="`+incidentRoute+`"}[`+w+`]))`, ts)
		}
		require.Greater(t, ratio("5m", start), 0.0144)
		require.Greater(t, ratio("1h", start), 0.0144)
		require.Less(t, ratio("5m", start.Add(-IncidentLead-time.Minute)), 0.001, "before the incident")
		require.Greater(t, ratio("5m", start.Add(-IncidentLead+6*time.Minute)), 0.0144, "early in the incident")
	})

	t.Run("the page alert fires on the first evaluation", func(t *testing.T) {
		engine := newEngine()
		mgr := rules.NewManager(&rules.ManagerOptions{
			QueryFunc:    rules.EngineQueryFunc(engine, db),
			NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
			Context:      t.Context(),
			AppendableV2: db,
			Queryable:    db,
			Logger:       promslog.NewNopLogger(),
			Parser:       parser.NewParser(parser.Options{}),
		})
		groups, errs := mgr.LoadGroups(time.Minute, labels.EmptyLabels(), "", nil, false, "../../rules/payments.rules.yml")
		require.Empty(t, errs)
		g, ok := groups[rules.GroupKey("../../rules/payments.rules.yml", "slo:payments:api-availability:sli")]
		require.True(t, ok)
		g.Eval(t.Context(), start)

		var firing []string
		for _, r := range g.Rules() {
			ar, ok := r.(*rules.AlertingRule)
			if !ok {
				continue
			}
			require.NoError(t, ar.LastError())
			for _, a := range ar.ActiveAlerts() {
				if a.State == rules.StateFiring {
					firing = append(firing, a.Labels.Get("long_window")+"/"+a.Labels.Get("short_window")+" "+a.Labels.Get("route"))
				}
			}
		}
		require.Contains(t, firing, "1h/5m "+incidentRoute)
	})

	t.Run("payments-db query latency over-achieves", func(t *testing.T) {
		p99 := scalar(t, db, `histogram_quantile(0.99, sum(rate(pg_query_duration_seconds{cluster="payments"}[1h])))`, start)
		require.Greater(t, p99, 0.002)
		require.Less(t, p99, 0.008, "p99 about ten times faster than the 50 ms threshold")
		bad := scalar(t, db, `1 - histogram_fraction(0, 0.05, sum(rate(pg_query_duration_seconds{cluster="payments"}[3d])))`, start)
		require.Less(t, bad, 0.001)
	})

	t.Run("the capture route's budget is overspent at the start", func(t *testing.T) {
		require.InDelta(t, -0.65, captureBudget(t, db, start), 0.1)
	})

	t.Run("payments traffic crosses its 500 rps capacity at peaks only", func(t *testing.T) {
		rps := `sum(rate(http_request_duration_seconds_count{job="payments-api"}[5m]))`
		require.Greater(t, scalar(t, db, `max_over_time(`+rps+`[1d:5m])`, start), float64(paymentsCapacityRPS))
		require.Less(t, scalar(t, db, `min_over_time(`+rps+`[1d:5m])`, start), 0.4*paymentsCapacityRPS)
		require.Less(t, scalar(t, db, `avg_over_time(`+rps+`[1d:5m])`, start), float64(paymentsCapacityRPS))
	})

	t.Run("old incidents spent budget on other SLOs", func(t *testing.T) {
		slowAt := start.Add(-checkoutIncidentAgo + checkoutIncidentLength/2)
		slow := scalar(t, db, `1 - sum(rate(checkout_journey_duration_seconds_bucket{env="prod",le="3.0"}[5m]))
			/ sum(rate(checkout_journey_duration_seconds_count{env="prod"}[5m]))`, slowAt)
		require.Greater(t, slow, 0.2, "a third of journeys slower than 3 s during the old incident")

		lagged := scalar(t, db, `avg_over_time((max(pg_replication_lag_seconds{cluster="payments"}) > bool 5)[3d:1m])`, start)
		require.Greater(t, lagged, 0.004, "about 25 minutes of lag in three days")
		require.Less(t, lagged, 0.01)
	})

}

// captureBudget is the error budget left on the incident route at ts over the three days of history, from
// the raw counters, for the 99.9% objective of examples/payments.yaml.
func captureBudget(t *testing.T, q storage.Queryable, ts time.Time) float64 {
	t.Helper()
	sel := `http_requests_total{job="payments-api",route="` + incidentRoute + `"`
	r := scalar(t, q, `sum(increase(`+sel+`,code=~"5.."}[3d])) / sum(increase(`+sel+`}[3d]))`, ts)
	t.Logf("capture route at %s: %.3f%% of requests failed over three days, budget %.3f", ts.Format("15:04"), 100*r, 1-r/0.001)
	return 1 - r/0.001
}

// TestIncidentBudgetWhateverTheHour: the incident fails a steady number of requests a second, so the budget it
// leaves at the start does not depend on the time of day the demo starts (the demo test above starts at the
// daily peak; this one at the trough and in between).
func TestIncidentBudgetWhateverTheHour(t *testing.T) {
	for _, at := range []time.Time{start.Add(-12 * time.Hour), start.Add(-6 * time.Hour)} {
		t.Run(at.Format("15:04"), func(t *testing.T) {
			db := openDB(t)
			g := New(Options{Appendable: db, Seed: seed, Now: func() time.Time { return at }})
			require.NoError(t, g.WriteHistory(t.Context()))
			require.InDelta(t, -0.65, captureBudget(t, db, at), 0.1)
		})
	}
}

// checkSeries reads every series back over [from, to]: as many as the generator writes, want samples each,
// counters and histograms never decreasing.
func checkSeries(t *testing.T, db storage.Queryable, g *Generator, from, to time.Time, want int) {
	t.Helper()
	q, err := db.Querier(from.UnixMilli(), to.UnixMilli())
	require.NoError(t, err)
	defer func() { require.NoError(t, q.Close()) }()
	set := q.Select(t.Context(), false, nil, labels.MustNewMatcher(labels.MatchRegexp, labels.MetricName, ".+"))
	n := 0
	for set.Next() {
		n++
		s := set.At()
		name := s.Labels().Get(labels.MetricName)
		counter := strings.HasSuffix(name, "_total") || strings.HasSuffix(name, "_bucket") ||
			strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_sum")
		it := s.Iterator(nil)
		samples, prev := 0, math.Inf(-1)
		var prevH *histogram.FloatHistogram
		for typ := it.Next(); typ != chunkenc.ValNone; typ = it.Next() {
			samples++
			switch typ {
			case chunkenc.ValFloat:
				_, v := it.At()
				if counter {
					require.GreaterOrEqual(t, v, prev, "%s decreased", s.Labels())
				}
				prev = v
			case chunkenc.ValHistogram, chunkenc.ValFloatHistogram:
				_, h := it.AtFloatHistogram(nil)
				if prevH != nil {
					require.False(t, h.DetectReset(prevH), "%s was reset", s.Labels())
					require.GreaterOrEqual(t, h.Count, prevH.Count, "%s decreased", s.Labels())
				}
				prevH = h
			default:
				t.Fatalf("%s: unexpected sample type %v", s.Labels(), typ)
			}
		}
		require.NoError(t, it.Err())
		require.Equal(t, want, samples, "%s", s.Labels())
	}
	require.NoError(t, set.Err())
	require.Equal(t, g.seriesCount(), n)
	require.Less(t, n, 300, "a modest number of series")
}

// recorder is a sink that keeps every value.
type recorder struct{ values []float64 }

func (r *recorder) float(_ *series, v float64) { r.values = append(r.values, v) }

func (r *recorder) histogram(_ *series, h *histogram.Histogram) {
	r.values = append(r.values, float64(h.Count), h.Sum)
}

func TestSeedMakesRunsReproducible(t *testing.T) {
	run := func(seed int64) []float64 {
		g := New(Options{Seed: seed, Now: func() time.Time { return start }})
		r := &recorder{}
		for i := range 20 {
			g.tick(start.Add(time.Duration(i)*DefaultResolution), r)
		}
		return r.values
	}
	cases := []struct {
		name  string
		a, b  int64
		equal bool
	}{
		{name: "same seed", a: 1, b: 1, equal: true},
		{name: "other seed", a: 1, b: 2, equal: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := run(c.a), run(c.b)
			require.Len(t, b, len(a))
			require.Equal(t, c.equal, slices.Equal(a, b))
		})
	}
}

func TestLiveIncidentWindow(t *testing.T) {
	const rps = 55.0 // the capture route's requests a second
	cases := []struct {
		name     string
		incident time.Duration
		at       time.Duration // after the start
		want     float64
	}{
		{name: "before it began", at: -IncidentLead - time.Second, want: serverErrorShare},
		{name: "as it begins", at: -IncidentLead, want: incidentErrorsPerSecond / rps},
		{name: "at the start", at: 0, want: incidentErrorsPerSecond / rps},
		{name: "near the default end", at: DefaultIncident - time.Second, want: incidentErrorsPerSecond / rps},
		{name: "after the default end", at: DefaultIncident, want: serverErrorShare},
		{name: "a longer incident goes on", incident: 2 * time.Hour, at: time.Hour, want: incidentErrorsPerSecond / rps},
		{name: "a negative one ends at the start", incident: -1, at: 0, want: serverErrorShare},
		{name: "a negative one began before", incident: -1, at: -time.Minute, want: incidentErrorsPerSecond / rps},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := New(Options{Incident: c.incident, Now: func() time.Time { return start }})
			p := g.parts[0].(*payments)
			require.Equal(t, c.want, p.serverErrors(incidentRoute, start.Add(c.at), rps))
			require.Equal(t, serverErrorShare, p.serverErrors("/v1/refunds", start.Add(c.at), rps), "other routes")
		})
	}
	// A steady number of failures a second: a larger share when the route is quiet, capped.
	g := New(Options{Now: func() time.Time { return start }})
	p := g.parts[0].(*payments)
	require.InDelta(t, 2*incidentErrorsPerSecond/rps, p.serverErrors(incidentRoute, start, rps/2), 1e-12)
	require.Equal(t, incidentMaxShare, p.serverErrors(incidentRoute, start, 1))
}

func TestNeedsAppendable(t *testing.T) {
	g := New(Options{})
	require.ErrorContains(t, g.WriteHistory(t.Context()), "Options.Appendable")
	require.ErrorContains(t, g.Run(t.Context()), "Options.Appendable")
}

func TestWriteHistoryNeedsAnEmptyStorage(t *testing.T) {
	db := openDB(t)
	opts := Options{Appendable: db, History: time.Hour, Now: func() time.Time { return start }}
	require.NoError(t, New(opts).WriteHistory(t.Context()))

	opts.Now = func() time.Time { return start.Add(-time.Hour) } // older than the TSDB accepts
	err := New(opts).WriteHistory(t.Context())
	require.ErrorContains(t, err, "fresh data directory")
	require.ErrorIs(t, err, storage.ErrOutOfBounds)

	g := New(Options{Appendable: openDB(t), History: time.Hour, Now: func() time.Time { return start }})
	require.NoError(t, g.WriteHistory(t.Context()))
	require.ErrorContains(t, g.WriteHistory(t.Context()), "once")
}

func TestWriteHistoryStopsWhenCancelled(t *testing.T) {
	db := openDB(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := New(Options{Appendable: db, Now: func() time.Time { return start }}).WriteHistory(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestRunAppendsLiveSamples(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	db, err := tsdb.Open(t.TempDir(), nil, nil, tsdb.DefaultOptions(), nil)
	require.NoError(t, err)
	const res = 50 * time.Millisecond
	g := New(Options{Appendable: db, History: time.Second, Resolution: res, Seed: seed})
	require.NoError(t, g.WriteHistory(t.Context()))
	historyEnd := g.start

	ctx, cancel := context.WithTimeout(t.Context(), 8*res)
	defer cancel()
	require.NoError(t, g.Run(ctx))
	runEnd := time.Now()

	count := func(from, to time.Time) float64 {
		return scalar(t, db, `sum(count_over_time(http_requests_total{job="payments-api"}[`+
			model.Duration(to.Sub(from)).String()+`]))`, to)
	}
	live := count(historyEnd.Add(time.Millisecond), runEnd)
	perTick := float64(len(paymentsRoutes) * len(paymentsInstances) * 4)
	require.GreaterOrEqual(t, live, 4*perTick, "several live ticks of every series")
	require.Less(t, live, 12*perTick, "one tick per resolution")
	require.InDelta(t, float64(g.last)/1000, scalar(t, db, `timestamp(probe_success)`, runEnd), 0.001,
		"the last tick is stored")
	require.Greater(t, scalar(t, db, `sum(increase(http_requests_total{job="payments-api"}[1m]))`, runEnd), 0.0)

	require.NoError(t, db.Close())
}
