package policy

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func budget(svc, name string, layer slo.Layer, remaining float64) Budget {
	return Budget{Service: svc, SLO: name, Owner: "team-" + svc, Layer: layer, Remaining: remaining}
}

// step evaluates one service with one SLO at the given budget, an hour after the previous step.
type run struct {
	t     *testing.T
	ps    Policies
	state State
	now   time.Time
	trans []Transition
}

func newRun(t *testing.T, ps ...Policy) *run {
	r := &run{t: t, ps: Policies{}, now: t0}
	for _, p := range ps {
		require.NoError(t, p.Validate())
		r.ps[p.Name] = p
	}
	return r
}

func (r *run) step(d time.Duration, bs ...Budget) *Service {
	r.now = r.now.Add(d)
	var tr []Transition
	r.state, tr = Evaluate(r.state, r.ps, bs, r.now)
	r.trans = append(r.trans, tr...)
	return r.state.Services[bs[0].Service]
}

func TestFreezeWarnAndLiftWithHysteresis(t *testing.T) {
	r := newRun(t) // no policies configured: the default applies
	svc := r.step(0, budget("pay", "avail", slo.LayerService, 0.5))
	require.Equal(t, StatusOK, svc.Status)
	require.Equal(t, t0, svc.Since)

	svc = r.step(time.Hour, budget("pay", "avail", slo.LayerService, 0.2))
	require.Equal(t, StatusWarning, svc.Status)
	warnSince := r.now
	require.Equal(t, warnSince, svc.Since)
	require.Equal(t, "budget low: avail at 20.0% of its budget (threshold 25.0%)", svc.Reason)

	svc = r.step(time.Hour, budget("pay", "avail", slo.LayerService, 0))
	require.Equal(t, StatusFrozen, svc.Status)
	frozenSince := r.now
	require.Equal(t, 1, svc.Freezes)
	require.Equal(t, []Trigger{{SLO: "avail", Layer: slo.LayerService, Remaining: 0, Threshold: 0}}, svc.Triggers)

	// Back above the freeze threshold but not above the lift threshold: still frozen, same since.
	svc = r.step(time.Hour, budget("pay", "avail", slo.LayerService, 0.05))
	require.Equal(t, StatusFrozen, svc.Status)
	require.Equal(t, frozenSince, svc.Since)
	require.Equal(t, "budget spent: avail at 5.0% of its budget (the freeze lifts above 10.0%)", svc.Reason)

	svc = r.step(time.Hour, budget("pay", "avail", slo.LayerService, 0.15))
	require.Equal(t, StatusWarning, svc.Status, "lifted into warning: 15% is under 25%")
	require.Equal(t, r.now, svc.Since)

	svc = r.step(time.Hour, budget("pay", "avail", slo.LayerService, 0.3))
	require.Equal(t, StatusOK, svc.Status)
	require.Equal(t, 1, svc.Freezes)
	require.Equal(t, []Transition{
		{Service: "pay", From: StatusOK, To: StatusWarning, At: t0.Add(time.Hour), Reason: "budget low: avail at 20.0% of its budget (threshold 25.0%)"},
		{Service: "pay", From: StatusWarning, To: StatusFrozen, At: t0.Add(2 * time.Hour), Reason: "budget spent: avail at 0.0% of its budget (threshold 0.0%)"},
		{Service: "pay", From: StatusFrozen, To: StatusWarning, At: t0.Add(4 * time.Hour), Reason: "budget low: avail at 15.0% of its budget (threshold 25.0%)"},
		{Service: "pay", From: StatusWarning, To: StatusOK, At: t0.Add(5 * time.Hour), Reason: "every SLO within its budget"},
	}, r.trans)
}

func TestHoveringBudgetFreezesOnce(t *testing.T) {
	r := newRun(t)
	for _, b := range []float64{-0.01, 0.01, -0.02, 0.08, 0.0, 0.09} {
		r.step(time.Minute, budget("pay", "avail", slo.LayerService, b))
	}
	svc := r.state.Services["pay"]
	require.Equal(t, StatusFrozen, svc.Status)
	require.Equal(t, 1, svc.Freezes)
	require.Equal(t, t0.Add(time.Minute), svc.Since)
	require.Len(t, r.trans, 1)
}

