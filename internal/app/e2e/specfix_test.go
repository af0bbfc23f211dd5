package e2e_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/e2etest"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
)

// specFixBound is the largest relative difference TestFixedSpecRewritesHistory accepts between the budget of a
// daemon whose spec was fixed and the budget of one started with the fixed spec (docs/daemon.md, History and backfill).
const specFixBound = 0.001

// latencySpec is a latency SLO of the shop at threshold (a Prometheus duration): 90 % of the requests under it.
func latencySpec(threshold string) string {
	return `apiVersion: slokeeper/v1
service: shop
owner: team-shop
layer: service
slos:
  - name: latency
    objective: 90
    period: 1d
    review:
      agreed: 2026-12-01
    sli:
      latency:
        histogram: shop_request_duration_seconds_bucket{job="shop"}
        threshold: ` + threshold + `
`
}

// latencyTraffic is a classic histogram of shop request durations, 15 s apart: of 100 requests per sample, 80
// under 200 ms, 15 between 200 and 250 ms, 5 slower. At 200 ms a fifth fails (twice the 10 % budget); at 250 ms
// a twentieth (half of it).
type latencyTraffic struct {
	mu   sync.Mutex
	next time.Time
	n    float64 // samples written
}

func (l *latencyTraffic) until(now time.Time) []e2etest.Series {
	l.mu.Lock()
	defer l.mu.Unlock()
	buckets := map[string]float64{"0.2": 80, "0.25": 95, "+Inf": 100}
	out := make([]e2etest.Series, 0, len(buckets)+1)
	for le := range buckets {
		out = append(out, e2etest.Series{Labels: map[string]string{
			"__name__": "shop_request_duration_seconds_bucket", "job": "shop", "le": le}})
	}
	out = append(out, e2etest.Series{Labels: map[string]string{"__name__": "shop_request_duration_seconds_count", "job": "shop"}})
	for ; !l.next.After(now); l.next = l.next.Add(step) {
		l.n++
		for i := range out {
			per, ok := buckets[out[i].Labels["le"]]
			if !ok {
				per = buckets["+Inf"] // _count
			}
			out[i].Samples = append(out[i].Samples, e2etest.Sample{T: l.next, V: l.n * per})
		}
	}
	return out
}

// TestFixedSpecRewritesHistory is issue 18 case 4: a latency threshold written wrong (200ms) and fixed (250ms)
// while the daemon runs. The history the wrong threshold recorded is not the fixed SLO's: after the reload its
// budget and windows are those of a daemon started with the fixed spec (within specFixBound), not an average of
// both definitions that keeps the service overspent for a period.
func TestFixedSpecRewritesHistory(t *testing.T) {
	long(t)
	t.Parallel()
	prom := e2etest.StartPrometheus(t, e2etest.PrometheusOptions{ConfigYAML: "global:\n  scrape_interval: 15s\n", OutOfOrderTimeWindow: 2 * time.Hour})
	traffic := &latencyTraffic{next: time.Now().Add(-20 * time.Minute).Truncate(time.Minute)}
	feedInBackground(t, prom.Push, traffic.until)

	daemon := func(threshold string) (*running, string) {
		dir := t.TempDir()
		cfg := writeDaemonFiles(t, dir, latencySpec(threshold),
			fmt.Sprintf("specs: [shop.yaml]\nwindows:\n  min: 1m\nremote_read:\n  - url: %s\n    read_recent: true\n", prom.RemoteReadURL()))
		return start(t, app.Options{ConfigFile: cfg, StoragePath: filepath.Join(dir, "data")}), filepath.Join(dir, "shop.yaml")
	}
	settled := func(r *running, after time.Time) {
		t.Helper()
		require.Eventually(t, func() bool {
			s, ok := shopStatus(r.app)
			return ok && s.Coverage > 0 && r.app.BackfillPending() == 0 && s.Updated.After(after)
		}, 3*time.Minute, 200*time.Millisecond, "no budget after backfill")
	}

	wrong, spec := daemon("200ms")
	wrong.waitReady(t)
	settled(wrong, time.Now())
	before, _ := shopStatus(wrong.app)
	require.InDelta(t, -1, before.BudgetRemaining, 0.05, "a fifth of the requests over 200 ms, against a 10 %% budget")

	// The fix, and a daemon that only ever knew the fixed spec.
	require.NoError(t, os.WriteFile(spec, []byte(latencySpec("250ms")), 0o644))
	require.NoError(t, wrong.app.Reload())
	fixedAt := time.Now()
	fresh, _ := daemon("250ms")
	fresh.waitReady(t)
	settled(wrong, fixedAt)
	settled(fresh, fixedAt)

	// Both have a tile and a budget computed after the fix; then they agree, window by window too.
	tile := 2 * time.Minute
	tiled := recordedAfter(t, []*running{wrong, fresh}, c.TotalRate(tile), []time.Time{fixedAt, fixedAt}, 2*tile, "no tile after the fix")
	require.Eventually(t, func() bool {
		for i, r := range []*running{wrong, fresh} {
			if s, ok := shopStatus(r.app); !ok || !s.Updated.After(tiled[i]) {
				return false
			}
		}
		got, _ := shopStatus(wrong.app)
		want, _ := shopStatus(fresh.app)
		diff := math.Abs(got.BudgetRemaining-want.BudgetRemaining) / math.Abs(want.BudgetRemaining)
		t.Logf("budget %g after the fix, %g from the start (relative difference %.5f)", got.BudgetRemaining, want.BudgetRemaining, diff)
		if diff > specFixBound || len(got.Windows) != len(want.Windows) {
			return false
		}
		for i := range want.Windows {
			if math.Abs(got.Windows[i].ErrorRatio-want.Windows[i].ErrorRatio) > specFixBound*want.Windows[i].ErrorRatio {
				t.Logf("window %s: %g after the fix, %g from the start", want.Windows[i].Duration, got.Windows[i].ErrorRatio, want.Windows[i].ErrorRatio)
				return false
			}
		}
		return true
	}, 2*time.Minute, time.Second, "the fixed SLO's budget is not what the fixed spec records")
	after, _ := shopStatus(wrong.app)
	require.InDelta(t, 0.5, after.BudgetRemaining, 0.05, "a twentieth over 250 ms, against a 10 %% budget")

	// The wrong definition's history is still in the TSDB, under its own revision, and read by no rule.
	revisions := map[string]bool{}
	for _, ls := range seriesOf(t, wrong.app, c.TotalRate(tile)) {
		revisions[ls[c.LabelRevision]] = true
	}
	require.Len(t, revisions, 2, "two definitions, two histories")
}

// seriesOf lists the label sets of the shop's series of the recorded name in a's TSDB over the last hour.
func seriesOf(t *testing.T, a *app.App, name string) []map[string]string {
	t.Helper()
	var out []map[string]string
	forShopSeries(t, a, name, func(s storage.Series) { out = append(out, s.Labels().Map()) })
	return out
}
