package budget_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// evalAt is the query time: the fixtures have samples every minute up to it.
var evalAt = time.Unix(600, 0)

// Label sets of the fixture SLOs.
const (
	journey = `service="checkout",slo="journey-latency",layer="product",owner="team-checkout",journey="checkout"`
	avail   = `service="payments",slo="api-availability",layer="service",owner="team-payments"`
	latency = `service="payments",slo="api-latency",layer="service",owner="team-payments"`
	query   = `service="search",slo="query",layer="service",owner="team-search"`
	suggest = `service="search",slo="suggest",layer="service",owner="team-search"`
	legacy  = `service="legacy",slo="old",layer="service",owner="team-legacy"`
	// cart has no metadata recorded yet: its static label (journey) must
	// still not be taken for a grouping label.
	cart = `service="cart",slo="add",layer="service",owner="team-cart",journey="shop"`
)

// fixture is what the daemon's rules record, as promqltest load lines (a
// blank line would end the load command).
const fixture = `load 1m
  slo:objective:ratio{` + journey + `} 0.95+0x10
  slo:error_budget:ratio{` + journey + `} 0.05+0x10
  slo:period:seconds{` + journey + `} 2592000+0x10
  slo_info{` + journey + `,objective="95",period="30d",sli_kind="latency",description="Checkout under 3 s."} 1+0x10
  slo:error_budget_remaining:ratio{` + journey + `} 0.8+0x10
  slo:sli_error:ratio_period{` + journey + `} 0.01+0x10
  slo:sli_error:rate_period{` + journey + `} 0.1+0x10
  slo:sli_total:rate_period{` + journey + `} 10+0x10
  slo:period_coverage:ratio{` + journey + `} 0.5+0x10
  slo:sli_error:ratio_rate3d{` + journey + `} 0.01+0x10
  slo:sli_error:ratio_rate6h{` + journey + `} 0.005+0x10
  slo:sli_error:ratio_rate1h{` + journey + `} 0.01+0x10
  slo:sli_error:ratio_rate5m{` + journey + `} 0.02+0x10
  slo:objective:ratio{` + avail + `} 0.999+0x10
  slo:error_budget:ratio{` + avail + `} 0.001+0x10
  slo:period:seconds{` + avail + `} 2592000+0x10
  slo:error_budget_remaining:ratio{` + avail + `,route="/pay"} 0.5+0x10
  slo:error_budget_remaining:ratio{` + avail + `,route="/refund"} 1+0x10
  slo:sli_error:ratio_period{` + avail + `,route="/pay"} 0.0005+0x10
  slo:sli_error:ratio_period{` + avail + `,route="/refund"} 0+0x10
  slo:sli_error:rate_period{` + avail + `,route="/pay"} 0.05+0x10
  slo:sli_error:rate_period{` + avail + `,route="/refund"} 0+0x10
  slo:sli_total:rate_period{` + avail + `,route="/pay"} 100+0x10
  slo:sli_total:rate_period{` + avail + `,route="/refund"} 5+0x10
  slo:period_coverage:ratio{` + avail + `,route="/pay"} 1+0x10
  slo:period_coverage:ratio{` + avail + `,route="/refund"} 1+0x10
  slo:sli_error:ratio_rate5m{` + avail + `,route="/pay"} 0.02+0x10
  slo:sli_error:ratio_rate1h{` + avail + `,route="/pay"} 0.0144+0x10
  slo:sli_error:ratio_rate6h{` + avail + `,route="/pay"} 0.006+0x10
  slo:sli_error:ratio_rate5m{` + avail + `,route="/refund"} 0+0x10
  slo:sli_error:ratio_rate1h{` + avail + `,route="/refund"} 0+0x10
  ALERTS{alertname="SLOErrorBudgetBurn",alertstate="firing",` + avail + `,route="/pay",severity="critical",slo_tier="page",long_window="1h",short_window="5m",burn_factor="14.4",component="api"} 1+0x10
  ALERTS{alertname="SLOErrorBudgetBurn",alertstate="pending",` + avail + `,route="/pay",severity="info",slo_tier="ticket",long_window="1d",short_window="2h",burn_factor="3",component="api"} 1+0x10
  slo:objective:ratio{` + latency + `} 0.95+0x10
  slo:error_budget:ratio{` + latency + `} 0.05+0x10
  slo:period:seconds{` + latency + `} 2419200+0x10
  slo:error_budget_remaining:ratio{` + latency + `} -0.2+0x10
  slo:sli_error:ratio_period{` + latency + `} 0.06+0x10
  slo:sli_error:ratio_rate1h{` + latency + `} 0.06+0x10
  ALERTS{alertname="SLOErrorBudgetBurn",alertstate="firing",` + latency + `,severity="warning",slo_tier="ticket",long_window="3d",short_window="6h",burn_factor="1"} 1+0x10
  ALERTS{alertname="OtherAlert",alertstate="firing",` + latency + `,slo_tier="page"} 1+0x10
  slo:objective:ratio{` + query + `} 0.99+0x10
  slo:error_budget:ratio{` + query + `} 0.01+0x10
  slo:period:seconds{` + query + `} 604800+0x10
  slo:objective:ratio{` + suggest + `} 0.99+0x10
  slo:error_budget:ratio{` + suggest + `} 0.01+0x10
  slo:period:seconds{` + suggest + `} 604800+0x10
  slo:error_budget_remaining:ratio{` + suggest + `} 1+0x10
  slo:sli_error:ratio_period{` + suggest + `} 0+0x10
  slo:sli_error:rate_period{` + suggest + `} 0+0x10
  slo:sli_total:rate_period{` + suggest + `} 0+0x10
  slo:period_coverage:ratio{` + suggest + `} 1+0x10
  slo:objective:ratio{` + legacy + `} 0.9+0x10
  slo:error_budget_remaining:ratio{` + legacy + `} 0.3+0x10
  slo:error_budget_remaining:ratio{` + cart + `,route="/a"} 0.9+0x10
  slo:error_budget_remaining:ratio{` + cart + `,route="/b"} 0.7+0x10
  slo:sli_error:ratio_rate5m{` + cart + `,route="/a"} 0.001+0x10
  unrelated_metric{service="x",slo="y"} 1+0x10
`

