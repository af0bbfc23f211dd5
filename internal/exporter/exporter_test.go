package exporter_test

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/exporter"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

const day = 24 * time.Hour

// snapshot has an ungrouped SLO, a grouped one, one without data and one
// that does not burn.
func snapshot() *budget.Snapshot {
	nan, inf := math.NaN(), math.Inf(1)
	return &budget.Snapshot{
		Time: time.Unix(1700000000, 500e6),
		SLOs: []budget.Status{
			{
				SLO: "journey-latency", Service: "checkout", Layer: "product", Owner: "team-checkout",
				Objective: 0.95, ErrorBudget: 0.05, Period: 30 * day,
				BudgetRemaining: 0.8, ErrorRatioPeriod: 0.01, EventsTotal: 12960000, EventsGood: 12830400, Coverage: 0.5,
				Windows: []budget.Window{
					{Duration: 5 * time.Minute, ErrorRatio: 0.02, SLI: 0.98, BurnRate: 0.4},
					{Duration: time.Hour, ErrorRatio: 0.01, SLI: 0.99, BurnRate: 0.2},
					{Duration: 3 * day, ErrorRatio: 0.01, SLI: 0.99, BurnRate: 0.2},
				},
				TimeToExhaustion: 10368000,
				Updated:          time.Unix(1700000000, 0), Current: true,
				// In force at the snapshot's time (from inclusive), and one that has ended (to exclusive).
				Exclusions: []budget.Exclusion{
					{From: time.Unix(1699990000, 0), To: time.Unix(1700000000, 500e6), Source: "spec"},
					{From: time.Unix(1700000000, 500e6), To: time.Unix(1700003600, 0), Source: "api", ID: "7"},
				},
			},
			{
				SLO: "api-availability", Service: "payments", Layer: "service", Owner: "team-payments",
				Grouping:  map[string]string{"route": "/pay"},
				Objective: 0.999, ErrorBudget: 0.001, Period: 30 * day,
				BudgetRemaining: 0.5, ErrorRatioPeriod: 0.0005, EventsTotal: 259200000, EventsGood: 259070400, Coverage: 1,
				Windows:          []budget.Window{{Duration: time.Hour, ErrorRatio: 0.0144, SLI: 0.9856, BurnRate: 14.4}},
				TimeToExhaustion: 90000,
				PageFiring:       true,
				Updated:          time.Unix(1699999990, 0), Current: true,
				Exclusions: []budget.Exclusion{{From: time.Unix(1699990000, 0), To: time.Unix(1700000000, 500e6), Source: "spec"}},
			},
			{
				SLO: "query", Service: "search", Layer: "service", Owner: "team-search",
				Objective: 0.99, ErrorBudget: 0.01, Period: 7 * day,
				BudgetRemaining: nan, ErrorRatioPeriod: nan, EventsTotal: nan, EventsGood: nan,
				TimeToExhaustion: nan,
			},
			{
				SLO: "suggest", Service: "search", Layer: "service", Owner: "team-search",
				Objective: 0.99, ErrorBudget: 0.01, Period: 7 * day,
				BudgetRemaining: 1, EventsTotal: 0, EventsGood: 0, Coverage: 1,
				TimeToExhaustion: inf, TicketFiring: true,
				Updated: time.Unix(1699999000, 0), // stale
			},
		},
	}
}

