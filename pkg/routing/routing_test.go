package routing_test

import (
	"slices"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/routing"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// routingCases are alerts and the exact receivers, in order, that
// testdata/escalation.yaml must send them to.
var routingCases = []struct {
	name   string
	labels model.LabelSet
	want   []string
	// outside marks alerts that are not slokeeper's: the subtree must not
	// catch them.
	outside bool
}{
	{
		name:   "page of team-payments",
		labels: alert(c.AlertBurn, "team-payments", "payments-api", "service", "page", "availability"),
		want:   []string{"payments-pager"},
	},
	{
		name:   "ticket of team-payments",
		labels: alert(c.AlertBurn, "team-payments", "payments-api", "service", "ticket", "availability"),
		want:   []string{"payments-tickets"},
	},
	{
		name:   "budget low of team-payments is a ticket",
		labels: alert(c.AlertBudgetLow, "team-payments", "payments-api", "service", "ticket", "availability"),
		want:   []string{"payments-tickets"},
	},
	{
		name:   "overdue review of a product SLO is a ticket for the owning team only",
		labels: alert(c.AlertReviewOverdue, "team-checkout", "checkout", "product", "ticket", "checkout-completes"),
		want:   []string{"checkout-tickets"},
	},
	{
		name:   "product-layer page escalates to product owners, then the team",
		labels: alert(c.AlertBurn, "team-checkout", "checkout", "product", "page", "checkout-completes"),
		want:   []string{"product-owners", "checkout-pager"},
	},
	{
		name:   "product-layer ticket does not escalate",
		labels: alert(c.AlertBurn, "team-checkout", "checkout", "product", "ticket", "checkout-completes"),
		want:   []string{"checkout-tickets"},
	},
	{
		name:   "infrastructure-layer page reaches every also_notify receiver in order",
		labels: alert(c.AlertBurn, "team-payments", "payments-db", "infrastructure", "page", "latency"),
		want:   []string{"platform-oncall", "sre-leads", "payments-pager"},
	},
	{
		name:   "feature freeze of team-payments",
		labels: alert(c.AlertFeatureFreeze, "team-payments", "payments-api", "service", "ticket", ""),
		want:   []string{"release-management", "payments-tickets"},
	},
	{
		name:   "exhausted budget of team-payments is of the freeze class",
		labels: alert(c.AlertBudgetExhausted, "team-payments", "payments-api", "service", "ticket", "availability"),
		want:   []string{"release-management", "payments-tickets"},
	},
	{
		name:   "freeze of a product-layer service: release management and the team's tickets, no page",
		labels: alert(c.AlertFeatureFreeze, "team-checkout", "checkout", "product", "ticket", ""),
		want:   []string{"release-management", "checkout-tickets"},
	},
	{
		name:   "page of an unknown team",
		labels: alert(c.AlertBurn, "team-nobody", "mystery", "service", "page", "availability"),
		want:   []string{"slo-unrouted"},
	},
	{
		name:   "ticket of an alert without owner",
		labels: alert(c.AlertBurn, "", "mystery", "service", "ticket", "availability"),
		want:   []string{"slo-unrouted"},
	},
	{
		name:   "freeze of an unknown team still reaches the default receiver",
		labels: alert(c.AlertFeatureFreeze, "team-nobody", "mystery", "service", "ticket", ""),
		want:   []string{"release-management", "slo-unrouted"},
	},
	{
		name:   "product-layer page of an unknown team still reaches the default receiver",
		labels: alert(c.AlertBurn, "team-nobody", "mystery", "product", "page", "journey"),
		want:   []string{"product-owners", "slo-unrouted"},
	},
	{
		name:   "team without tickets receiver: tickets go to its pager",
		labels: alert(c.AlertBurn, "team-search", "search", "service", "ticket", "latency"),
		want:   []string{"search-pager"},
	},
	{
		name:   "team without tickets receiver: a freeze goes to the default receiver, not its pager",
		labels: alert(c.AlertFeatureFreeze, "team-search", "search", "service", "ticket", ""),
		want:   []string{"release-management", "slo-unrouted"},
	},
	{
		name:   "team without tickets receiver: pages go to its pager",
		labels: alert(c.AlertBurn, "team-search", "search", "service", "page", "latency"),
		want:   []string{"search-pager"},
	},
	{
		name:   "alert of a team without slo_tier goes to its pager",
		labels: alert(c.AlertBurn, "team-payments", "payments-api", "service", "", "availability"),
		want:   []string{"payments-pager"},
	},
	{
		name:    "an alert of another system with slokeeper-like labels is not routed by slokeeper",
		labels:  alert("HighLatency", "team-payments", "payments-api", "service", "page", "availability"),
		want:    []string{"slo-unrouted"}, // the complete file's top route
		outside: true,
	},
}

func TestRoutingComplete(t *testing.T) {
	cfg, _ := complete(t, sample(t))
	for _, tc := range routingCases {
		t.Run(tc.name, func(t *testing.T) {
			got := route(cfg, tc.labels)
			require.Equal(t, tc.want, got, "labels %s", tc.labels)
			require.Equal(t, got, routing.Receivers(cfg, tc.labels), "Receivers disagrees with dispatch")
		})
	}
}

// TestRoutingFragment checks that the fragment, embedded in a top route as
// the user's alertmanager.yml would, routes slokeeper's alerts the same way.
func TestRoutingFragment(t *testing.T) {
	f, err := routing.Generate(sample(t))
	require.NoError(t, err)
	out, err := f.RenderFragment()
	require.NoError(t, err)
	cfg, err := routing.ValidateFragment(out)
	require.NoError(t, err)
	for _, tc := range routingCases {
		t.Run(tc.name, func(t *testing.T) {
			got := route(cfg, tc.labels)
			if tc.outside {
				require.NotContains(t, got, "payments-pager")
				require.Len(t, got, 1)
				require.NotContains(t, f.Receivers, got[0], "an outside alert reached a slokeeper receiver")
				return
			}
			require.Equal(t, tc.want, got, "labels %s", tc.labels)
		})
	}
}

// TestOtherTeamsNeverReachPayments sends every kind of slokeeper alert of
// every other owner, layer and tier, and checks none reaches the payments
// pager or tickets.
func TestOtherTeamsNeverReachPayments(t *testing.T) {
	cfg, _ := complete(t, sample(t))
	owners := []string{"team-checkout", "team-search", "team-nobody", "", "team-payments-2", "Team-Payments"}
	n := 0
	for _, owner := range owners {
		for _, name := range routing.Alerts {
			for _, layer := range slo.Layers {
				for _, tier := range []string{c.TierPage, c.TierTicket, ""} {
					ls := alert(name, owner, "payments-api", string(layer), tier, "availability")
					got := route(cfg, ls)
					require.NotEmpty(t, got, "labels %s", ls)
					require.False(t, slices.Contains(got, "payments-pager") || slices.Contains(got, "payments-tickets"),
						"%s reached a payments receiver: %v", ls, got)
					n++
				}
			}
		}
	}
	require.Equal(t, len(owners)*len(routing.Alerts)*len(slo.Layers)*3, n)
}

// TestRoutingEscapesLabelValues checks that team names with quotes and
// backslashes survive the matcher syntax and the YAML.
func TestRoutingEscapesLabelValues(t *testing.T) {
	odd := `team "q" \ 'x', y`
	cfg, _ := complete(t, routing.Config{
		DefaultReceiver: "fallback",
		Teams:           map[string]routing.Team{odd: {Pager: `pager "odd"`}, "team": {Pager: "pager"}},
	})
	require.Equal(t, []string{`pager "odd"`}, route(cfg, alert(c.AlertBurn, odd, "svc", "service", "page", "s")))
	require.Equal(t, []string{"fallback"}, route(cfg, alert(c.AlertBurn, `team "q"`, "svc", "service", "page", "s")))
	require.Equal(t, []string{"pager"}, route(cfg, alert(c.AlertBurn, "team", "svc", "service", "ticket", "s")))
}

// TestRoutingMinimal checks the smallest config: everything goes to the
// default receiver, and group_by defaults.
func TestRoutingMinimal(t *testing.T) {
	cfg, _ := complete(t, routing.Config{DefaultReceiver: "slo"})
	require.Equal(t, []string{"slo"}, route(cfg, alert(c.AlertFeatureFreeze, "team-a", "svc", "product", "page", "")))
	require.Len(t, cfg.Route.Routes, 1)
	sub := cfg.Route.Routes[0]
	require.Equal(t, []model.LabelName{"alertname", "service", "slo"}, sub.GroupBy)
	require.Nil(t, sub.RepeatInterval, "unset timings are inherited")
	require.False(t, sub.Continue, "the subtree must stop slokeeper's alerts")
}

// freeze.page opts in to paging: the freeze alerts reach the team's pager (after release management), and nothing
// else changes.
func TestFreezePageOptIn(t *testing.T) {
	esc := sample(t)
	esc.Freeze.Page = true
	cfg, _ := complete(t, esc)
	freeze := alert(c.AlertFeatureFreeze, "team-payments", "payments-api", "service", "ticket", "")
	require.Equal(t, []string{"release-management", "payments-pager"}, route(cfg, freeze))
	require.Equal(t, []string{"release-management", "search-pager"},
		route(cfg, alert(c.AlertBudgetExhausted, "team-search", "search", "service", "ticket", "latency")))
	require.Equal(t, []string{"payments-tickets"},
		route(cfg, alert(c.AlertBudgetLow, "team-payments", "payments-api", "service", "ticket", "availability")))
}
