package app

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestExcludedOutageBurnsNothingInTheDaemon is issue 18 case 8 end to end: two SLOs over the same requests, one
// with a planned exclusion around a total outage. The excluded one neither pages nor spends budget nor freezes
// its service; the other pages and is spent.
func TestExcludedOutageBurnsNothingInTheDaemon(t *testing.T) {
	t.Parallel()
	t0 := time.Now().Truncate(time.Minute).Add(time.Minute)
	outage, back := t0.Add(time.Minute), t0.Add(2*time.Minute)
	spec := func(service, exclusions string) string {
		return fmt.Sprintf(`apiVersion: slokeeper/v1
service: %s
owner: team-%s
layer: service
slos:
  - name: availability
    objective: 99.9
    period: 1d
    review: {agreed: 2026-12-01}
    sli:
      events:
        errors: shop_requests_total{job="shop",code="500"}
        total: shop_requests_total{job="shop"}
%s`, service, service, exclusions)
	}
	excl := fmt.Sprintf("    exclusions:\n      - {from: %q, to: %q, reason: failover test CHG-7, approver: alice}\n",
		t0.Add(30*time.Second).Format(time.RFC3339), t0.Add(150*time.Second).Format(time.RFC3339))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "planned.yaml"), []byte(spec("planned", excl)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "unplanned.yaml"), []byte(spec("unplanned", "")), 0o644))
	cfg := filepath.Join(dir, "slokeeper.yml")
	require.NoError(t, os.WriteFile(cfg, []byte("global:\n  evaluation_interval: 10s\nspecs: ['*.yaml']\nwindows:\n  min: 1m\n"), 0o644))
	r := start(t, Options{ConfigFile: cfg, StoragePath: filepath.Join(dir, "data"), EnableRemoteWriteReceiver: true})

	traffic := feedReceiver(t, r)
	r.waitReady(t)

	// The outage, inside the planned exclusion; then good traffic.
	require.Eventually(t, func() bool { return traffic.written(outage) }, 4*time.Minute, time.Second)
	traffic.set(100, 1)
	require.Eventually(t, func() bool { return traffic.written(back) }, 3*time.Minute, time.Second)
	traffic.set(100, 0)

	// The unplanned SLO pages and spends its budget; the planned one never pages.
	paged := map[string]bool{}
	require.Eventually(t, func() bool {
		for _, svc := range []string{"planned", "unplanned"} {
			if st, ok := statusOf(r.app, svc); ok && st.PageFiring {
				paged[svc] = true
			}
		}
		st, ok := statusOf(r.app, "unplanned")
		return ok && st.BudgetRemaining < 0 && paged["unplanned"]
	}, 6*time.Minute, 200*time.Millisecond, "the unplanned outage neither paged nor spent")
	// A tile after the exclusion's end (and its base window) has landed for both: the planned budget is whole.
	settled := t0.Add(150*time.Second + time.Minute) // the exclusion's end and a base window
	require.Eventually(t, func() bool {
		for _, svc := range []string{"planned", "unplanned"} {
			if st, ok := statusOf(r.app, svc); ok && st.PageFiring {
				paged[svc] = true
			}
		}
		st, ok := statusOf(r.app, "planned")
		return ok && st.Updated.After(settled.Add(2*time.Minute)) && st.Coverage > 0
	}, 6*time.Minute, 200*time.Millisecond, "no budget after the exclusion")
	planned, _ := statusOf(r.app, "planned")
	unplanned, _ := statusOf(r.app, "unplanned")
	t.Logf("budget planned %.4f (coverage %.5f), unplanned %.4f (coverage %.5f)", planned.BudgetRemaining, planned.Coverage,
		unplanned.BudgetRemaining, unplanned.Coverage)
	require.InDelta(t, 1, planned.BudgetRemaining, 1e-9, "the excluded outage spent budget")
	require.False(t, paged["planned"], "the excluded outage paged")
	code, body := r.get(t, "/api/v1/gate/planned")
	require.Equal(t, 200, code, body)
	// The exclusion, with its audit trail, is in the planned SLO's status.
	require.Len(t, planned.Exclusions, 1)
	require.Equal(t, "failover test CHG-7", planned.Exclusions[0].Reason)
	require.Equal(t, "alice", planned.Exclusions[0].Approver)
	require.True(t, planned.Exclusions[0].From.Equal(t0.Add(30*time.Second)))
	_, body = r.get(t, "/api/v1/slos")
	require.Contains(t, body, `"exclusions":[{"from":"`+t0.Add(30*time.Second).UTC().Format(time.RFC3339)+`"`)
}