// exposition is what snapshot() must render to, exactly.
const exposition = `
# HELP slo_alert_firing Whether an SLOErrorBudgetBurn alert of the tier (page or ticket) is firing (1) or not (0).
# TYPE slo_alert_firing gauge
slo_alert_firing{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",slo_tier="page"} 0
slo_alert_firing{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",slo_tier="ticket"} 0
slo_alert_firing{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability",slo_tier="page"} 1
slo_alert_firing{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability",slo_tier="ticket"} 0
slo_alert_firing{layer="service",owner="team-search",route="",service="search",slo="query",slo_tier="page"} 0
slo_alert_firing{layer="service",owner="team-search",route="",service="search",slo="query",slo_tier="ticket"} 0
slo_alert_firing{layer="service",owner="team-search",route="",service="search",slo="suggest",slo_tier="page"} 0
slo_alert_firing{layer="service",owner="team-search",route="",service="search",slo="suggest",slo_tier="ticket"} 1
# HELP slo_budget_remaining Share of the SLO's error budget left over its period: 1 untouched, 0 spent, negative overspent.
# TYPE slo_budget_remaining gauge
slo_budget_remaining{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 0.8
slo_budget_remaining{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 0.5
slo_budget_remaining{layer="service",owner="team-search",route="",service="search",slo="suggest"} 1
# HELP slo_budget_updated_timestamp_seconds Unix time the daemon's rules last evaluated the SLO's budget; absent when they never did.
# TYPE slo_budget_updated_timestamp_seconds gauge
slo_budget_updated_timestamp_seconds{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 1.7e+09
slo_budget_updated_timestamp_seconds{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 1.69999999e+09
slo_budget_updated_timestamp_seconds{layer="service",owner="team-search",route="",service="search",slo="suggest"} 1.699999e+09
# HELP slo_burn_rate Error ratio over the window divided by the error budget: at 1 the budget lasts exactly the period.
# TYPE slo_burn_rate gauge
slo_burn_rate{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",window="1h"} 0.2
slo_burn_rate{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",window="3d"} 0.2
slo_burn_rate{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",window="5m"} 0.4
slo_burn_rate{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability",window="1h"} 14.4
# HELP slo_error_budget_ratio Error budget of the SLO as a ratio of events (1 - objective).
# TYPE slo_error_budget_ratio gauge
slo_error_budget_ratio{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 0.05
slo_error_budget_ratio{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 0.001
slo_error_budget_ratio{layer="service",owner="team-search",route="",service="search",slo="query"} 0.01
slo_error_budget_ratio{layer="service",owner="team-search",route="",service="search",slo="suggest"} 0.01
# HELP slo_exclusion_active 1 while one of the SLO's exclusions (from its spec or the admin API) is in force: its events do not count, 0 otherwise.
# TYPE slo_exclusion_active gauge
slo_exclusion_active{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 1
slo_exclusion_active{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 0
slo_exclusion_active{layer="service",owner="team-search",route="",service="search",slo="query"} 0
slo_exclusion_active{layer="service",owner="team-search",route="",service="search",slo="suggest"} 0
# HELP slo_objective_ratio Objective of the SLO as a ratio of good events (e.g. 0.999).
# TYPE slo_objective_ratio gauge
slo_objective_ratio{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 0.95
slo_objective_ratio{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 0.999
slo_objective_ratio{layer="service",owner="team-search",route="",service="search",slo="query"} 0.99
slo_objective_ratio{layer="service",owner="team-search",route="",service="search",slo="suggest"} 0.99
# HELP slo_period_coverage_ratio Share of the SLO period covered by data, 0 to 1: below 1 the budget stands for part of the period.
# TYPE slo_period_coverage_ratio gauge
slo_period_coverage_ratio{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 0.5
slo_period_coverage_ratio{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 1
slo_period_coverage_ratio{layer="service",owner="team-search",route="",service="search",slo="query"} 0
slo_period_coverage_ratio{layer="service",owner="team-search",route="",service="search",slo="suggest"} 1
# HELP slo_period_events Events over the part of the SLO period covered by data, by kind (good or total).
# TYPE slo_period_events gauge
slo_period_events{kind="good",layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 1.28304e+07
slo_period_events{kind="total",layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 1.296e+07
slo_period_events{kind="good",layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 2.590704e+08
slo_period_events{kind="total",layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 2.592e+08
slo_period_events{kind="good",layer="service",owner="team-search",route="",service="search",slo="suggest"} 0
slo_period_events{kind="total",layer="service",owner="team-search",route="",service="search",slo="suggest"} 0
# HELP slo_period_seconds Length of the SLO period in seconds.
# TYPE slo_period_seconds gauge
slo_period_seconds{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 2.592e+06
slo_period_seconds{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 2.592e+06
slo_period_seconds{layer="service",owner="team-search",route="",service="search",slo="query"} 604800
slo_period_seconds{layer="service",owner="team-search",route="",service="search",slo="suggest"} 604800
# HELP slo_sli_ratio Share of good events over the window (1 - error ratio).
# TYPE slo_sli_ratio gauge
slo_sli_ratio{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",window="1h"} 0.99
slo_sli_ratio{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",window="3d"} 0.99
slo_sli_ratio{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency",window="5m"} 0.98
slo_sli_ratio{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability",window="1h"} 0.9856
# HELP slo_snapshot_timestamp_seconds Unix time the SLO status snapshot was computed at.
# TYPE slo_snapshot_timestamp_seconds gauge
slo_snapshot_timestamp_seconds 1.7000000005e+09
# HELP slo_status_current 1 when the SLO's numbers are current (its budget evaluated within three budget evaluations), 0 when they are stale or unknown.
# TYPE slo_status_current gauge
slo_status_current{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 1
slo_status_current{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 1
slo_status_current{layer="service",owner="team-search",route="",service="search",slo="query"} 0
slo_status_current{layer="service",owner="team-search",route="",service="search",slo="suggest"} 0
# HELP slo_time_to_exhaustion_seconds Seconds until the error budget is spent at the current burn rate: 0 when spent, +Inf when not burning.
# TYPE slo_time_to_exhaustion_seconds gauge
slo_time_to_exhaustion_seconds{layer="product",owner="team-checkout",route="",service="checkout",slo="journey-latency"} 1.0368e+07
slo_time_to_exhaustion_seconds{layer="service",owner="team-payments",route="/pay",service="payments",slo="api-availability"} 90000
slo_time_to_exhaustion_seconds{layer="service",owner="team-search",route="",service="search",slo="suggest"} +Inf
`

