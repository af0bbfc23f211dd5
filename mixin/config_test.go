package mixin_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The checked-in output is what the jsonnet renders now (`make check-mixin` compares the bytes the CLI writes;
// this compares the content, so `go test` alone catches a forgotten `make mixin` too).
func TestRenderedUpToDate(t *testing.T) {
	var dashboards map[string]json.RawMessage
	evaluate(t, `import 'dashboards.jsonnet'`, &dashboards)
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(dashboards), "dashboards in %s: run make mixin", dashboardsDir)
	for name, want := range dashboards {
		b, err := os.ReadFile(filepath.Join(dashboardsDir, name))
		require.NoError(t, err, "run make mixin")
		var got, rendered any
		require.NoError(t, json.Unmarshal(b, &got))
		require.NoError(t, json.Unmarshal(want, &rendered))
		require.True(t, reflect.DeepEqual(rendered, got), "%s is stale: run make mixin (make check-mixin shows the difference)", name)
	}
	for file, source := range map[string]string{alertsFile: "alerts.jsonnet", rulesFile: "rules.jsonnet"} {
		var want string
		evaluate(t, `import '`+source+`'`, &want)
		got, err := os.ReadFile(file)
		require.NoError(t, err)
		require.Equal(t, want+"\n", string(got), "%s is stale: run make mixin", file)
	}
}

// Overriding _config reaches every query, alert, link and threshold: nothing repeats a default by hand.
func TestConfigOverride(t *testing.T) {
	const selector = `job="slo-eu1", cluster="eu1"`
	var out struct {
		Dashboards map[string]json.RawMessage `json:"dashboards"`
		Alerts     ruleFile                   `json:"alerts"`
	}
	evaluate(t, `
local mixin = (import 'mixin.libsonnet') + {
  _config+:: {
    slokeeperSelector: '`+selector+`',
    dashboardUIDs+: { detail: 'eu1-detail', layers: 'eu1-layers' },
    runbookURLPattern: 'https://runbooks.example.com/slokeeper/%s',
    burnRateThresholds: { page: [20, 10], ticket: [2, 0.5] },
    remoteWriteBehindSeconds: 600,
  },
};
{ dashboards: mixin.grafanaDashboards, alerts: mixin.prometheusAlerts }`, &out)

	job := jobMatchers(t, selector)
	for name, raw := range out.Dashboards {
		require.False(t, strings.Contains(string(raw), `job=\"slokeeper\"`), "%s keeps the default selector", name)
		d := decodeDashboard(t, name, raw)
		vars := placeholders(d)
		for _, q := range queries(d) {
			e, err := parse(q, vars)
			require.NoError(t, err, q.where)
			require.Empty(t, selectorProblems(e, job), q.where)
		}
	}
	overview, detail := string(out.Dashboards["slokeeper-overview.json"]), string(out.Dashboards["slokeeper-slo-detail.json"])
	require.Contains(t, detail, `"uid": "eu1-detail"`)
	require.Contains(t, overview, "/d/eu1-detail/", "the overview links to the detail dashboard by its uid")
	require.Contains(t, detail, "/d/eu1-layers/", "the detail dashboard links to the layers dashboard by its uid")

	var detailPanels struct {
		Panels []struct {
			Title       string `json:"title"`
			FieldConfig struct {
				Defaults struct {
					Thresholds struct {
						Steps []struct {
							Value *float64 `json:"value"`
						} `json:"steps"`
					} `json:"thresholds"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(out.Dashboards["slokeeper-slo-detail.json"], &detailPanels))
	var burnSteps []float64
	for _, p := range detailPanels.Panels {
		if p.Title == "Burn rate per window" {
			for _, s := range p.FieldConfig.Defaults.Thresholds.Steps[1:] {
				burnSteps = append(burnSteps, *s.Value)
			}
		}
	}
	require.Equal(t, []float64{0.5, 2, 10, 20}, burnSteps, "the burn rate graph draws the configured factors")

	rules := out.Alerts.rules()
	require.NotEmpty(t, rules)
	for _, r := range rules {
		require.True(t, strings.HasPrefix(r.Annotations["runbook_url"], "https://runbooks.example.com/slokeeper/"), "alert %s: %s", r.Alert, r.Annotations["runbook_url"])
		e, err := promqlParser.ParseExpr(r.Expr)
		require.NoError(t, err, "alert %s", r.Alert)
		require.Empty(t, selectorProblems(e, job), "alert %s", r.Alert)
		if r.Alert == "SlokeeperRemoteWriteBehind" {
			require.Contains(t, r.Expr, "> 600")
		}
	}
}
