package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

var update = flag.Bool("update", false, "rewrite the API's golden files in testdata/api from the current code")

// The wire form of every /api/v1 endpoint is pinned by a golden file: the daemon's real types (budget.Status with
// its unknown numbers, the policy's records, the exclusions', the daemon's status) served by the real handler, in
// the envelope. A field renamed, retyped or dropped shows as a diff to review: clients (the CLI, CI pipelines,
// dashboards reading the API) depend on it.
func TestAPIGolden(t *testing.T) {
	h := web.New(goldenOptions())
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
	}{
		{"slos", http.MethodGet, conventions.PathSLOs, "", http.StatusOK},
		{"status", http.MethodGet, conventions.PathStatus, "", http.StatusOK},
		{"policy", http.MethodGet, conventions.PathPolicy, "", http.StatusOK},
		{"gate-allowed", http.MethodGet, conventions.GatePath("search"), "", http.StatusOK},
		{"gate-frozen", http.MethodGet, conventions.GatePath("payments"), "", http.StatusLocked},
		{"gate-exempt", http.MethodGet, conventions.GatePath("payments") + "?change_class=security", "", http.StatusOK},
		{"gate-blind", http.MethodGet, conventions.GatePath("checkout"), "", http.StatusServiceUnavailable},
		{"gate-not-yet", http.MethodGet, conventions.GatePath("young"), "", http.StatusServiceUnavailable},
		{"gate-unknown", http.MethodGet, conventions.GatePath("nope"), "", http.StatusNotFound},
		{"freeze", http.MethodPost, conventions.FreezePath("payments"),
			`{"action":"lift","who":"jane","reason":"INC-7 fix ships","duration":"4h"}`, http.StatusOK},
		{"freeze-bad", http.MethodPost, conventions.FreezePath("payments"), `{"action":"lift","who":"jane"`, http.StatusBadRequest},
		{"exclusions", http.MethodGet, conventions.PathExclusions, "", http.StatusOK},
		{"exclusion-add", http.MethodPost, conventions.PathExclusions,
			`{"service":"payments","slo":"availability","from":"2026-12-01T02:00:00Z","duration":"1h","reason":"CHG-1","approver":"jane"}`, http.StatusOK},
		{"exclusion-withdraw", http.MethodPost, conventions.WithdrawPath("x1"), `{"who":"jane","reason":"wrong window"}`, http.StatusOK},
		{"exclusion-internal", http.MethodPost, conventions.WithdrawPath("broken"), `{"who":"jane","reason":"r"}`, http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			var indented bytes.Buffer
			require.NoError(t, json.Indent(&indented, rec.Body.Bytes(), "", "  "))
			got := indented.String()
			path := filepath.Join("testdata", "api", tc.name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "missing golden file: run 'make update-golden'")
			require.Equal(t, string(want), got, "%s changed: if the API is meant to change, run 'make update-golden' and review the diff", path)
		})
	}
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// goldenOptions answers every endpoint with fixed values of the daemon's own types.
func goldenOptions() web.Options {
	frozen := v1.ServicePolicy{Service: "payments", Owner: "team-payments", Status: v1.ServiceFrozen, Since: t0,
		Reason: "budget spent: availability at -12.0% of its budget (the freeze lifts above 10.0%)", Freezes: 2,
		Triggers: []v1.Trigger{{SLO: "availability", Layer: slo.LayerService, Remaining: -0.12, Threshold: 0}}}
	lifted := frozen
	lifted.Status, lifted.Reason = v1.ServiceOK, "manual lift by jane until 2026-12-01T13:00:00Z: INC-7 fix ships"
	lifted.Override = &v1.Override{Action: v1.OverrideLift, Who: "jane", Why: "INC-7 fix ships", At: t0, Expires: t0.Add(4 * time.Hour)}
	lifted.History = []v1.Override{*lifted.Override}
	return web.Options{
		Version:     "0.1.0",
		EnableAdmin: true,
		SLOs:        func() any { return goldenSLOs() },
		Status: func() any {
			return v1.DaemonStatus{Version: "0.1.0", StartTime: t0, ConfigFile: "slokeeper.yml", Config: "global:\n  evaluation_interval: 30s\n",
				SpecFiles: []string{"specs/payments.yaml"}, SLOs: 1, ReloadSuccessful: true, LastReloadSuccessTime: t0,
				Ready: true, SnapshotTime: &t0, StoragePath: "data/", ExternalLabels: map[string]string{"cluster": "eu1"},
				EvaluationInterval: "30s"}
		},
		Policy:   func() any { return []v1.ServicePolicy{frozen} },
		Gate:     goldenGate(frozen),
		Override: func(string, v1.OverrideRequest) (any, bool, error) { return lifted, true, nil },
		Exclusions: goldenExclusions{v1.Exclusion{ID: "x1", Service: "payments", SLO: "availability", From: t0, To: t0.Add(time.Hour),
			Reason: "CHG-1", Approver: "jane", Created: t0.Add(-time.Hour)}},
	}
}