// engineQuery is the daemon's QueryFunc over q (evaluator.QueryFunc: warnings fail a query), with an engine
// configured as the daemon's.
func engineQuery(t *testing.T, q storage.Queryable) budget.QueryFunc {
	t.Helper()
	ng := evaluator.NewEngine(promslog.NewNopLogger(), nil, parser.NewParser(parser.Options{}), time.Minute)
	t.Cleanup(func() { require.NoError(t, ng.Close()) })
	return budget.QueryFunc(evaluator.QueryFunc(ng, q))
}

// loaded returns a QueryFunc over the fixture script.
func loaded(t *testing.T, script string) budget.QueryFunc {
	t.Helper()
	st := promqltest.LoadedStorage(t, script)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return engineQuery(t, st)
}

// fixtureWindows are the alert windows of the fixtures' SLOs, whatever the period.
func fixtureWindows(time.Duration) slo.Windows {
	return slo.Windows{Alerts: []slo.AlertWindow{{Short: 5 * time.Minute, Long: time.Hour}, {Short: 6 * time.Hour, Long: 3 * day}}}
}

// spec is an SLO as a spec file would define it.
func spec(service, name, owner string, layer slo.Layer, objective string, period time.Duration, grouping ...string) *slo.SLO {
	return &slo.SLO{Service: service, Name: name, Owner: owner, Layer: layer, Objective: slo.MustObjective(objective),
		Period: period, Grouping: grouping}
}

// fixtureCatalog is what the specs of the fixture's SLOs say; legacy is not loaded any more, its series linger.
func fixtureCatalog() *catalog.Catalog {
	return catalog.New([]*slo.SLO{
		spec("checkout", "journey-latency", "team-checkout", slo.LayerProduct, "95", 30*day),
		spec("payments", "api-availability", "team-payments", slo.LayerService, "99.9", 30*day, "route"),
		spec("payments", "api-latency", "team-payments", slo.LayerService, "95", 28*day),
		spec("search", "query", "team-search", slo.LayerService, "99", 7*day),
		spec("search", "suggest", "team-search", slo.LayerService, "99", 7*day),
		spec("cart", "add", "team-cart", slo.LayerService, "99", 30*day, "route"),
	}, fixtureWindows)
}

