package policy

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

func TestJudge(t *testing.T) {
	p := Default()
	p.MinEvents = 1000
	for _, tc := range []struct {
		name               string
		remaining, cov, ev float64
		want, evidence     float64
	}{
		// Issue 18 case 3: 20 minutes into 28 days, a burst worth a tenth of the budget measures -20 303 %.
		{"young blip", -202.03, 20.0 / (28 * 24 * 60), 1e6, 1 - 203.03*(20.0/(28*24*60))/0.25, (20.0 / (28 * 24 * 60)) / 0.25},
		{"young real spend", -599, 0.001, 1e6, 1 - 600*0.001/0.25, 0.004},
		{"a quarter covered", -0.5, 0.25, 1e6, -0.5, 1},
		{"fully covered", -0.5, 1, 1e6, -0.5, 1},
		{"few events", -9, 1, 100, 0, 0.1},
		{"events not known", -9, 1, math.NaN(), -9, 1},
		{"coverage not known", -9, 0, 1e6, -9, 1},
		{"untouched", 1, 0.001, 1e6, 1, 1},
		{"budget not known", math.NaN(), 0.001, 1e6, math.NaN(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, evidence := p.Judge(Budget{Remaining: tc.remaining, Coverage: tc.cov, Events: tc.ev})
			if math.IsNaN(tc.want) {
				require.True(t, math.IsNaN(got), "got %g", got)
			} else {
				require.InDelta(t, tc.want, got, 1e-9)
			}
			require.InDelta(t, tc.evidence, evidence, 1e-9)
		})
	}
}

// TestYoungSLOFreezesOnlyOnEvidence is issue 18 case 3 through the state machine: a young SLO's blip warns of
// nothing, a real spend still freezes, and min_coverage 0 restores the measured budget's word.
func TestYoungSLOFreezesOnlyOnEvidence(t *testing.T) {
	young := func(remaining, coverage float64) Budget {
		b := budget("pay", "avail", slo.LayerService, remaining)
		b.Coverage, b.Events = coverage, 5000
		return b
	}
	r := newRun(t)
	svc := r.step(0, young(-202.03, 0.0005))
	require.Equal(t, StatusOK, svc.Status, svc.Reason)

	// Errors worth 30 % of the whole period's budget, seen over 1 % of it: more than a quarter is spent for sure.
	svc = r.step(time.Hour, young(1-0.30/0.01, 0.01))
	require.Equal(t, StatusFrozen, svc.Status)
	require.Len(t, svc.Triggers, 1)
	require.InDelta(t, 1-0.30/0.25, svc.Triggers[0].Remaining, 1e-9)
	require.InDelta(t, 0.04, svc.Triggers[0].Evidence, 1e-9)
	require.Contains(t, svc.Reason, "avail at -20.0% of its budget (threshold 0.0%), judged on 1.00% of its period")

	measured := Default()
	measured.MinCoverage = 0
	r = newRun(t, measured)
	svc = r.step(0, young(-202.03, 0.0005))
	require.Equal(t, StatusFrozen, svc.Status)
	require.Zero(t, svc.Triggers[0].Evidence)
}

// TestGateClosesWhilePaged is issue 18 case 7: a 187x burn pages while the budget over the period is still
// fine; the gate refuses ordinary changes and names the alert, lets exempt classes through, and opens when the
// page resolves. A policy with close_gate_on_page off keeps the gate open.
func TestGateClosesWhilePaged(t *testing.T) {
	alert := `SLOErrorBudgetBurn{service="pay",slo="avail",slo_tier="page"}`
	paged := budget("pay", "avail", slo.LayerService, 0.9)
	paged.Paging = []string{alert}
	r := newRun(t)
	svc := r.step(0, paged)
	require.Equal(t, StatusOK, svc.Status)
	require.Equal(t, []string{alert}, svc.Paging)
	req := GateRequest{Service: "pay", Now: r.now, MaxAge: time.Minute}

	d, ok := r.state.Gate(r.ps, req)
	require.True(t, ok)
	require.False(t, d.Allowed)
	require.False(t, d.Blind())
	require.Equal(t, []string{alert}, d.Paging)
	require.Equal(t, "paged: "+alert+" is firing; the gate stays closed while the service's on-call is paged (close_gate_on_page); changes of class p0, security go through", d.Reason)

	req.ChangeClass = "p0"
	d, _ = r.state.Gate(r.ps, req)
	require.True(t, d.Allowed)
	require.True(t, d.Exempt)

	svc = r.step(time.Minute, budget("pay", "avail", slo.LayerService, 0.9))
	require.Empty(t, svc.Paging)
	d, _ = r.state.Gate(r.ps, GateRequest{Service: "pay", Now: r.now, MaxAge: time.Minute})
	require.True(t, d.Allowed, d.Reason)

	// Paged before every budget is known (a young SLO before its first tile): refused for the page, not blind.
	young := budget("pay", "latency", slo.LayerService, math.NaN())
	r = newRun(t)
	r.step(0, paged, young)
	d, _ = r.state.Gate(r.ps, GateRequest{Service: "pay", Now: r.now, MaxAge: time.Minute})
	require.False(t, d.Allowed)
	require.False(t, d.Blind(), d.Reason)
	require.Equal(t, []string{alert}, d.Paging)
	// Stale: the page is as old as the budgets; blind.
	d, _ = r.state.Gate(r.ps, GateRequest{Service: "pay", Now: r.now.Add(2 * time.Minute), MaxAge: time.Minute})
	require.True(t, d.Blind())

	open := Default()
	open.CloseGateOnPage = false
	r = newRun(t, open)
	r.step(0, paged)
	d, _ = r.state.Gate(r.ps, GateRequest{Service: "pay", Now: r.now, MaxAge: time.Minute})
	require.True(t, d.Allowed, d.Reason)
}
