package freeze

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/notifier"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// testManager is a Manager over a state file in dir, configured with the default and a strict policy, whose
// clock the test sets (zero: a second after the last evaluation, so that the gate's budgets are fresh).
type testManager struct {
	*Manager
	reg   *prometheus.Registry
	clock time.Time
}

func newTestManager(t *testing.T, dir string, slos []*slo.SLO, send func(...*notifier.Alert)) *testManager {
	t.Helper()
	tm := &testManager{reg: prometheus.NewRegistry()}
	u, _ := url.Parse("http://slokeeper.example:9099")
	m, err := New(Options{Store: policy.Store{Path: filepath.Join(dir, StateFile)}, Registerer: tm.reg, Send: send, ExternalURL: u,
		Now: func() time.Time {
			if tm.clock.IsZero() {
				return tm.state.Evaluated.Add(time.Second)
			}
			return tm.clock
		}})
	require.NoError(t, err)
	tm.Manager = m
	ps := policy.Policies{policy.DefaultName: policy.Default(),
		"strict": {Name: "strict", FreezeAt: 0.2, WarnAt: 0.5, LiftAt: 0.4, Exempt: []string{}}}
	m.ApplyConfig(Config{Policies: ps, Catalog: catalog.New(slos, generate.Options{}.Windows), MaxAge: 90 * time.Second})
	return tm
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
	a := newTestManager(t, dir, slos, nil)
	_, answer := a.Gate("pay", "")
	require.Equal(t, web.GateNotYet, answer, "loaded, but no budget seen yet and nothing saved")
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	a.Evaluate(snapshotOf(map[string]float64{"pay/avail": -0.05, "shop/journey": 0.3}), t0)

	d, answer := a.Gate("pay", "")
	require.Equal(t, web.GateRefused, answer)
	require.Equal(t, policy.StatusFrozen, d.(policy.Decision).Status)
	_, answer = a.Gate("pay", "security")
	require.Equal(t, web.GateAllowed, answer, "the default policy exempts security changes")
	_, answer = a.Gate("shop", "")
	require.Equal(t, web.GateAllowed, answer, "30% left is a warning under the strict policy, not a freeze")
	_, answer = a.Gate("nope", "")
	require.Equal(t, web.GateUnknownService, answer)

	require.NoError(t, testutil.GatherAndCompare(a.reg, strings.NewReader(`
# HELP slo_freeze_active 1 while the service is in a feature freeze under its error budget policy.
# TYPE slo_freeze_active gauge
slo_freeze_active{layer="service",owner="team-pay",service="pay"} 1
slo_freeze_active{layer="product",owner="team-shop",service="shop"} 0
`), "slo_freeze_active"))

	// The state is on disk; a restart (a new App on the same directory) still refuses, with the same since, even
	// before the budgets are known again.
	_, err := os.Stat(filepath.Join(dir, StateFile))
	require.NoError(t, err)
	b := newTestManager(t, dir, slos, nil)
	b.Evaluate(snapshotOf(map[string]float64{"pay/avail": math.NaN(), "shop/journey": math.NaN()}), t0.Add(time.Hour))
	d, answer = b.Gate("pay", "")
	require.Equal(t, web.GateRefused, answer)
	require.Equal(t, t0, d.(policy.Decision).Since)

	// Budget back above the lift threshold: open again.
	b.Evaluate(snapshotOf(map[string]float64{"pay/avail": 0.5, "shop/journey": 0.9}), t0.Add(2*time.Hour))
	_, answer = b.Gate("pay", "")
	require.Equal(t, web.GateAllowed, answer)

	// An unreadable state stops the start rather than unfreezing everything.
	require.NoError(t, os.WriteFile(filepath.Join(dir, StateFile), []byte("garbage"), 0o644))
	_, err = New(Options{Store: policy.Store{Path: filepath.Join(dir, StateFile)}})
	require.ErrorContains(t, err, "couldn't parse the policy state")
}