func key(s budget.Status) string {
	k := s.Service + "/" + s.SLO
	if s.Grouping != nil {
		b, _ := json.Marshal(s.Grouping)
		k += string(b)
	}
	return k
}

func requireNumber(t *testing.T, want, got float64, field string) {
	t.Helper()
	switch {
	case math.IsNaN(want):
		require.Truef(t, math.IsNaN(got), "%s: want NaN, got %v", field, got)
	case math.IsInf(want, 0):
		require.Equalf(t, want, got, "%s", field)
	default:
		require.InDeltaf(t, want, got, 1e-9*math.Max(1, math.Abs(want)), "%s", field)
	}
}

func requireStatus(t *testing.T, want, got budget.Status) {
	t.Helper()
	require.Equal(t, want.SLO, got.SLO)
	require.Equal(t, want.Service, got.Service)
	require.Equal(t, want.Layer, got.Layer)
	require.Equal(t, want.Owner, got.Owner)
	require.Equal(t, want.Grouping, got.Grouping)
	require.Equal(t, want.Period, got.Period)
	requireNumber(t, want.Objective, got.Objective, "objective")
	requireNumber(t, want.ErrorBudget, got.ErrorBudget, "error budget")
	requireNumber(t, want.BudgetRemaining, got.BudgetRemaining, "budget remaining")
	requireNumber(t, want.ErrorRatioPeriod, got.ErrorRatioPeriod, "error ratio over the period")
	requireNumber(t, want.EventsTotal, got.EventsTotal, "events total")
	requireNumber(t, want.EventsGood, got.EventsGood, "events good")
	requireNumber(t, want.Coverage, got.Coverage, "coverage")
	requireNumber(t, want.TimeToExhaustion, got.TimeToExhaustion, "time to exhaustion")
	require.Equal(t, want.PageFiring, got.PageFiring, "page firing")
	require.Equal(t, want.TicketFiring, got.TicketFiring, "ticket firing")
	require.Len(t, got.Windows, len(want.Windows))
	for i := range want.Windows {
		require.Equal(t, want.Windows[i].Duration, got.Windows[i].Duration)
		requireNumber(t, want.Windows[i].ErrorRatio, got.Windows[i].ErrorRatio, "window error ratio")
		requireNumber(t, want.Windows[i].SLI, got.Windows[i].SLI, "window SLI")
		requireNumber(t, want.Windows[i].BurnRate, got.Windows[i].BurnRate, "window burn rate")
	}
}

func win(d time.Duration, ratio, errorBudget float64) budget.Window {
	return budget.Window{Duration: d, ErrorRatio: ratio, SLI: 1 - ratio, BurnRate: ratio / errorBudget}
}

const day = 24 * time.Hour