func TestMinimumFreeze(t *testing.T) {
	p := Default()
	p.MinFreeze = model.Duration(24 * time.Hour)
	r := newRun(t, p)
	r.step(0, budget("pay", "avail", slo.LayerService, -0.1))
	svc := r.step(time.Hour, budget("pay", "avail", slo.LayerService, 0.9))
	require.Equal(t, StatusFrozen, svc.Status)
	require.Equal(t, "budgets recovered, but the freeze lasts at least until 2026-11-03T09:00:00Z", svc.Reason)
	svc = r.step(23*time.Hour, budget("pay", "avail", slo.LayerService, 0.9))
	require.Equal(t, StatusOK, svc.Status)
}

func TestLayersThatCount(t *testing.T) {
	platform := Policy{Name: "platform", FreezeAt: 0, WarnAt: 0.25, LiftAt: 0.1, Layers: []slo.Layer{slo.LayerInfrastructure}}
	r := newRun(t, Default(), platform)
	product := budget("db", "journey", slo.LayerProduct, -0.5)
	product.Policy = "platform"
	infra := budget("db", "latency", slo.LayerInfrastructure, 0.5)
	infra.Policy = "platform"
	svc := r.step(0, product, infra)
	require.Equal(t, StatusOK, svc.Status, "a product SLO does not count under a policy of the infrastructure layer")
	infra.Remaining = -0.01
	svc = r.step(time.Minute, product, infra)
	require.Equal(t, StatusFrozen, svc.Status)
	require.Equal(t, []Trigger{{SLO: "latency", Layer: slo.LayerInfrastructure, Remaining: -0.01, Threshold: 0}}, svc.Triggers)
}

func TestUnknownBudgetsNeitherFreezeNorLift(t *testing.T) {
	r := newRun(t)
	svc := r.step(0, budget("pay", "avail", slo.LayerService, math.NaN()))
	require.Equal(t, StatusOK, svc.Status)
	r.step(time.Minute, budget("pay", "avail", slo.LayerService, -1))
	svc = r.step(time.Minute, budget("pay", "avail", slo.LayerService, math.NaN()))
	require.Equal(t, StatusFrozen, svc.Status, "no data is no reason to lift")
}

func TestWorstGroupDecides(t *testing.T) {
	r := newRun(t)
	svc := r.step(0,
		budget("pay", "avail", slo.LayerService, 0.9),
		budget("pay", "avail", slo.LayerService, -0.3), // another route of the grouped SLO
		budget("pay", "avail", slo.LayerService, -0.1),
		budget("pay", "latency", slo.LayerService, 0.0))
	require.Equal(t, StatusFrozen, svc.Status)
	require.Equal(t, []Trigger{
		{SLO: "avail", Layer: slo.LayerService, Remaining: -0.3, Threshold: 0},
		{SLO: "latency", Layer: slo.LayerService, Remaining: 0, Threshold: 0},
	}, svc.Triggers)
	require.Equal(t, "team-pay", svc.Owner)
}

func TestOverrides(t *testing.T) {
	r := newRun(t)
	spent := budget("pay", "avail", slo.LayerService, -0.2)
	r.step(0, spent)
	require.Equal(t, 1, r.state.Services["pay"].Freezes)

	// Lift for a security fix: not frozen (the budget still warns) until the override expires.
	lift := Override{Action: OverrideLift, Who: "alice", Why: "CVE fix", At: r.now, Expires: r.now.Add(2 * time.Hour)}
	require.NoError(t, r.state.SetOverride("pay", lift))
	svc := r.step(time.Minute, spent)
	require.Equal(t, StatusWarning, svc.Status)
	require.Contains(t, svc.Reason, "freeze lifted by alice until 2026-11-02T11:00:00Z: CVE fix")
	svc = r.step(2*time.Hour, spent)
	require.Equal(t, StatusFrozen, svc.Status, "the override expired and the budget is still spent")
	require.Nil(t, svc.Override)
	require.Equal(t, 2, svc.Freezes)
	require.Equal(t, r.now, svc.Since)

	// Set a freeze on a healthy service.
	healthy := budget("shop", "avail", slo.LayerProduct, 0.9)
	r.step(time.Minute, healthy)
	require.NoError(t, r.state.SetOverride("shop", Override{Action: OverrideSet, Who: "bob", Why: "release freeze", At: r.now, Expires: r.now.Add(time.Hour)}))
	svc = r.step(time.Minute, healthy)
	require.Equal(t, StatusFrozen, svc.Status)
	require.Len(t, svc.History, 1)

	for _, tc := range []struct {
		service string
		o       Override
		want    string
	}{
		{"nope", Override{Action: OverrideSet, Who: "a", Why: "b", At: t0, Expires: t0.Add(time.Hour)}, `unknown service "nope"`},
		{"shop", Override{Action: "thaw", Who: "a", Why: "b", At: t0, Expires: t0.Add(time.Hour)}, `unknown override "thaw"`},
		{"shop", Override{Action: OverrideSet, Why: "b", At: t0, Expires: t0.Add(time.Hour)}, "needs who and why"},
		{"shop", Override{Action: OverrideSet, Who: "a", Why: "b", At: t0, Expires: t0}, "must expire after"},
	} {
		require.ErrorContains(t, r.state.SetOverride(tc.service, tc.o), tc.want)
	}
}