func TestPolicyAlerts(t *testing.T) {
	slos := []*slo.SLO{{Service: "pay", Name: "avail", Layer: slo.LayerService, Alerting: slo.Alerting{RunbookURL: "https://runbooks.example/pay"}}}
	var sent [][]*notifier.Alert
	a := newTestManager(t, t.TempDir(), slos, func(as ...*notifier.Alert) { sent = append(sent, as) })
	eval := func(at time.Time, r float64) []string {
		sent = nil
		a.Evaluate(snapshotOf(map[string]float64{"pay/avail": r}), at)
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
	a := newTestManager(t, dir, slos, nil)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	snap := snapshotOf(map[string]float64{"pay/avail": -0.3})
	a.Evaluate(snap, t0)
	_, answer := a.Gate("pay", "")
	require.Equal(t, web.GateRefused, answer)

	// Lifted by hand: the gate opens at once; the override is saved with its audit data.
	a.clock = t0.Add(time.Minute)
	st, found, err := a.Override("pay", v1.OverrideRequest{Action: "lift", Who: "alice", Reason: "P0 fix", Duration: "2h"})
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, policy.StatusWarning, st.(*policy.Service).Status)
	_, answer = a.Gate("pay", "")
	require.Equal(t, web.GateAllowed, answer)
	saved, err := policy.Store{Path: filepath.Join(dir, StateFile)}.Load()
	require.NoError(t, err)
	require.Equal(t, []policy.Override{{Action: policy.OverrideLift, Who: "alice", Why: "P0 fix", At: t0.Add(time.Minute), Expires: t0.Add(time.Minute + 2*time.Hour)}}, saved.Services["pay"].History)

	// When it expires the spent budget freezes the service again.
	a.Evaluate(snap, t0.Add(3*time.Hour))
	_, answer = a.Gate("pay", "")
	require.Equal(t, web.GateRefused, answer)

	a.clock = time.Time{}
	_, found, _ = a.Override("nope", v1.OverrideRequest{Action: "set", Who: "a", Reason: "b", Duration: "1h"})
	require.False(t, found)
	for _, tc := range []struct {
		req  v1.OverrideRequest
		want string
	}{
		{v1.OverrideRequest{Action: "thaw", Who: "a", Reason: "b", Duration: "1h"}, `unknown override "thaw"`},
		{v1.OverrideRequest{Action: "set", Reason: "b", Duration: "1h"}, "needs who and why"},
		{v1.OverrideRequest{Action: "set", Who: "a", Reason: "b", Duration: "soon"}, "duration: must be a positive duration"},
	} {
		_, _, err := a.Override("pay", tc.req)
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
	a := newTestManager(t, t.TempDir(), slos, nil)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	// pay/latency has no series at all; shop/journey has series but no budget yet.
	a.Evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "shop/journey": math.NaN()}), t0)
	for service, unknown := range map[string][]string{"pay": {"latency"}, "shop": {"journey"}} {
		d, answer := a.Gate(service, "")
		require.Equal(t, web.GateBlind, answer, service)
		require.Equal(t, unknown, d.(policy.Decision).Unknown, service)
		require.False(t, d.(policy.Decision).Allowed)
	}
	_, answer := a.Gate("pay", "security")
	require.Equal(t, web.GateAllowed, answer, "an exempt class does not depend on the budgets")

	a.Evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "pay/latency": 0.8, "shop/journey": 0.7}), t0.Add(time.Minute))
	_, answer = a.Gate("pay", "")
	require.Equal(t, web.GateAllowed, answer)

	// A budget whose rules stopped evaluating (not current) is stale: unknown to the policy, the gate closes.
	snap := snapshotOf(map[string]float64{"pay/avail": 0.9, "pay/latency": 0.8, "shop/journey": 0.7})
	for i := range snap.SLOs {
		snap.SLOs[i].Current = snap.SLOs[i].SLO != "latency"
	}
	a.Evaluate(snap, t0.Add(time.Minute))
	d, answer := a.Gate("pay", "")
	require.Equal(t, web.GateBlind, answer)
	require.Equal(t, []string{"latency"}, d.(policy.Decision).Unknown)
	a.Evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "pay/latency": 0.8, "shop/journey": 0.7}), t0.Add(time.Minute))

	// No evaluation for longer than three evaluation intervals (the snapshot keeps failing): closed again.
	a.clock = t0.Add(time.Minute + a.cfg.MaxAge + time.Second)
	d, answer = a.Gate("pay", "")
	require.Equal(t, web.GateBlind, answer)
	require.True(t, d.(policy.Decision).Stale)
}

// A policy.json that is valid JSON but a wrong state stops the start with the entry to fix, rather than a daemon
// that panics at its first gate request.
func TestNewRefusesWrongState(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, StateFile), []byte(`{"version":1,"services":{"payments":null}}`), 0o600))
	_, err := New(Options{Store: policy.Store{Path: filepath.Join(dir, StateFile)}})
	require.ErrorContains(t, err, "policy state "+filepath.Join(dir, StateFile)+`: services["payments"]: is null: remove the entry`)
}

// A policy state corrupted in memory makes the gate, policy and override handlers panic. Each panic is a 500,
// and none leaves the policy's lock held: before, the gate's panic left it locked, and every later gate and
// policy request, the evaluation loop and the shutdown waited for it forever.
func TestPolicyPanicReleasesLock(t *testing.T) {
	slos := []*slo.SLO{
		{Service: "pay", Name: "avail", Layer: slo.LayerService},
		{Service: "shop", Name: "journey", Layer: slo.LayerProduct},
	}
	a := newTestManager(t, t.TempDir(), slos, nil)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	a.Evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "shop/journey": 0.9}), t0)
	a.clock = t0.Add(time.Minute)
	// The handlers as the daemon wires them.
	reg := prometheus.NewRegistry()
	h := web.New(web.Options{Registerer: reg, Gate: a.Gate, Policy: a.State, EnableAdmin: true, Override: a.Override})
	serve := func(method, path, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), method, path, strings.NewReader(body)))
		return w
	}
	require.Equal(t, http.StatusOK, serve(http.MethodGet, "/api/v1/gate/pay", "").Code, "the state is sound so far")

	a.state.Services["pay"] = nil // the corruption: an entry Validate refuses on load
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/gate/pay", ""},
		{http.MethodGet, "/api/v1/policy", ""},
		{http.MethodPost, "/api/v1/freeze/pay", `{"action":"lift","who":"alice","reason":"P0 fix","duration":"1h"}`},
	} {
		w := serve(tc.method, tc.path, tc.body)
		require.Equal(t, http.StatusInternalServerError, w.Code, tc.path)
		require.Contains(t, w.Body.String(), `"errorType":"internal"`, tc.path)
		// Checked at once, so that a held lock fails the test here instead of hanging it at the next request.
		require.True(t, a.mtx.TryLock(), "%s %s left the policy's lock held", tc.method, tc.path)
		a.mtx.Unlock()
	}
	// The sound service is still answered.
	require.Equal(t, http.StatusOK, serve(http.MethodGet, "/api/v1/gate/shop", "").Code)
}