func TestCompute(t *testing.T) {
	snap, err := budget.Compute(t.Context(), budget.Options{Query: loaded(t, fixture), Catalog: fixtureCatalog()}, evalAt)
	require.NoError(t, err)
	require.Equal(t, evalAt, snap.Time)

	var keys []string
	got := map[string]budget.Status{}
	for _, s := range snap.SLOs {
		keys = append(keys, key(s))
		got[key(s)] = s
	}
	// Sorted by service, SLO, grouping; legacy is not known any more.
	require.Equal(t, []string{
		"cart/add" + `{"route":"/a"}`,
		"cart/add" + `{"route":"/b"}`,
		"checkout/journey-latency",
		"payments/api-availability" + `{"route":"/pay"}`,
		"payments/api-availability" + `{"route":"/refund"}`,
		"payments/api-latency",
		"search/query",
		"search/suggest",
	}, keys)

	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		key  string
		want budget.Status
	}{
		{
			name: "normal SLO: static labels are not grouping labels, windows sorted by duration",
			key:  "checkout/journey-latency",
			want: budget.Status{
				SLO: "journey-latency", Service: "checkout", Layer: "product", Owner: "team-checkout",
				Objective: 0.95, ErrorBudget: 0.05, Period: 30 * day,
				BudgetRemaining: 0.8, ErrorRatioPeriod: 0.01, Coverage: 0.5,
				EventsTotal: 10 * 2592000 * 0.5, EventsGood: 9.9 * 2592000 * 0.5,
				Windows: []budget.Window{
					win(5*time.Minute, 0.02, 0.05), win(time.Hour, 0.01, 0.05),
					win(6*time.Hour, 0.005, 0.05), win(3*day, 0.01, 0.05),
				},
				// 1h is the shortest window >= 30d/720: burn 0.2.
				TimeToExhaustion: 0.8 * 2592000 / 0.2,
			},
		},
		{
			name: "grouped SLO, burning route: 1h burn 14.4 pages; a pending ticket alert does not count",
			key:  "payments/api-availability" + `{"route":"/pay"}`,
			want: budget.Status{
				SLO: "api-availability", Service: "payments", Layer: "service", Owner: "team-payments",
				Grouping:  map[string]string{"route": "/pay"},
				Objective: 0.999, ErrorBudget: 0.001, Period: 30 * day,
				BudgetRemaining: 0.5, ErrorRatioPeriod: 0.0005, Coverage: 1,
				EventsTotal: 100 * 2592000, EventsGood: 99.95 * 2592000,
				Windows: []budget.Window{
					win(5*time.Minute, 0.02, 0.001), win(time.Hour, 0.0144, 0.001), win(6*time.Hour, 0.006, 0.001),
				},
				TimeToExhaustion: 0.5 * 2592000 / 14.4,
				PageFiring:       true,
			},
		},
		{
			name: "grouped SLO, healthy route: metadata applies to every group",
			key:  "payments/api-availability" + `{"route":"/refund"}`,
			want: budget.Status{
				SLO: "api-availability", Service: "payments", Layer: "service", Owner: "team-payments",
				Grouping:  map[string]string{"route": "/refund"},
				Objective: 0.999, ErrorBudget: 0.001, Period: 30 * day,
				BudgetRemaining: 1, ErrorRatioPeriod: 0, Coverage: 1,
				EventsTotal: 5 * 2592000, EventsGood: 5 * 2592000,
				Windows:          []budget.Window{win(5*time.Minute, 0, 0.001), win(time.Hour, 0, 0.001)},
				TimeToExhaustion: inf,
			},
		},
		{
			name: "spent budget: time to exhaustion 0, ticket firing, other alerts ignored",
			key:  "payments/api-latency",
			want: budget.Status{
				SLO: "api-latency", Service: "payments", Layer: "service", Owner: "team-payments",
				Objective: 0.95, ErrorBudget: 0.05, Period: 28 * day,
				BudgetRemaining: -0.2, ErrorRatioPeriod: 0.06,
				EventsTotal: nan, EventsGood: nan,
				Windows:          []budget.Window{win(time.Hour, 0.06, 0.05)},
				TimeToExhaustion: 0,
				TicketFiring:     true,
			},
		},
		{
			name: "no data yet: only metadata, budget unknown",
			key:  "search/query",
			want: budget.Status{
				SLO: "query", Service: "search", Layer: "service", Owner: "team-search",
				Objective: 0.99, ErrorBudget: 0.01, Period: 7 * day,
				BudgetRemaining: nan, ErrorRatioPeriod: nan, EventsTotal: nan, EventsGood: nan,
				TimeToExhaustion: nan,
			},
		},
		{
			name: "no traffic, as recorded: full budget, zero events, not burning",
			key:  "search/suggest",
			want: budget.Status{
				SLO: "suggest", Service: "search", Layer: "service", Owner: "team-search",
				Objective: 0.99, ErrorBudget: 0.01, Period: 7 * day,
				BudgetRemaining: 1, ErrorRatioPeriod: 0, Coverage: 1,
				TimeToExhaustion: inf,
			},
		},
		{
			name: "no metadata recorded yet: the spec gives the grouping, objective and period; its static label is not a group",
			key:  "cart/add" + `{"route":"/a"}`,
			want: budget.Status{
				SLO: "add", Service: "cart", Layer: "service", Owner: "team-cart",
				Grouping:  map[string]string{"route": "/a"},
				Objective: 0.99, ErrorBudget: 0.01, Period: 30 * day,
				BudgetRemaining: 0.9, ErrorRatioPeriod: nan, EventsTotal: nan, EventsGood: nan,
				Windows: []budget.Window{win(5*time.Minute, 0.001, 0.01)},
				// 5m, the only window, is shorter than 30d/720: the longest there is extrapolates.
				TimeToExhaustion: 0.9 * 2592000 / 0.1,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := got[tc.key]
			require.True(t, ok, "no status for %s", tc.key)
			requireStatus(t, tc.want, s)
		})
	}
}

