package app

import (
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/notifier"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// policyApp is the part of an App the policy needs: config, loaded specs, registry and metrics.
func policyApp(t *testing.T, dir string, slos []*slo.SLO) *App {
	t.Helper()
	a := &App{logger: promslog.NewNopLogger(), reg: prometheus.NewRegistry()}
	a.metrics = newAppMetrics(a.reg)
	cfg := config.Default()
	cfg.Storage.Path = dir
	cfg.Policies["strict"] = policy.Policy{Name: "strict", FreezeAt: 0.2, WarnAt: 0.5, LiftAt: 0.4, Exempt: []string{}}
	require.NoError(t, checkPolicies(cfg, slos))
	a.cfg.Store(cfg)
	specs := &loadedSpecs{slos: slos, catalog: catalog.New(slos, generate.Options{}.Windows)}
	a.loaded.Store(specs)
	require.NoError(t, a.openPolicy(cfg))
	// The gate asks a second after the last evaluation (never, before the first): its budgets are fresh.
	a.policy.now = func() time.Time { return a.policy.state.Evaluated.Add(time.Second) }
	return a
}

func snapshotOf(remaining map[string]float64) *budget.Snapshot {
	snap := &budget.Snapshot{}
	for id, r := range remaining {
		service, name, _ := strings.Cut(id, "/")
		snap.SLOs = append(snap.SLOs, budget.Status{SLO: name, Service: service, Owner: "team-" + service, Layer: "service", BudgetRemaining: r, Current: true})
	}
	return snap
}

func TestPolicyFreezesPersistsAndGates(t *testing.T) {
	dir := t.TempDir()
	slos := []*slo.SLO{
		{Service: "pay", Name: "avail", Layer: slo.LayerService},
		{Service: "shop", Name: "journey", Layer: slo.LayerProduct, Policy: "strict"},
	}
	a := policyApp(t, dir, slos)
	_, answer := a.policy.gate("pay", "")
	require.Equal(t, web.GateNotYet, answer, "loaded, but no budget seen yet and nothing saved")
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	a.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": -0.05, "shop/journey": 0.3}), a.cfg.Load(), a.loaded.Load(), t0)

	d, answer := a.policy.gate("pay", "")
	require.Equal(t, web.GateRefused, answer)
	require.Equal(t, policy.StatusFrozen, d.(policy.Decision).Status)
	_, answer = a.policy.gate("pay", "security")
	require.Equal(t, web.GateAllowed, answer, "the default policy exempts security changes")
	_, answer = a.policy.gate("shop", "")
	require.Equal(t, web.GateAllowed, answer, "30% left is a warning under the strict policy, not a freeze")
	_, answer = a.policy.gate("nope", "")
	require.Equal(t, web.GateUnknownService, answer)

	require.NoError(t, testutil.GatherAndCompare(a.reg, strings.NewReader(`
# HELP slo_freeze_active 1 while the service is in a feature freeze under its error budget policy.
# TYPE slo_freeze_active gauge
slo_freeze_active{layer="service",owner="team-pay",service="pay"} 1
slo_freeze_active{layer="product",owner="team-shop",service="shop"} 0
`), "slo_freeze_active"))

	// The state is on disk; a restart (a new App on the same directory) still refuses, with the same since, even
	// before the budgets are known again.
	_, err := os.Stat(filepath.Join(dir, PolicyStateFile))
	require.NoError(t, err)
	b := policyApp(t, dir, slos)
	b.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": math.NaN(), "shop/journey": math.NaN()}), b.cfg.Load(), b.loaded.Load(), t0.Add(time.Hour))
	d, answer = b.policy.gate("pay", "")
	require.Equal(t, web.GateRefused, answer)
	require.Equal(t, t0, d.(policy.Decision).Since)

	// Budget back above the lift threshold: open again.
	b.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": 0.5, "shop/journey": 0.9}), b.cfg.Load(), b.loaded.Load(), t0.Add(2*time.Hour))
	_, answer = b.policy.gate("pay", "")
	require.Equal(t, web.GateAllowed, answer)

	// An unknown policy in a spec fails the load with its file and line.
	bad := []*slo.SLO{{Service: "x", Name: "y", Policy: "lenient", Source: slo.Source{File: "x.yaml", Line: 7}}}
	require.EqualError(t, checkPolicies(config.Default(), bad), `couldn't load specs: x.yaml:7: x/y: policy "lenient" is not defined; the config's policies are default`)

	// An unreadable state stops the start rather than unfreezing everything.
	require.NoError(t, os.WriteFile(filepath.Join(dir, PolicyStateFile), []byte("garbage"), 0o644))
	c := &App{logger: promslog.NewNopLogger(), reg: prometheus.NewRegistry()}
	cfg := config.Default()
	cfg.Storage.Path = dir
	require.ErrorContains(t, c.openPolicy(cfg), "couldn't parse the policy state")
}

func TestPolicyAlerts(t *testing.T) {
	slos := []*slo.SLO{{Service: "pay", Name: "avail", Layer: slo.LayerService, Alerting: slo.Alerting{RunbookURL: "https://runbooks.example/pay"}}}
	a := policyApp(t, t.TempDir(), slos)
	var sent [][]*notifier.Alert
	u, _ := url.Parse("http://slokeeper.example:9099")
	a.policy.alerter = &policyAlerter{send: func(as ...*notifier.Alert) { sent = append(sent, as) }, externalURL: u,
		firing: map[uint64]*notifier.Alert{}, sent: map[uint64]time.Time{}}
	eval := func(at time.Time, r float64) []string {
		sent = nil
		a.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": r}), a.cfg.Load(), a.loaded.Load(), at)
		var out []string
		for _, batch := range sent {
			for _, al := range batch {
				state := "firing"
				if !al.EndsAt.After(at) {
					state = "resolved"
				}
				out = append(out, al.Labels.Get("alertname")+" "+al.Labels.Get("slo_tier")+" "+state)
			}
		}
		slices.Sort(out)
		return out
	}
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	require.Empty(t, eval(t0, 0.9))
	require.Equal(t, []string{"SLOBudgetLow ticket firing"}, eval(t0.Add(10*time.Second), 0.2))
	require.Empty(t, eval(t0.Add(20*time.Second), 0.2), "re-sent once a minute, not at every evaluation")
	require.Equal(t, []string{"SLOBudgetLow ticket firing"}, eval(t0.Add(80*time.Second), 0.2))
	// The freeze is a ticket: release management and the owner's queue, not the pager (issue 18, case 7).
	require.Equal(t, []string{"SLOBudgetExhausted ticket firing", "SLOBudgetLow ticket resolved", "ServiceFeatureFreeze ticket firing"}, eval(t0.Add(90*time.Second), -0.1))
	require.Equal(t, []string{"SLOBudgetExhausted ticket resolved", "ServiceFeatureFreeze ticket resolved"}, eval(t0.Add(100*time.Second), 0.9))

	// The freeze alert carries what routing and the on-call need.
	eval(t0.Add(200*time.Second), -0.5)
	var freeze, exhausted *notifier.Alert
	for _, al := range sent[0] {
		switch al.Labels.Get("alertname") {
		case "ServiceFeatureFreeze":
			freeze = al
		case "SLOBudgetExhausted":
			exhausted = al
		}
	}
	require.NotNil(t, freeze)
	require.Equal(t, map[string]string{"alertname": "ServiceFeatureFreeze", "service": "pay", "owner": "team-pay", "layer": "service", "severity": "warning", "slo_tier": "ticket"}, freeze.Labels.Map())
	require.Equal(t, "http://slokeeper.example:9099/api/v1/gate/pay", freeze.Annotations.Get("gate_url"))
	require.Equal(t, t0.Add(200*time.Second), freeze.StartsAt)
	require.Equal(t, "avail", exhausted.Labels.Get("slo"))
	require.Equal(t, "https://runbooks.example/pay", exhausted.Annotations.Get("runbook_url"))
}

func TestPolicyOverride(t *testing.T) {
	dir := t.TempDir()
	slos := []*slo.SLO{{Service: "pay", Name: "avail", Layer: slo.LayerService}}
	a := policyApp(t, dir, slos)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	snap := snapshotOf(map[string]float64{"pay/avail": -0.3})
	a.snapshot.Store(snap)
	a.policy.evaluate(snap, a.cfg.Load(), a.loaded.Load(), t0)
	_, answer := a.policy.gate("pay", "")
	require.Equal(t, web.GateRefused, answer)

	// Lifted by hand: the gate opens at once; the override is saved with its audit data.
	st, found, err := a.policy.override("pay", v1.OverrideRequest{Action: "lift", Who: "alice", Reason: "P0 fix", Duration: "2h"}, t0.Add(time.Minute))
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, policy.StatusWarning, st.(*policy.Service).Status)
	_, answer = a.policy.gate("pay", "")
	require.Equal(t, web.GateAllowed, answer)
	saved, err := policy.Store{Path: filepath.Join(dir, PolicyStateFile)}.Load()
	require.NoError(t, err)
	require.Equal(t, []policy.Override{{Action: policy.OverrideLift, Who: "alice", Why: "P0 fix", At: t0.Add(time.Minute), Expires: t0.Add(time.Minute + 2*time.Hour)}}, saved.Services["pay"].History)

	// When it expires the spent budget freezes the service again.
	a.policy.evaluate(snap, a.cfg.Load(), a.loaded.Load(), t0.Add(3*time.Hour))
	_, answer = a.policy.gate("pay", "")
	require.Equal(t, web.GateRefused, answer)

	_, found, _ = a.policy.override("nope", v1.OverrideRequest{Action: "set", Who: "a", Reason: "b", Duration: "1h"}, t0)
	require.False(t, found)
	for _, tc := range []struct {
		req  v1.OverrideRequest
		want string
	}{
		{v1.OverrideRequest{Action: "thaw", Who: "a", Reason: "b", Duration: "1h"}, `unknown override "thaw"`},
		{v1.OverrideRequest{Action: "set", Reason: "b", Duration: "1h"}, "needs who and why"},
		{v1.OverrideRequest{Action: "set", Who: "a", Reason: "b", Duration: "soon"}, "duration: must be a positive duration"},
	} {
		_, _, err := a.policy.override("pay", tc.req, t0)
		require.ErrorContains(t, err, tc.want)
	}
}