func registry(t *testing.T, c *exporter.Collector) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	return reg
}

func TestExposition(t *testing.T) {
	c := exporter.New()
	reg := registry(t, c)
	c.Set(snapshot())
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(exposition)))

	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestNothingBeforeFirstSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(c *exporter.Collector)
	}{
		{name: "never set", set: func(*exporter.Collector) {}},
		{name: "set to nil", set: func(c *exporter.Collector) { c.Set(snapshot()); c.Set(nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := exporter.New()
			reg := registry(t, c)
			tc.set(c)
			mfs, err := reg.Gather()
			require.NoError(t, err)
			require.Empty(t, mfs)
		})
	}
}

func TestRemovedSLOVanishes(t *testing.T) {
	c := exporter.New()
	reg := registry(t, c)
	c.Set(snapshot())
	require.Equal(t, 4, seriesOf(t, reg, "search", "suggest"), "objective, error budget, period, coverage, …")

	next := snapshot()
	next.SLOs = slicesWithout(next.SLOs, "suggest")
	c.Set(next)
	require.Zero(t, seriesOf(t, reg, "search", "suggest"))
	require.Positive(t, seriesOf(t, reg, "search", "query"))
}

// seriesOf counts the gauges of families that have one series per SLO,
// excluding per-window and per-kind ones, for an SLO.
func seriesOf(t *testing.T, reg prometheus.Gatherer, service, slo string) int {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	n := 0
	for _, mf := range mfs {
		switch mf.GetName() {
		case conventions.MetricObjective, conventions.MetricErrorBudget, conventions.MetricPeriod, conventions.MetricPeriodCoverage:
		default:
			continue
		}
		for _, m := range mf.GetMetric() {
			lbl := map[string]string{}
			for _, lp := range m.GetLabel() {
				lbl[lp.GetName()] = lp.GetValue()
			}
			if lbl["service"] == service && lbl["slo"] == slo {
				n++
			}
		}
	}
	return n
}

func slicesWithout(sts []budget.Status, slo string) []budget.Status {
	var out []budget.Status
	for _, s := range sts {
		if s.SLO != slo {
			out = append(out, s)
		}
	}
	return out
}