func goldenGate(frozen v1.ServicePolicy) func(service, class string) (any, web.GateAnswer) {
	return func(service, class string) (any, web.GateAnswer) {
		d := v1.GateDecision{Service: service, Allowed: true, Status: v1.ServiceOK, Since: t0.Add(-48 * time.Hour),
			Reason: "every budget above its threshold", ChangeClass: class, Evaluated: t0}
		switch service {
		case "search":
			return d, web.GateAllowed
		case "payments":
			d.Status, d.Since, d.Reason, d.Triggers = frozen.Status, frozen.Since, frozen.Reason, frozen.Triggers
			if class == "security" {
				d.Exempt = true
				return d, web.GateAllowed
			}
			d.Allowed = false
			return d, web.GateRefused
		case "checkout":
			d.Allowed, d.Unknown = false, []string{"latency"}
			d.Reason = "the budgets of latency are not known (no data); the gate lets a change through only when it knows every budget"
			return d, web.GateBlind
		case "young":
			return nil, web.GateNotYet
		}
		return nil, web.GateUnknownService
	}
}

// goldenSLOs is one grouped SLO whose numbers are known, and one whose budget is not known yet.
func goldenSLOs() []budget.Status {
	known := budget.Status{SLO: "availability", Service: "payments", Layer: "service", Owner: "team-payments",
		Grouping: map[string]string{"route": "/pay"}, Objective: 0.999, ErrorBudget: 0.001, Period: 30 * 24 * time.Hour,
		BudgetRemaining: 0.25, ErrorRatioPeriod: 0.00075, EventsTotal: 1e6, EventsGood: 999250, Coverage: 1,
		Windows:          []budget.Window{{Duration: 5 * time.Minute, ErrorRatio: 0.002, SLI: 0.998, BurnRate: 2}},
		TimeToExhaustion: 86400, Updated: t0, Current: true, PageFiring: true, MissingSeries: []string{},
		Exclusions: []budget.Exclusion{{From: t0, To: t0.Add(time.Hour), Reason: "CHG-1", Approver: "jane", Source: "api", ID: "x1"}}}
	unknown := budget.Status{SLO: "latency", Service: "checkout", Layer: "product", Owner: "team-checkout",
		Objective: 0.99, ErrorBudget: 0.01, Period: 28 * 24 * time.Hour, BudgetRemaining: math.NaN(), ErrorRatioPeriod: math.NaN(),
		EventsTotal: math.NaN(), EventsGood: math.NaN(), TimeToExhaustion: math.NaN(),
		MissingSeries: []string{`checkout_duration_seconds_bucket{le="0.4"}`}, Problem: "the SLI's selectors match no series"}
	return []budget.Status{known, unknown}
}

// goldenExclusions answers the exclusion endpoints with one record.
type goldenExclusions struct{ rec v1.Exclusion }

func (x goldenExclusions) List() any { return []v1.Exclusion{x.rec} }

func (x goldenExclusions) Add(v1.ExclusionRequest) (any, bool, error) {
	return v1.ExclusionChange{Exclusion: x.rec, Applied: true}, true, nil
}

func (x goldenExclusions) Withdraw(id string, req v1.WithdrawRequest) (any, bool, error) {
	if id == "broken" {
		return nil, true, errors.Join(web.ErrInternal, errors.New("couldn't save the exclusions: disk full"))
	}
	rec := x.rec
	rec.Withdrawn = &v1.Withdrawal{At: t0.Add(30 * time.Minute), Who: req.Who, Reason: req.Reason}
	return v1.ExclusionChange{Exclusion: rec, Applied: true}, true, nil
}