func TestRemovedServices(t *testing.T) {
	r := newRun(t)
	r.step(0, budget("pay", "avail", slo.LayerService, -1), budget("shop", "avail", slo.LayerProduct, 1))
	r.step(time.Minute, budget("other", "avail", slo.LayerProduct, 1))
	require.Contains(t, r.state.Services, "pay", "removing the spec does not lift a freeze")
	require.NotContains(t, r.state.Services, "shop")
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		p    Policy
		want string
	}{
		{Policy{Name: "p", FreezeAt: 0.2, WarnAt: 0.3, LiftAt: 0.1}, "lift_at: must be above freeze_at (0.2)"},
		{Policy{Name: "p", FreezeAt: 0, WarnAt: 0, LiftAt: 0.1}, "warn_at: must be above freeze_at (0)"},
		{Policy{Name: "p", FreezeAt: 0, WarnAt: 2, LiftAt: 0.1}, "warn_at: must be a share of the error budget between -1 and 1, got 2"},
		{Policy{Name: "p", FreezeAt: 0, WarnAt: 0.2, LiftAt: 0.1, MinFreeze: model.Duration(-time.Hour)}, "min_freeze: must not be negative"},
		{Policy{Name: "p", FreezeAt: 0, WarnAt: 0.2, LiftAt: 0.1, Layers: []slo.Layer{"platform"}}, `layers: unknown layer "platform"`},
		{Policy{FreezeAt: 0, WarnAt: 0.2, LiftAt: 0.1}, "name: must not be empty"},
	} {
		require.ErrorContains(t, tc.p.Validate(), tc.want)
	}
	require.NoError(t, Default().Validate())
}

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := Store{Path: filepath.Join(dir, "policy.json")}
	st, err := s.Load()
	require.NoError(t, err)
	require.Empty(t, st.Services, "no file: an empty state")

	r := newRun(t)
	r.step(0, budget("pay", "avail", slo.LayerService, -1))
	require.NoError(t, s.Save(r.state))
	got, err := s.Load()
	require.NoError(t, err)
	require.True(t, got.Evaluated.IsZero(), "a loaded state was not evaluated since the start")
	got.Evaluated = r.state.Evaluated
	require.Equal(t, r.state, got)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left")

	// A restart evaluates the loaded state a day later, before the budgets are known again: still frozen, same
	// since, no new freeze.
	next, tr := Evaluate(got, Policies{}, []Budget{budget("pay", "avail", slo.LayerService, math.NaN())}, r.now.Add(24*time.Hour))
	require.Empty(t, tr)
	require.Equal(t, StatusFrozen, next.Services["pay"].Status)
	require.Equal(t, t0, next.Services["pay"].Since)
	require.Equal(t, 1, next.Services["pay"].Freezes)

	// Overrides and their history survive too.
	require.NoError(t, r.state.SetOverride("pay", Override{Action: OverrideLift, Who: "alice", Why: "P0", At: r.now, Expires: r.now.Add(time.Hour)}))
	require.NoError(t, s.Save(r.state))
	got, err = s.Load()
	require.NoError(t, err)
	got.Evaluated = r.state.Evaluated
	require.Equal(t, r.state, got)

	require.NoError(t, os.WriteFile(s.Path, []byte("{not json"), 0o644))
	_, err = s.Load()
	require.ErrorContains(t, err, "couldn't parse the policy state")
	require.NoError(t, os.WriteFile(s.Path, []byte(`{"version": 7, "services": {}}`), 0o644))
	_, err = s.Load()
	require.ErrorContains(t, err, "has version 7, this slokeeper reads version 1")
}