func TestGroupingLabels(t *testing.T) {
	status := func(slo string, grouping map[string]string) budget.Status {
		return budget.Status{
			SLO: slo, Service: "svc", Layer: "service", Owner: "team", Grouping: grouping,
			Objective: 0.99, BudgetRemaining: math.NaN(), ErrorBudget: math.NaN(),
			EventsGood: math.NaN(), EventsTotal: math.NaN(), TimeToExhaustion: math.NaN(),
		}
	}
	for _, tc := range []struct {
		name string
		slos []budget.Status
		want string
	}{
		{
			name: "no grouped SLO: no grouping label",
			slos: []budget.Status{status("a", nil)},
			want: `slo_objective_ratio{layer="service",owner="team",service="svc",slo="a"} 0.99`,
		},
		{
			name: "union of grouping labels, empty where an SLO lacks one",
			slos: []budget.Status{
				status("a", map[string]string{"route": "/x"}),
				status("b", map[string]string{"region": "eu"}),
				status("c", nil),
			},
			want: `slo_objective_ratio{layer="service",owner="team",region="",route="/x",service="svc",slo="a"} 0.99
slo_objective_ratio{layer="service",owner="team",region="eu",route="",service="svc",slo="b"} 0.99
slo_objective_ratio{layer="service",owner="team",region="",route="",service="svc",slo="c"} 0.99`,
		},
		{
			name: "grouping labels named like the exporter's own are renamed",
			slos: []budget.Status{
				status("a", map[string]string{"window": "w1", "kind": "gold", "exported_kind": "x"}),
			},
			want: `slo_objective_ratio{exported_exported_kind="gold",exported_kind="x",exported_window="w1",layer="service",owner="team",service="svc",slo="a"} 0.99`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := exporter.New()
			reg := registry(t, c)
			c.Set(&budget.Snapshot{SLOs: tc.slos})
			want := "# HELP slo_objective_ratio Objective of the SLO as a ratio of good events (e.g. 0.999).\n" +
				"# TYPE slo_objective_ratio gauge\n" + tc.want + "\n"
			require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), conventions.MetricObjective))
			// Every family gathers without registry errors (no duplicate label names).
			_, err := reg.Gather()
			require.NoError(t, err)
			problems, err := testutil.CollectAndLint(c)
			require.NoError(t, err)
			require.Empty(t, problems)
		})
	}
}

// TestConcurrentSetAndCollect shows that a scrape sees one snapshot whole:
// snapshot i has SLOs named "<i>-…" and timestamp i, and every gather must
// show only SLOs of the snapshot its timestamp names. Run with -race.
func TestConcurrentSetAndCollect(t *testing.T) {
	const sets, slosPer, scrapers = 200, 20, 2
	mk := func(i int) *budget.Snapshot {
		s := &budget.Snapshot{Time: time.Unix(int64(i), 0)}
		for j := range slosPer {
			s.SLOs = append(s.SLOs, budget.Status{
				SLO: strconv.Itoa(i) + "-" + strconv.Itoa(j), Service: "svc", Layer: "service", Owner: "team",
				Objective: 0.99, ErrorBudget: 0.01, Period: day, BudgetRemaining: float64(i),
				EventsGood: math.NaN(), EventsTotal: math.NaN(), TimeToExhaustion: math.Inf(1),
			})
		}
		return s
	}
	c := exporter.New()
	reg := registry(t, c)
	c.Set(mk(0))

	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, scrapers)
	for range scrapers {
		wg.Go(func() {
			for { // at least one gather, then until the Sets are done
				if _, msg := checkGather(reg, slosPer); msg != "" {
					errs <- msg
					return
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	for i := 1; i <= sets; i++ {
		c.Set(mk(i))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for msg := range errs {
		require.Fail(t, msg)
	}
	snap, msg := checkGather(reg, slosPer)
	require.Empty(t, msg)
	require.Equal(t, strconv.Itoa(sets), snap, "the last Set wins")
}

// checkGather gathers once and returns the snapshot seen and what is
// inconsistent in it, "" if nothing.
func checkGather(reg prometheus.Gatherer, slosPer int) (snap, msg string) {
	mfs, err := reg.Gather()
	if err != nil {
		return "", err.Error()
	}
	for _, mf := range mfs {
		if mf.GetName() == conventions.MetricSnapshotTimestamp {
			snap = strconv.Itoa(int(mf.GetMetric()[0].GetGauge().GetValue()))
		}
	}
	if snap == "" {
		return "", "no snapshot timestamp"
	}
	for _, mf := range mfs {
		if mf.GetName() == conventions.MetricSnapshotTimestamp {
			continue
		}
		if mf.GetName() == conventions.MetricBudgetRemaining && len(mf.GetMetric()) != slosPer {
			return snap, "half a snapshot: " + mf.String()
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "slo" && !strings.HasPrefix(lp.GetValue(), snap+"-") {
					return snap, "SLO " + lp.GetValue() + " in the gather of snapshot " + snap
				}
			}
			if mf.GetName() == conventions.MetricBudgetRemaining && strconv.Itoa(int(m.GetGauge().GetValue())) != snap {
				return snap, "budget of another snapshot in snapshot " + snap
			}
		}
	}
	return snap, ""
}
