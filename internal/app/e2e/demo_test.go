package e2e_test

import (
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/e2etest"
)

// TestDemo runs what `make run` runs, with alerting to a test receiver: history, backfill, budgets on /metrics,
// the live incident paging, a reload that drops an SLO at once, a bad reload that keeps the last good set, and a
// clean shutdown (goleak in TestMain).
func TestDemo(t *testing.T) {
	long(t)
	t.Parallel()
	recv := e2etest.NewAlertReceiver(t)
	cfgFile := filepath.Join(t.TempDir(), "slokeeper.yml")
	// The demo adds its specs to the config's: one SLO over series that do not exist, and alerting.
	empty := filepath.Join(t.TempDir(), "nodata.yaml")
	require.NoError(t, os.WriteFile(empty, []byte(`apiVersion: slokeeper/v1
service: nodata
owner: nobody
layer: service
slos:
  - name: availability
    objective: 99
    sli:
      events:
        errors: nodata_requests_total{code="500"}
        total: nodata_requests_total
`), 0o644))
	require.NoError(t, os.WriteFile(cfgFile, []byte("specs: ["+empty+"]\n"+recv.AlertingConfig()), 0o644))
	r := start(t, app.Options{Demo: true, DemoSeed: 1, ConfigFile: cfgFile, EnableLifecycle: true})

	code, _ := r.get(t, "/-/healthy")
	require.Equal(t, http.StatusOK, code)
	r.waitReady(t)
	// Backfill runs beside the first evaluations: wait for it, and for the budget groups after it.
	require.Eventually(t, func() bool {
		if r.app.BackfillPending() > 0 {
			return false
		}
		for _, s := range r.app.Snapshot().SLOs {
			if s.Service != "nodata" && math.IsNaN(s.BudgetRemaining) {
				return false
			}
		}
		return true
	}, 3*time.Minute, 200*time.Millisecond)

	// Every example SLO has a budget; the live incident on the capture route has burned more than the others.
	budgets := func() map[string]float64 {
		out := map[string]float64{}
		for _, s := range r.app.Snapshot().SLOs {
			out[s.Service+"/"+s.SLO+"/"+s.Grouping["route"]] = s.BudgetRemaining
		}
		return out
	}
	b := budgets()
	require.Len(t, b, 11, "%v", b) // 7 example SLOs, api-availability in 4 routes, and nodata
	// No data is not an intact budget: it is unknown (NaN on the API as null, absent from /metrics).
	require.True(t, math.IsNaN(b["nodata/availability/"]), "nodata budget %g", b["nodata/availability/"])
	delete(b, "nodata/availability/")
	capture := b["payments/api-availability//v1/payments/{id}/capture"]
	require.Less(t, capture, b["payments/api-availability//v1/refunds"])
	for id, v := range b {
		require.True(t, v > -1 && v < 1, "%s: budget %g", id, v)
	}
	code, body := r.get(t, "/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `slo_budget_remaining{layer="service",owner="team-payments",route="/v1/payments/{id}/capture",service="payments",slo="api-availability"}`)
	require.Contains(t, body, "slokeeper_build_info")
	requireMetricsLintClean(t, body)
	// Three days of history over 30-day periods: coverage says so.
	for _, s := range r.app.Snapshot().SLOs {
		if s.Period == 30*24*time.Hour && s.Service != "nodata" {
			require.InDelta(t, 0.1, s.Coverage, 0.02, "%s/%s", s.Service, s.SLO)
		}
	}

	// The incident pages the payments team, for the capture route only, through the notifier.
	a := recv.WaitFor(t, 3*time.Minute, map[string]string{
		"alertname": "SLOErrorBudgetBurn", "slo_tier": "page", "service": "payments", "slo": "api-availability",
	})
	require.Equal(t, "/v1/payments/{id}/capture", a.Labels["route"])
	require.Equal(t, "team-payments", a.Labels["owner"])
	require.Contains(t, a.GeneratorURL, r.app.Addr().String())

	// The burn is visible per window: the capture route burns above the page factor over 5m and 1h. (Its budget
	// moves a tile at a time, every 10 minutes at 30 days: too slow to wait for here.)
	require.Eventually(t, func() bool {
		for _, s := range r.app.Snapshot().SLOs {
			if s.Grouping["route"] == "/v1/payments/{id}/capture" {
				return s.PageFiring
			}
		}
		return false
	}, 2*time.Minute, 200*time.Millisecond, "ALERTS are recorded from the groups' third evaluation on (after Prometheus' for-state restore)")
	for _, s := range r.app.Snapshot().SLOs {
		if s.Grouping["route"] != "/v1/payments/{id}/capture" {
			continue
		}
		for _, w := range s.Windows {
			if w.Duration == 5*time.Minute || w.Duration == time.Hour {
				require.Greater(t, w.BurnRate, 14.4, "window %s", w.Duration)
			}
		}
	}

	// The incident overspent the capture route's budget before the start: the payments service is frozen under
	// the default policy, the deploy gate refuses it (and lets checkout ship), and the freeze is announced.
	require.Eventually(t, func() bool {
		code, _ := r.get(t, "/api/v1/gate/payments")
		return code == http.StatusLocked
	}, time.Minute, 200*time.Millisecond, "payments is not frozen")
	code, body = r.get(t, "/api/v1/gate/payments")
	require.Equal(t, http.StatusLocked, code, body)
	require.Contains(t, body, `"allowed":false`)
	require.Contains(t, body, "api-availability")
	code, body = r.get(t, "/api/v1/gate/checkout")
	require.Equal(t, http.StatusOK, code, body)

	// A budget forged through the demo's remote-write receiver (issue 19's attack) is refused, lands in no series
	// and lifts nothing, even after later snapshots.
	forgedAt := time.Now()
	err := e2etest.RemoteWrite(t.Context(), r.base+"/api/v1/write", []e2etest.Series{{
		Labels:  map[string]string{"__name__": "slo:error_budget_remaining:ratio", "service": "payments", "slo": "api-availability", "route": "capture"},
		Samples: []e2etest.Sample{{T: forgedAt, V: 0.95}},
	}})
	require.ErrorContains(t, err, "slokeeper records these series itself")
	require.Eventually(t, func() bool { return r.app.Snapshot().Time.After(forgedAt) }, time.Minute, 50*time.Millisecond)
	code, _ = r.get(t, "/api/v1/gate/payments")
	require.Equal(t, http.StatusLocked, code)
	forged, err := r.app.QueryLocal(t.Context(), `slo:error_budget_remaining:ratio == 0.95`, time.Now())
	require.NoError(t, err)
	require.Empty(t, forged)

	freeze := recv.WaitFor(t, time.Minute, map[string]string{"alertname": "ServiceFeatureFreeze", "service": "payments"})
	require.Equal(t, "team-payments", freeze.Labels["owner"])
	require.Contains(t, freeze.Annotations["gate_url"], "/api/v1/gate/payments")
	_, body = r.get(t, "/metrics")
	require.Contains(t, body, `slo_freeze_active{layer="service",owner="team-payments",service="payments"} 1`)
	require.Contains(t, body, `slo_freeze_active{layer="product",owner="team-checkout",service="checkout"} 0`)

	// Review freshness: checkout's journey-latency was reviewed on 2026-09-01; the SLOs never reviewed are overdue
	// and their owners get a ticket from the generated rules, through the same notifier.
	require.Contains(t, body, `slo_review_last_timestamp_seconds{layer="product",owner="team-checkout",service="checkout",slo="journey-latency"} 1.7882208e+09`)
	require.Contains(t, body, `slo_review_overdue{layer="infrastructure",owner="team-platform",service="payments-db",slo="query-latency"} 1`)
	review := recv.WaitFor(t, time.Minute, map[string]string{"alertname": "SLOReviewOverdue", "service": "payments-db", "slo": "query-latency"})
	require.Equal(t, "ticket", review.Labels["slo_tier"])
	require.Equal(t, "team-platform", review.Labels["owner"])

	// The JSON API serves the same snapshot.
	code, body = r.get(t, "/api/v1/slos")
	require.Equal(t, http.StatusOK, code)
	var api struct {
		Status string `json:"status"`
		Data   []struct {
			SLO         string   `json:"slo"`
			Service     string   `json:"service"`
			PageFiring  bool     `json:"page_firing"`
			BudgetRatio *float64 `json:"budget_remaining"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &api), body)
	require.Equal(t, "success", api.Status)
	require.Len(t, api.Data, 11)
	for _, s := range api.Data {
		if s.Service == "nodata" {
			require.Nil(t, s.BudgetRatio)
		} else {
			require.NotNil(t, s.BudgetRatio, s.SLO)
		}
	}

	code, body = r.get(t, "/api/v1/status")
	require.Equal(t, http.StatusOK, code)
	var status struct {
		Data struct {
			Ready        bool    `json:"ready"`
			SLOs         int     `json:"slos"`
			SnapshotTime *string `json:"snapshot_time"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &status), body)
	require.True(t, status.Data.Ready)
	require.Equal(t, 8, status.Data.SLOs)
	require.NotNil(t, status.Data.SnapshotTime)

	// Removing an SLO from its file and reloading drops it from /metrics at the next snapshot.
	var loaded struct {
		Data struct {
			SpecFiles []string `json:"spec_files"`
		} `json:"data"`
	}
	_, body = r.get(t, "/api/v1/status")
	require.NoError(t, json.Unmarshal([]byte(body), &loaded), body)
	specs := loaded.Data.SpecFiles
	var dbFile string
	for _, f := range specs {
		if filepath.Base(f) == "payments-db.yaml" {
			dbFile = f
		}
	}
	require.NotEmpty(t, dbFile)
	good, err := os.ReadFile(dbFile)
	require.NoError(t, err)
	i := strings.Index(string(good), "  - name: replication-lag")
	require.Positive(t, i)
	require.NoError(t, os.WriteFile(dbFile, good[:i], 0o644))
	code, body = r.post(t, "/-/reload")
	require.Equal(t, http.StatusOK, code, body)
	require.Eventually(t, func() bool {
		_, body := r.get(t, "/metrics")
		return !strings.Contains(body, `slo="replication-lag"`) && strings.Contains(body, `slo="query-latency"`)
	}, 10*time.Second, 100*time.Millisecond)
	require.Equal(t, 1.0, metricValue(t, r.app, "slokeeper_config_last_reload_successful", "", ""))

	// A broken spec: the reload fails with the file and line, the last good set keeps running.
	require.NoError(t, os.WriteFile(dbFile, []byte(strings.Replace(string(good[:i]), "objective: 99", "objective: 101", 1)), 0o644))
	code, body = r.post(t, "/-/reload")
	require.Equal(t, http.StatusInternalServerError, code)
	require.Contains(t, body, "payments-db.yaml:")
	require.Contains(t, body, "objective")
	require.Equal(t, 0.0, metricValue(t, r.app, "slokeeper_config_last_reload_successful", "", ""))
	_, body = r.get(t, "/metrics")
	require.Contains(t, body, `slo="query-latency"`)
	require.Contains(t, body, "slokeeper_config_last_reload_successful 0")
}

// upstreamLintProblems are what `promtool check metrics` says of metrics the Prometheus packages the daemon embeds
// name themselves (their rules manager, engine and notifier): not ours to rename.
var upstreamLintProblems = map[string]bool{
	"prometheus_engine_query_duration_histogram_seconds metric name should not include type 'histogram'":    true,
	"prometheus_notifications_latency_histogram_seconds metric name should not include type 'histogram'":    true,
	"prometheus_rule_evaluation_duration_histogram_seconds metric name should not include type 'histogram'": true,
	"prometheus_rule_group_duration_histogram_seconds metric name should not include type 'histogram'":      true,
}

// requireMetricsLintClean runs the real `promtool check metrics` over a scrape of /metrics: every slo_* and
// slokeeper_* family passes its lint (names, units, help, counter suffixes); only upstream names may not.
func requireMetricsLintClean(t *testing.T, exposition string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), e2etest.PromtoolBinary(t), "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, _ := cmd.CombinedOutput() // exit code 3 when it has lint problems: the lines say which
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !upstreamLintProblems[line] {
			t.Errorf("promtool check metrics: %s", line)
		}
	}
}
