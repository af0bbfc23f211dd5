package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/e2etest"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
)

// writeExternalLabelsConfig writes the example shape of docs/daemon.md: global.external_labels beside a remote_read to
// url, with filter (the filter_external_labels line, or "" for Prometheus' default, true).
func writeExternalLabelsConfig(t *testing.T, dir, url, filter string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(e2eSpec), 0o644))
	cfg := filepath.Join(dir, "slokeeper.yml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  evaluation_interval: 10s
  external_labels: {cluster: eu1}
specs: [shop.yaml]
windows: {min: 1m}
remote_read:
  - name: prom
    url: %s
    read_recent: true
%s`, url, filter)), 0o644))
	return cfg
}

// sloAPI is an SLO of /api/v1/slos, with what the probe adds.
type sloAPI struct {
	Service         string   `json:"service"`
	SLO             string   `json:"slo"`
	BudgetRemaining *float64 `json:"budget_remaining"`
	MissingSeries   []string `json:"missing_series"`
	Problem         string   `json:"problem"`
}

func shopFromAPI(t *testing.T, r *running) sloAPI {
	t.Helper()
	_, body := r.get(t, "/api/v1/slos")
	var resp struct {
		Data []json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp), body)
	for _, raw := range resp.Data {
		var s sloAPI
		require.NoError(t, json.Unmarshal(raw, &s))
		if s.Service == "shop" {
			if s.MissingSeries != nil {
				// The field names are the conventions'.
				require.Contains(t, string(raw), `"`+c.APIMissingSeries+`":`)
				require.Contains(t, string(raw), `"`+c.APIProblem+`":`)
			}
			return s
		}
	}
	t.Fatalf("no shop SLO in /api/v1/slos: %s", body)
	return sloAPI{}
}

// TestEmptySelectorsAreReported is issue 18 case 2: with global.external_labels {cluster: eu1} and a remote_read
// to a Prometheus whose series lack cluster, remote read answers nothing (filter_external_labels defaults to
// true). The daemon reports the SLO (the gauge, /api/v1/slos naming the external label and the fix, one log
// line) instead of only an unknown budget. With filter_external_labels: false it reports nothing and the budget
// becomes known; a reload to that config clears the report and logs that the series are back.
func TestEmptySelectorsAreReported(t *testing.T) {
	long(t)
	t.Parallel()
	prom := e2etest.StartPrometheus(t, e2etest.PrometheusOptions{ConfigYAML: "global:\n  scrape_interval: 15s\n", OutOfOrderTimeWindow: 2 * time.Hour})
	now := time.Now()
	tr := newTraffic(now.Add(-30*time.Minute).Truncate(time.Minute), now.Add(time.Hour))
	require.NoError(t, prom.Push(t.Context(), tr.until(now)))
	feedInBackground(t, prom.Push, tr.until)

	var logs e2etest.SyncBuffer
	filteredDir := t.TempDir()
	filtered := start(t, app.Options{ConfigFile: writeExternalLabelsConfig(t, filteredDir, prom.RemoteReadURL(), ""),
		StoragePath: filepath.Join(t.TempDir(), "data"), Logger: promslog.New(&promslog.Config{Writer: io.MultiWriter(testWriter{t}, &logs)})})
	unfiltered := start(t, app.Options{ConfigFile: writeExternalLabelsConfig(t, t.TempDir(), prom.RemoteReadURL(), "    filter_external_labels: false\n"),
		StoragePath: filepath.Join(t.TempDir(), "data")})
	filtered.waitReady(t)
	unfiltered.waitReady(t)

	const selector = `shop_requests_total{job="shop"}`
	missing := func(r *running) float64 {
		return metricValue(t, r.app, c.SLISelectorsMissing, c.LabelService, "shop")
	}
	require.Eventually(t, func() bool { return len(shopFromAPI(t, filtered).MissingSeries) > 0 }, time.Minute, 200*time.Millisecond,
		"the SLO whose selectors match nothing is not reported")
	s := shopFromAPI(t, filtered)
	require.Equal(t, []string{selector}, s.MissingSeries)
	require.Nil(t, s.BudgetRemaining, "no data, no budget")
	require.Contains(t, s.Problem, "no series match "+selector+" in any source over the last 10m")
	require.Contains(t, s.Problem, `remote read "prom" holds 4 series without the external labels {cluster="eu1"}`)
	require.Contains(t, s.Problem, "set filter_external_labels: false on that remote_read, or add the labels to its series")
	require.Equal(t, 1.0, missing(filtered))
	_, body := filtered.get(t, "/metrics")
	require.Contains(t, body, c.SLISelectorsMissing+`{layer="service",owner="team-shop",service="shop",slo="availability"} 1`)
	require.Equal(t, 1, strings.Count(logs.String(), "SLI selectors match no series"), logs.String())
	require.Contains(t, logs.String(), `cluster=\"eu1\"`)

	// Without the filter: nothing reported, and a budget.
	require.Eventually(t, func() bool {
		st, ok := shopStatus(unfiltered.app)
		return ok && !math.IsNaN(st.BudgetRemaining)
	}, 3*time.Minute, 200*time.Millisecond, "no budget without the filter")
	s = shopFromAPI(t, unfiltered)
	require.NotNil(t, s.BudgetRemaining)
	require.Empty(t, s.MissingSeries)
	require.Empty(t, s.Problem)
	require.Equal(t, 0.0, missing(unfiltered))
	_, body = unfiltered.get(t, "/metrics")
	require.Contains(t, body, c.SLISelectorsMissing+`{layer="service",owner="team-shop",service="shop",slo="availability"} 0`)

	// The fix, applied by a reload: the sources changed, so the selectors are probed again at once.
	writeExternalLabelsConfig(t, filteredDir, prom.RemoteReadURL(), "    filter_external_labels: false\n")
	require.NoError(t, filtered.app.Reload())
	require.Eventually(t, func() bool {
		return missing(filtered) == 0 && len(shopFromAPI(t, filtered).MissingSeries) == 0
	}, 30*time.Second, 200*time.Millisecond, "still reported after the fix")
	require.Contains(t, logs.String(), "SLI selectors match series again")
	require.Equal(t, 1, strings.Count(logs.String(), "SLI selectors match no series"), logs.String())
}