// The catalog decides which SLOs there are: a removed SLO is dropped although its series linger, whatever labels
// they carry.
func TestCatalogDecidesTheSLOs(t *testing.T) {
	q := loaded(t, fixture)
	cat := fixtureCatalog()
	snap, err := budget.Compute(t.Context(), budget.Options{Query: q, Catalog: cat}, evalAt)
	require.NoError(t, err)
	services := map[string]bool{}
	for _, s := range snap.SLOs {
		services[s.Service] = true
	}
	require.False(t, services["legacy"], "legacy is not loaded")
	require.True(t, services["payments"])

	// Loaded again, it is back with what its series say.
	snap, err = budget.Compute(t.Context(), budget.Options{Query: q, Catalog: catalog.New(
		[]*slo.SLO{spec("legacy", "old", "team-legacy", slo.LayerService, "90", 30*day)}, fixtureWindows)}, evalAt)
	require.NoError(t, err)
	require.Len(t, snap.SLOs, 1)
	require.Equal(t, "legacy", snap.SLOs[0].Service)
	require.InDelta(t, 0.3, snap.SLOs[0].BudgetRemaining, 1e-12)
}

func TestQueryErrorFailsCompute(t *testing.T) {
	q := loaded(t, fixture)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		query   budget.QueryFunc
		wantErr string
	}{
		{name: "canceled context, real engine", ctx: canceled, query: q, wantErr: "query was canceled"},
		{
			name: "the last query fails",
			ctx:  t.Context(),
			query: func(ctx context.Context, qs string, ts time.Time) (promql.Vector, error) {
				if strings.HasPrefix(qs, "ALERTS") {
					return nil, errors.New("remote read: connection refused")
				}
				return q(ctx, qs, ts)
			},
			wantErr: "connection refused",
		},
		{name: "no query function", ctx: t.Context(), query: nil, wantErr: "no query function or catalog"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := budget.Compute(tc.ctx, budget.Options{Query: tc.query, Catalog: fixtureCatalog()}, evalAt)
			require.ErrorContains(t, err, tc.wantErr)
			require.Nil(t, snap)
		})
	}
}

func TestQueriesDoNotGrowWithSLOs(t *testing.T) {
	one := "load 1m\n  slo:error_budget_remaining:ratio{" + query + "} 1+0x10\n"
	for _, tc := range []struct {
		name   string
		script string
		cat    *catalog.Catalog
		slos   int
	}{
		{name: "one SLO", script: one, slos: 1,
			cat: catalog.New([]*slo.SLO{spec("search", "query", "team-search", slo.LayerService, "99", 7*day)}, fixtureWindows)},
		{name: "many SLOs", script: fixture, cat: fixtureCatalog(), slos: 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := loaded(t, tc.script)
			var ran []string
			record := func(ctx context.Context, qs string, ts time.Time) (promql.Vector, error) {
				ran = append(ran, qs)
				return base(ctx, qs, ts)
			}
			snap, err := budget.Compute(t.Context(), budget.Options{Query: record, Catalog: tc.cat}, evalAt)
			require.NoError(t, err)
			require.Len(t, snap.SLOs, tc.slos)
			require.Equal(t, budget.Queries(tc.cat), ran)
			require.Len(t, ran, 9)
		})
	}
}

