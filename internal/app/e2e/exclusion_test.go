package e2e_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
)

// TestExcludedOutageBurnsNothingInTheDaemon is issue 18 case 8 end to end: three SLOs over the same requests, one
// with a planned exclusion around a total outage. The excluded one neither pages nor spends budget nor freezes
// its service; the others page and are spent. Then an ad hoc exclusion of the outage, created through the admin
// API after the fact, records the third one's history again: its budget comes back whole. A restart keeps the
// exclusion, its audit trail and the history recorded with it.
func TestExcludedOutageBurnsNothingInTheDaemon(t *testing.T) {
	long(t)
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
	require.NoError(t, os.WriteFile(filepath.Join(dir, "adhoc.yaml"), []byte(spec("adhoc", "")), 0o644))
	cfg := filepath.Join(dir, "slokeeper.yml")
	require.NoError(t, os.WriteFile(cfg, []byte("global:\n  evaluation_interval: 10s\nspecs: ['*.yaml']\nwindows:\n  min: 1m\n"), 0o644))
	opts := app.Options{ConfigFile: cfg, StoragePath: filepath.Join(dir, "data"), EnableRemoteWriteReceiver: true, EnableAdminAPI: true}
	r := start(t, opts)

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
		ad, adOK := statusOf(r.app, "adhoc")
		return ok && st.BudgetRemaining < 0 && paged["unplanned"] && adOK && ad.BudgetRemaining < 0
	}, 6*time.Minute, 200*time.Millisecond, "the unplanned outage neither paged nor spent")
	// The adhoc SLO's outage is excluded after the fact; its history is recorded again while the planned one
	// settles.
	added := excludeAfterTheFact(t, r, t0)
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

	rerecordedAndKept(t, r, opts, added)
}

// excludeAfterTheFact excludes the outage of the adhoc SLO through the admin API, and returns when.
func excludeAfterTheFact(t *testing.T, r *running, t0 time.Time) time.Time {
	req := fmt.Sprintf(`{"service":"adhoc","slo":"availability","from":%q,"to":%q,"reason":"the outage was the failover test CHG-7","approver":"alice"}`,
		t0.Add(30*time.Second).Format(time.RFC3339), t0.Add(150*time.Second).Format(time.RFC3339))
	added := time.Now()
	resp, err := http.Post(r.base+"/api/v1/exclusions", "application/json", strings.NewReader(req))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Contains(t, string(body), `"id":"1"`)
	require.Contains(t, string(body), `"applied":true`)
	return added
}

// rerecordedAndKept waits for the adhoc SLO's history recorded again without its excluded outage, then restarts
// the daemon: the exclusion, its audit trail and that history stay.
func rerecordedAndKept(t *testing.T, r *running, opts app.Options, added time.Time) {
	// Recorded again over the lookback by rules that hold the exclusion: the budget is whole once a budget
	// evaluation after the new history's tiles has run.
	require.Eventually(t, func() bool {
		st, ok := statusOf(r.app, "adhoc")
		return ok && st.Updated.After(added.Add(time.Minute)) && st.Coverage > 0 && math.Abs(st.BudgetRemaining-1) < 1e-9
	}, 6*time.Minute, 200*time.Millisecond, "the retroactive exclusion did not record the history again")
	before, _ := statusOf(r.app, "adhoc")
	require.Len(t, before.Exclusions, 1)
	require.Equal(t, "api", before.Exclusions[0].Source)
	require.Equal(t, "1", before.Exclusions[0].ID)
	history := historyOf(r.app, "adhoc")
	require.NotEmpty(t, history)

	r.shutdown(t)
	again := start(t, opts)
	again.waitReady(t)
	require.Equal(t, history, historyOf(again.app, "adhoc"), "a restart must not record the history again")
	_, list := again.get(t, "/api/v1/exclusions")
	require.Contains(t, list, `"id":"1","service":"adhoc","slo":"availability"`)
	require.Contains(t, list, `"reason":"the outage was the failover test CHG-7","approver":"alice","created":"`)
	require.Eventually(t, func() bool {
		st, ok := statusOf(again.app, "adhoc")
		return ok && st.Current && math.Abs(st.BudgetRemaining-1) < 1e-9 && len(st.Exclusions) == 1
	}, 3*time.Minute, 200*time.Millisecond, "after a restart, the ad hoc exclusion no longer holds")
}

// historyOf is the history the daemon keeps of service's SLO (see internal/exclusion).
func historyOf(a *app.App, service string) string { return a.History(service, "availability") }
