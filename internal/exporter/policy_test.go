package exporter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/exporter"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

func TestPolicyCollector(t *testing.T) {
	t0 := time.Unix(1_790_000_000, 0)
	ps := policy.Policies{policy.DefaultName: policy.Default()}
	st, _ := policy.Evaluate(policy.State{}, ps, []policy.Budget{
		{Service: "pay", SLO: "avail", Owner: "team-pay", Layer: slo.LayerService, Remaining: -0.1},
		{Service: "shop", SLO: "journey", Owner: "team-shop", Layer: slo.LayerProduct, Remaining: 0.9},
	}, t0)
	require.NoError(t, st.SetOverride("shop", policy.Override{Action: policy.OverrideSet, Who: "a", Why: "b", At: t0, Expires: t0.Add(time.Hour)}))

	c := exporter.NewPolicyCollector()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(""), conventions.MetricFreezeActive), "nothing before the first Set")

	// The layers come from the catalog (the specs), not from the state.
	cat := catalog.New([]*slo.SLO{
		{Service: "pay", Name: "avail", Layer: slo.LayerService}, {Service: "shop", Name: "journey", Layer: slo.LayerProduct},
	}, func(time.Duration) slo.Windows { return slo.Windows{} })
	c.Set(st, cat, map[string]bool{"shop": true})
	const want = `
# HELP slo_freeze_active 1 while the service is in a feature freeze under its error budget policy.
# TYPE slo_freeze_active gauge
slo_freeze_active{layer="service",owner="team-pay",service="pay"} 1
slo_freeze_active{layer="product",owner="team-shop",service="shop"} 0
# HELP slo_freeze_status The service's status under its error budget policy: 1 for the current status (ok, warning, frozen), 0 for the others.
# TYPE slo_freeze_status gauge
slo_freeze_status{layer="service",owner="team-pay",service="pay",status="frozen"} 1
slo_freeze_status{layer="service",owner="team-pay",service="pay",status="ok"} 0
slo_freeze_status{layer="service",owner="team-pay",service="pay",status="warning"} 0
slo_freeze_status{layer="product",owner="team-shop",service="shop",status="frozen"} 0
slo_freeze_status{layer="product",owner="team-shop",service="shop",status="ok"} 1
slo_freeze_status{layer="product",owner="team-shop",service="shop",status="warning"} 0
# HELP slo_freeze_status_since_timestamp_seconds When the service entered its current policy status, in seconds since the epoch.
# TYPE slo_freeze_status_since_timestamp_seconds gauge
slo_freeze_status_since_timestamp_seconds{layer="service",owner="team-pay",service="pay"} 1.79e+09
slo_freeze_status_since_timestamp_seconds{layer="product",owner="team-shop",service="shop"} 1.79e+09
# HELP slo_freezes_total Feature freezes the service entered (kept across restarts).
# TYPE slo_freezes_total counter
slo_freezes_total{layer="service",owner="team-pay",service="pay"} 1
slo_freezes_total{layer="product",owner="team-shop",service="shop"} 0
# HELP slo_freeze_override_active 1 while a manual override of the freeze (action lift or set) is in force.
# TYPE slo_freeze_override_active gauge
slo_freeze_override_active{action="set",layer="product",owner="team-shop",service="shop"} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want),
		conventions.MetricFreezeActive, conventions.MetricFreezeStatus, conventions.MetricFreezeSince, conventions.MetricFreezes, conventions.MetricOverride))
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	require.Empty(t, problems)

	// A service that leaves the state vanishes.
	delete(st.Services, "shop")
	c.Set(st, cat, nil)
	n, err := testutil.GatherAndCount(reg, conventions.MetricFreezeActive)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}