func TestTimeToExhaustion(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ws := func(ds ...time.Duration) []budget.Window {
		var out []budget.Window
		for i, d := range ds {
			// Burn rates 1, 2, 3, … by window, so the test shows which one was used.
			out = append(out, budget.Window{Duration: d, BurnRate: float64(i + 1)})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		remaining float64
		period    time.Duration
		windows   []budget.Window
		want      float64
	}{
		{name: "30d uses 1h, the Workbook's fastest page window", remaining: 0.5, period: 30 * day,
			windows: ws(5*time.Minute, 30*time.Minute, time.Hour, 6*time.Hour), want: 0.5 * 2592000 / 3},
		{name: "7d uses the shortest window of at least 14m", remaining: 1, period: 7 * day,
			windows: ws(5*time.Minute, 30*time.Minute, time.Hour), want: 604800.0 / 2},
		{name: "all windows shorter: the longest", remaining: 1, period: 30 * day,
			windows: ws(5*time.Minute, 10*time.Minute), want: 2592000.0 / 2},
		{name: "burn rate 1 spends what is left of the period", remaining: 0.25, period: 30 * day,
			windows: []budget.Window{{Duration: time.Hour, BurnRate: 1}}, want: 0.25 * 2592000},
		{name: "spent", remaining: 0, period: 30 * day, windows: ws(time.Hour), want: 0},
		{name: "overspent", remaining: -1.5, period: 30 * day, windows: ws(time.Hour), want: 0},
		{name: "not burning", remaining: 0.9, period: 30 * day,
			windows: []budget.Window{{Duration: time.Hour, BurnRate: 0}}, want: inf},
		{name: "no window has data", remaining: 0.9, period: 30 * day, want: inf},
		{name: "budget unknown", remaining: nan, period: 30 * day, windows: ws(time.Hour), want: nan},
		{name: "burn rate unknown", remaining: 0.9, period: 30 * day,
			windows: []budget.Window{{Duration: time.Hour, BurnRate: nan}}, want: nan},
		{name: "period unknown", remaining: 0.9, windows: ws(time.Hour), want: nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireNumber(t, tc.want, budget.TimeToExhaustion(tc.remaining, tc.period, tc.windows), "time to exhaustion")
		})
	}
}