func TestGate(t *testing.T) {
	strict := Policy{Name: "strict", FreezeAt: 0, WarnAt: 0.25, LiftAt: 0.1, Exempt: []string{"p0"}}
	ps := Policies{DefaultName: Default(), "strict": strict}
	st, _ := Evaluate(State{}, ps, []Budget{budget("pay", "avail", slo.LayerService, -0.2), budget("shop", "avail", slo.LayerProduct, 0.2)}, t0)
	ask := func(service, class string, policies ...string) GateRequest {
		return GateRequest{Service: service, ChangeClass: class, Policies: policies, Now: t0.Add(time.Minute), MaxAge: 2 * time.Minute}
	}

	d, ok := st.Gate(ps, ask("pay", "", DefaultName))
	require.True(t, ok)
	require.False(t, d.Allowed)
	require.False(t, d.Blind(), "refused because frozen, not for want of budgets")
	require.Equal(t, StatusFrozen, d.Status)
	require.Equal(t, t0, d.Since)
	require.Equal(t, t0, d.Evaluated)
	require.Equal(t, "budget spent: avail at -20.0% of its budget (threshold 0.0%)", d.Reason)

	d, _ = st.Gate(ps, ask("pay", "security", DefaultName))
	require.True(t, d.Allowed)
	require.True(t, d.Exempt)
	d, _ = st.Gate(ps, ask("pay", "security", DefaultName, "strict"))
	require.False(t, d.Allowed, "every policy of the service must exempt the class")
	d, _ = st.Gate(ps, ask("pay", "p0", DefaultName, "strict"))
	require.True(t, d.Allowed)

	d, _ = st.Gate(ps, ask("shop", ""))
	require.True(t, d.Allowed, "a warning does not stop deploys")
	require.Equal(t, StatusWarning, d.Status)
	_, ok = st.Gate(ps, ask("nope", ""))
	require.False(t, ok)
}

// The gate fails closed: an ordinary change of a service not frozen goes through only when every counted budget
// was known at a recent evaluation.
func TestGateFailsClosed(t *testing.T) {
	ps := Policies{DefaultName: Default()}
	nan := math.NaN()
	st, _ := Evaluate(State{}, ps, []Budget{
		budget("pay", "avail", slo.LayerService, 0.9), budget("pay", "latency", slo.LayerService, nan),
		budget("shop", "avail", slo.LayerProduct, 0.9),
	}, t0)
	fresh := GateRequest{Service: "pay", Now: t0.Add(time.Minute), MaxAge: 2 * time.Minute}

	d, _ := st.Gate(ps, fresh)
	require.False(t, d.Allowed, "latency's budget is not known")
	require.True(t, d.Blind())
	require.Equal(t, []string{"latency"}, d.Unknown)
	require.False(t, d.Stale)
	require.Equal(t, StatusOK, d.Status)
	require.Contains(t, d.Reason, "the budgets of latency are not known")

	exempt := fresh
	exempt.ChangeClass = "security"
	d, _ = st.Gate(ps, exempt)
	require.True(t, d.Allowed, "an exempt class goes through whatever the budgets")
	require.True(t, d.Exempt)

	shop := fresh
	shop.Service = "shop"
	d, _ = st.Gate(ps, shop)
	require.True(t, d.Allowed, "every budget known and fresh")
	late := shop
	late.Now = t0.Add(3 * time.Minute)
	d, _ = st.Gate(ps, late)
	require.False(t, d.Allowed, "the last evaluation is older than MaxAge")
	require.True(t, d.Stale)
	require.Contains(t, d.Reason, "budgets last evaluated at 2026")

	loaded := st.Clone()
	loaded.Evaluated = time.Time{} // as loaded from disk: nothing evaluated since the start
	d, _ = loaded.Gate(ps, shop)
	require.False(t, d.Allowed)
	require.Contains(t, d.Reason, "not evaluated since the daemon started")
	b, err := json.Marshal(d)
	require.NoError(t, err)
	require.NotContains(t, string(b), `"evaluated"`, "no evaluation time that looks current when there was none")

	// A manual lift is a person's decision: the budgets, known or not, do not stop the change.
	require.NoError(t, st.SetOverride("pay", Override{Action: OverrideLift, Who: "alice", Why: "INC-1", At: t0, Expires: t0.Add(time.Hour)}))
	d, _ = st.Gate(ps, fresh)
	require.True(t, d.Allowed)

	// Once the budget is known again, the gate opens.
	st, _ = Evaluate(st, ps, []Budget{budget("pay", "avail", slo.LayerService, 0.9), budget("pay", "latency", slo.LayerService, 0.5)}, t0)
	st.Services["pay"].Override = nil
	d, _ = st.Gate(ps, fresh)
	require.True(t, d.Allowed)
	require.Empty(t, d.Unknown)
}

func TestPolicyValidate(t *testing.T) {
	require.ErrorContains(t, Policy{Name: "p", WarnAt: 0.2, LiftAt: 0.1, Exempt: []string{"Security Fix"}}.Validate(), `exempt: "Security Fix" is not a change class`)
}
