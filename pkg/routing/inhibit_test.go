package routing_test

import (
	"testing"
	"time"

	amcommoncfg "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/eventrecorder"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/provider/mem"
	"github.com/prometheus/alertmanager/types"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
)

// startInhibitor runs Alertmanager's inhibitor over an in-memory alert
// provider holding the firing alerts, as Alertmanager does.
func startInhibitor(t *testing.T, rules []amcommoncfg.InhibitRule, firing ...model.LabelSet) *inhibit.Inhibitor {
	t.Helper()
	logger := promslog.NewNopLogger()
	alerts, err := mem.NewAlerts(t.Context(), time.Hour, 0, nil, logger, eventrecorder.NopRecorder(), nil, nil)
	require.NoError(t, err)
	t.Cleanup(alerts.Close)

	now := time.Now()
	for _, ls := range firing {
		require.NoError(t, alerts.Put(t.Context(), &types.Alert{
			Alert:     model.Alert{Labels: ls, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)},
			UpdatedAt: now,
		}))
	}

	ih := inhibit.NewInhibitor(alerts, rules, logger, eventrecorder.NopRecorder())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ih.Run()
	}()
	ih.WaitForLoading() // the firing alerts are in the rules' caches
	t.Cleanup(func() {
		ih.Stop()
		<-done
	})
	return ih
}

func TestInhibitRules(t *testing.T) {
	cfg, _ := complete(t, sample(t))
	require.Len(t, cfg.InhibitRules, 2)

	var (
		page          = alert(c.AlertBurn, "team-payments", "payments-api", "service", "page", "availability")
		ticket        = alert(c.AlertBurn, "team-payments", "payments-api", "service", "ticket", "availability")
		otherSLO      = alert(c.AlertBurn, "team-payments", "payments-api", "service", "ticket", "latency")
		otherService  = alert(c.AlertBurn, "team-payments", "payments-db", "service", "ticket", "availability")
		freeze        = alert(c.AlertFeatureFreeze, "team-payments", "payments-api", "service", "ticket", "")
		budgetLow     = alert(c.AlertBudgetLow, "team-payments", "payments-api", "service", "ticket", "availability")
		budgetLowDB   = alert(c.AlertBudgetLow, "team-payments", "payments-db", "service", "ticket", "availability")
		exhausted     = alert(c.AlertBudgetExhausted, "team-payments", "payments-api", "service", "ticket", "availability")
		otherPage     = alert(c.AlertBurn, "team-payments", "payments-api", "service", "page", "latency")
		checkoutPage  = alert(c.AlertBurn, "team-checkout", "checkout", "product", "page", "availability")
		checkoutTickt = alert(c.AlertBurn, "team-checkout", "checkout", "product", "ticket", "availability")
	)

	cases := []struct {
		name   string
		firing []model.LabelSet
		target model.LabelSet
		muted  bool
	}{
		{"a page mutes the ticket of the same SLO", []model.LabelSet{page}, ticket, true},
		{"a page leaves the ticket of another SLO", []model.LabelSet{page}, otherSLO, false},
		{"a page leaves the ticket of another service", []model.LabelSet{page}, otherService, false},
		{"a page does not mute another page", []model.LabelSet{page}, otherPage, false},
		{"a page does not mute itself", []model.LabelSet{page}, page, false},
		{"a ticket does not mute a ticket", []model.LabelSet{otherSLO}, ticket, false},
		{"a page of another team's service leaves ours", []model.LabelSet{checkoutPage}, ticket, false},
		{"a product page mutes its own ticket", []model.LabelSet{checkoutPage}, checkoutTickt, true},
		{"nothing firing mutes nothing", nil, ticket, false},
		{"a page leaves the exhausted budget of its SLO (a ticket for release management)", []model.LabelSet{page}, exhausted, false},
		{"a page leaves the freeze of its service", []model.LabelSet{page}, freeze, false},

		{"a freeze mutes budget-low tickets of the service", []model.LabelSet{freeze}, budgetLow, true},
		{"a freeze mutes burn tickets of the service", []model.LabelSet{freeze}, otherSLO, true},
		{"a freeze leaves the pages of the service", []model.LabelSet{freeze}, page, false},
		{"a freeze leaves exhausted-budget alerts", []model.LabelSet{freeze}, exhausted, false},
		{"a freeze leaves tickets of other services", []model.LabelSet{freeze}, budgetLowDB, false},
		{"an exhausted budget is not a freeze", []model.LabelSet{exhausted}, budgetLow, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ih := startInhibitor(t, cfg.InhibitRules, tc.firing...)
			require.Equal(t, tc.muted, ih.Mutes(t.Context(), tc.target), "target %s", tc.target)
		})
	}
}