func TestSnapshotJSON(t *testing.T) {
	snap, err := budget.Compute(t.Context(), budget.Options{Query: loaded(t, fixture), Catalog: fixtureCatalog()}, evalAt)
	require.NoError(t, err)
	b, err := json.Marshal(snap)
	require.NoError(t, err)

	var doc struct {
		Time time.Time        `json:"time"`
		SLOs []map[string]any `json:"slos"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.True(t, doc.Time.Equal(evalAt))
	byKey := map[string]map[string]any{}
	for _, s := range doc.SLOs {
		k := s["service"].(string) + "/" + s["slo"].(string)
		if g, ok := s["grouping"].(map[string]any); ok {
			k += "|" + g["route"].(string)
		}
		byKey[k] = s
	}

	for _, tc := range []struct {
		name  string
		key   string
		field string
		want  any
	}{
		{name: "unknown budget is null", key: "search/query", field: "budget_remaining", want: nil},
		{name: "unknown time to exhaustion is null", key: "search/query", field: "time_to_exhaustion_seconds", want: nil},
		{name: "not burning (+Inf) is null", key: "search/suggest", field: "time_to_exhaustion_seconds", want: nil},
		{name: "no windows is an empty list", key: "search/query", field: "windows", want: []any{}},
		{name: "period in seconds", key: "payments/api-latency", field: "period_seconds", want: 2419200.0},
		{name: "spent budget", key: "payments/api-latency", field: "budget_remaining", want: -0.2},
		{name: "ticket firing", key: "payments/api-latency", field: "ticket_firing", want: true},
		{name: "page firing on one group only", key: "payments/api-availability|/pay", field: "page_firing", want: true},
		{name: "windows as Prometheus durations", key: "payments/api-availability|/refund", field: "windows", want: []any{
			map[string]any{"window": "5m", "error_ratio": 0.0, "sli": 1.0, "burn_rate": 0.0},
			map[string]any{"window": "1h", "error_ratio": 0.0, "sli": 1.0, "burn_rate": 0.0},
		}},
		{name: "ungrouped SLO has no grouping", key: "checkout/journey-latency", field: "grouping", want: nil},
		{name: "coverage", key: "checkout/journey-latency", field: "coverage", want: 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := byKey[tc.key]
			require.True(t, ok, "no %s in %s", tc.key, b)
			require.Equal(t, tc.want, s[tc.field], "%s in %s", tc.field, b)
		})
	}

	t.Run("keys are the json tags of Status", func(t *testing.T) {
		var want []string
		for f := range reflect.TypeFor[budget.Status]().Fields() {
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "-" {
				want = append(want, name)
			}
		}
		var got []string
		for k := range byKey["payments/api-availability|/pay"] {
			got = append(got, k)
		}
		require.ElementsMatch(t, want, got)
	})

	t.Run("empty snapshot has an empty list", func(t *testing.T) {
		b, err := json.Marshal(budget.Snapshot{Time: evalAt})
		require.NoError(t, err)
		require.JSONEq(t, `{"time":"`+evalAt.Format(time.RFC3339)+`","slos":[]}`, string(b))
	})
}

// TestCurrentAndStale: an SLO's numbers say when its budget group last evaluated them, and whether that is recent
// enough to count as current (issue 18 case 1); a loaded SLO without any series is listed, unknown and not current.
func TestCurrentAndStale(t *testing.T) {
	stale := `service="shop",slo="stopped",layer="service",owner="team-shop"`
	// nodata's budget group evaluates (its objective is recorded) but it has no data: current, budget unknown.
	nodata := `service="shop",slo="nodata",layer="service",owner="team-shop"`
	q := loaded(t, `load 1m
  slo:objective:ratio{`+avail+`} 0.999+0x10
  slo:error_budget_remaining:ratio{`+avail+`} 0.5+0x10
  slo:objective:ratio{`+stale+`} 0.999+0x5
  slo:error_budget_remaining:ratio{`+stale+`} 0.5+0x5
  slo:objective:ratio{`+nodata+`} 0.999+0x10
  slo:review_since:timestamp_seconds{`+nodata+`} 60+0x10
`)
	shop := func(name string) *slo.SLO { return spec("shop", name, "team-shop", slo.LayerService, "99.9", 30*day) }
	snap, err := budget.Compute(t.Context(), budget.Options{Query: q, Catalog: catalog.New([]*slo.SLO{
		spec("payments", "api-availability", "team-payments", slo.LayerService, "99.9", 30*day),
		shop("stopped"), shop("new"), shop("nodata"),
	}, fixtureWindows)}, time.Unix(480, 0))
	require.NoError(t, err)
	byKey := map[string]budget.Status{}
	for _, s := range snap.SLOs {
		byKey[key(s)] = s
	}
	require.Len(t, byKey, 4)
	require.True(t, byKey["shop/nodata"].Current, "evaluated without data: current, and unknown")
	require.True(t, math.IsNaN(byKey["shop/nodata"].BudgetRemaining))
	require.Equal(t, time.Unix(60, 0).UTC(), byKey["shop/nodata"].ReviewSince, "the review clock its rules recorded")
	require.True(t, byKey["payments/api-availability"].ReviewSince.IsZero())

	current := byKey["payments/api-availability"]
	require.True(t, current.Current)
	require.Equal(t, time.Unix(480, 0).UTC(), current.Updated)

	// Last evaluated at 300 s, 3 minutes before: not current (the default limit is 3 minutes, inclusive), but
	// the numbers are still there, marked.
	stopped := byKey["shop/stopped"]
	require.Equal(t, time.Unix(300, 0).UTC(), stopped.Updated)
	require.True(t, stopped.Current, "exactly three minutes old is still current")
	snap, err = budget.Compute(t.Context(), budget.Options{Query: q, Catalog: catalog.New([]*slo.SLO{shop("stopped")}, fixtureWindows)}, time.Unix(481, 0))
	require.NoError(t, err)
	for _, s := range snap.SLOs {
		if s.SLO == "stopped" {
			require.False(t, s.Current)
			require.InDelta(t, 0.5, s.BudgetRemaining, 1e-12)
		}
	}

	fresh := byKey["shop/new"]
	require.False(t, fresh.Current)
	require.Equal(t, "service", fresh.Layer, "from the spec, before any series says so")
	require.Equal(t, "team-shop", fresh.Owner)
	require.True(t, fresh.Updated.IsZero())
	require.True(t, math.IsNaN(fresh.BudgetRemaining))
	b, err := json.Marshal(fresh)
	require.NoError(t, err)
	require.Contains(t, string(b), `"budget_remaining":null`)
	require.Contains(t, string(b), `"current":false`)
	require.NotContains(t, string(b), `"updated"`)
}
