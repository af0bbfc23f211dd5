package catalog_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

func TestCatalog(t *testing.T) {
	day := 24 * time.Hour
	slos := []*slo.SLO{
		{Service: "shop", Name: "journey", Owner: "team-shop", Layer: slo.LayerProduct, Objective: slo.MustObjective("99.5"), Period: 28 * day},
		{Service: "pay", Name: "latency", Owner: "team-pay", Layer: slo.LayerService, Objective: slo.MustObjective("95"), Period: 30 * day,
			Policy: "strict", Grouping: []string{"route", "method"}, Alerting: slo.Alerting{RunbookURL: "https://runbooks.example/pay"}},
		{Service: "pay", Name: "availability", Owner: "team-pay", Layer: slo.LayerInfrastructure, Objective: slo.MustObjective("99.9"), Period: 30 * day},
	}
	o := generate.Options{}
	c := catalog.New(slos, o.Windows)

	var ids []string
	for _, s := range c.SLOs() {
		ids = append(ids, s.ID())
	}
	require.Equal(t, []string{"pay/availability", "pay/latency", "shop/journey"}, ids, "sorted by service and name")

	lat, ok := c.Lookup("pay", "latency")
	require.True(t, ok)
	require.Equal(t, []string{"method", "route"}, lat.Grouping, "grouping labels sorted")
	require.Equal(t, "strict", lat.Policy)
	require.Equal(t, "https://runbooks.example/pay", lat.RunbookURL)
	require.InDelta(t, 0.95, lat.Objective, 1e-12)
	require.InDelta(t, 0.05, lat.ErrorBudget, 1e-12)
	require.Equal(t, o.Windows(30*day).Distinct(), lat.Windows, "the windows the rules record")
	require.Same(t, slos[1], lat.Spec)
	_, ok = c.Lookup("pay", "nope")
	require.False(t, ok)

	pay, ok := c.Service("pay")
	require.True(t, ok)
	require.Equal(t, slo.LayerInfrastructure, pay.Layer, "the lowest layer of its SLOs")
	require.ElementsMatch(t, []string{"", "strict"}, pay.Policies, "the default policy is \"\"")
	shop, _ := c.Service("shop")
	require.Equal(t, slo.LayerProduct, shop.Layer)

	// Every window of every SLO, once, shortest first: the 28-day SLO's windows differ from the 30-day ones'.
	require.Subset(t, c.Windows(), o.Windows(28*day).Distinct())
	require.Subset(t, c.Windows(), o.Windows(30*day).Distinct())
	require.IsIncreasing(t, c.Windows())
	require.Equal(t, 30*day, c.LongestPeriod())
}