// The gate fails closed: a service whose budgets are not all known, or known only from an evaluation too old,
// gets 503 (GateBlind) with the SLOs it does not know, never 200. A loaded SLO that has no series at all counts as
// unknown too.
func TestGateFailsClosedOnUnknownBudgets(t *testing.T) {
	slos := []*slo.SLO{
		{Service: "pay", Name: "avail", Layer: slo.LayerService},
		{Service: "pay", Name: "latency", Layer: slo.LayerService},
		{Service: "shop", Name: "journey", Layer: slo.LayerProduct},
	}
	a := policyApp(t, t.TempDir(), slos)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	// pay/latency has no series at all; shop/journey has series but no budget yet.
	a.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "shop/journey": math.NaN()}), a.cfg.Load(), a.loaded.Load(), t0)
	for service, unknown := range map[string][]string{"pay": {"latency"}, "shop": {"journey"}} {
		d, answer := a.policy.gate(service, "")
		require.Equal(t, web.GateBlind, answer, service)
		require.Equal(t, unknown, d.(policy.Decision).Unknown, service)
		require.False(t, d.(policy.Decision).Allowed)
	}
	_, answer := a.policy.gate("pay", "security")
	require.Equal(t, web.GateAllowed, answer, "an exempt class does not depend on the budgets")

	a.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "pay/latency": 0.8, "shop/journey": 0.7}), a.cfg.Load(), a.loaded.Load(), t0.Add(time.Minute))
	_, answer = a.policy.gate("pay", "")
	require.Equal(t, web.GateAllowed, answer)

	// A budget whose rules stopped evaluating (not current) is stale: unknown to the policy, the gate closes.
	snap := snapshotOf(map[string]float64{"pay/avail": 0.9, "pay/latency": 0.8, "shop/journey": 0.7})
	for i := range snap.SLOs {
		snap.SLOs[i].Current = snap.SLOs[i].SLO != "latency"
	}
	a.policy.evaluate(snap, a.cfg.Load(), a.loaded.Load(), t0.Add(time.Minute))
	d, answer := a.policy.gate("pay", "")
	require.Equal(t, web.GateBlind, answer)
	require.Equal(t, []string{"latency"}, d.(policy.Decision).Unknown)
	a.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "pay/latency": 0.8, "shop/journey": 0.7}), a.cfg.Load(), a.loaded.Load(), t0.Add(time.Minute))

	// No evaluation for longer than three evaluation intervals (the snapshot keeps failing): closed again.
	maxAge := a.policy.maxAge(a.cfg.Load())
	require.Equal(t, 90*time.Second, maxAge, "3 × the default 30s evaluation interval")
	a.policy.now = func() time.Time { return t0.Add(time.Minute + maxAge + time.Second) }
	d, answer = a.policy.gate("pay", "")
	require.Equal(t, web.GateBlind, answer)
	require.True(t, d.(policy.Decision).Stale)
}

// A policy.json that is valid JSON but a wrong state stops the start with the entry to fix, rather than a daemon
// that panics at its first gate request.
func TestOpenPolicyRefusesWrongState(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, PolicyStateFile), []byte(`{"version":1,"services":{"payments":null}}`), 0o600))
	a := &App{logger: promslog.NewNopLogger(), reg: prometheus.NewRegistry()}
	cfg := config.Default()
	cfg.Storage.Path = dir
	err := a.openPolicy(cfg)
	require.ErrorContains(t, err, "policy state "+filepath.Join(dir, PolicyStateFile)+`: services["payments"]: is null: remove the entry`)
	require.Nil(t, a.policy)
}
