package e2e_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/e2etest"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
)

// outageBound is the largest relative difference TestOutageDoesNotRefillBudget accepts between the budget of a
// daemon that saw its Prometheus hang and go down and the budget of one that did not (docs/daemon.md, History and
// backfill). Under steady errors every ratio is the same with or without the lost minutes, so the budgets agree
// up to rounding.
const outageBound = 0.001

// TestOutageDoesNotRefillBudget (issue 19, row 3): two Prometheus servers get the same steady 5 % errors on a
// 99.9 % SLO, and a daemon reads each over remote read. One Prometheus hangs, then stops, losing the samples of
// its outage, and comes back on the same address (a Front the test holds) with its data. After the daemon has
// backfilled the gap, its budget equals the one of the daemon whose Prometheus never went away, within
// outageBound: the outage neither refills the budget (errors recorded as zero beside a lingering total) nor
// spends it.
func TestOutageDoesNotRefillBudget(t *testing.T) {
	long(t)
	t.Parallel()
	opts := e2etest.PrometheusOptions{ConfigYAML: "global:\n  scrape_interval: 15s\n", OutOfOrderTimeWindow: 2 * time.Hour}
	from := time.Now().Add(-20 * time.Minute).Truncate(time.Minute)
	front := e2etest.NewFront(t)
	steady := e2etest.StartPrometheus(t, opts)
	withFront := opts
	withFront.Front = front
	outage := e2etest.StartPrometheus(t, withFront)
	trSteady, trOutage := newTraffic(from, from), newTraffic(from, from) // 5 % errors throughout
	feedInBackground(t, steady.Push, trSteady.until)
	// The second one's samples go where it is now, and are lost while it hangs (a hung Prometheus scrapes
	// nothing). The lock is held over a push, so that none is in flight when it starts to hang, to arrive late.
	var (
		mu      sync.Mutex
		current = outage
		hanging bool
	)
	feedInBackground(t, func(ctx context.Context, s []e2etest.Series) error {
		mu.Lock()
		defer mu.Unlock()
		if hanging {
			return nil
		}
		return current.Push(ctx, s)
	}, trOutage.until)
	hang := func(on bool) {
		mu.Lock()
		defer mu.Unlock()
		hanging = on
		sig := syscall.SIGCONT
		if on {
			sig = syscall.SIGSTOP
		}
		require.NoError(t, syscall.Kill(current.PID(), sig))
	}

	// 1m windows: 2-minute tiles at a 1d period, so the gap lands in tiles within minutes. A short remote
	// timeout, so that a hung Prometheus fails evaluations rather than holding them.
	daemon := func(p *e2etest.Prometheus) *running {
		cfg := writeDaemonConfig(t, fmt.Sprintf("windows:\n  min: 1m\nremote_read:\n  - url: %s\n    read_recent: true\n    remote_timeout: 5s\n", p.RemoteReadURL()))
		return start(t, app.Options{ConfigFile: cfg, StoragePath: filepath.Join(t.TempDir(), "data")})
	}
	ref, hit := daemon(steady), daemon(outage)
	for _, r := range []*running{ref, hit} {
		r.waitReady(t)
		require.Eventually(t, func() bool {
			s, ok := shopStatus(r.app)
			return ok && s.Coverage > 0 && r.app.BackfillPending() == 0
		}, 2*time.Minute, 200*time.Millisecond, "no budget after backfill")
	}
	failures := func() float64 {
		return metricValue(t, hit.app, "slokeeper_rule_group_evaluation_failures_total", "rule_group", c.ServiceGroupSLI("shop"))
	}
	backfills := func() float64 { return metricValue(t, hit.app, "slokeeper_backfill_runs_total", "result", "success") }
	doneBefore := backfills()

	tile := 2 * time.Minute
	// It hangs: evaluations time out and fail, and succeed again when it goes on.
	hang(true)
	require.Eventually(t, func() bool { return failures() > 0 }, time.Minute, 200*time.Millisecond, "a hung remote failed no evaluation")
	hang(false)
	require.Eventually(t, func() bool { return backfills() > doneBefore }, 2*time.Minute, 200*time.Millisecond,
		"no backfill after the hang")

	// Right after a tile, it goes down for eight evaluations (80 s at the 10s interval, past the 1m base window);
	// what it would have scraped is lost. It comes back before the next tile, so that the gap is backfilled
	// before that tile averages it (as with the hour-long tiles of a 30d period).
	hung := lastTile(t, hit.app, tile)
	require.Eventually(t, func() bool { return lastTile(t, hit.app, tile).After(hung) }, 2*tile, 100*time.Millisecond)
	dataDir := outage.DataDir
	outage.Stop()
	failed, done := failures(), backfills()
	require.Eventually(t, func() bool { return failures() >= failed+8 }, 2*time.Minute, 200*time.Millisecond)
	withFront.DataDir = dataDir
	back := e2etest.StartPrometheus(t, withFront)
	mu.Lock()
	current = back
	mu.Unlock()
	require.Eventually(t, func() bool { return backfills() > done }, 2*time.Minute, 200*time.Millisecond,
		"no backfill of the gap after recovery")
	backfilled := time.Now()

	// Both have a tile after the backfill, and a budget computed from it; then the budgets agree.
	both := []*running{ref, hit}
	tiled := recordedAfter(t, both, c.TotalRate(tile), []time.Time{backfilled, backfilled}, 2*tile, "no tile after the outage")
	budgeted := recordedAfter(t, both, c.BudgetRemaining, tiled, 2*time.Minute, "no budget after the tile")
	require.Eventually(t, func() bool {
		for i, r := range both {
			if s := r.app.Snapshot(); s == nil || s.Time.Before(budgeted[i]) {
				return false // not yet a snapshot of that budget
			}
		}
		want, _ := shopStatus(ref.app)
		got, _ := shopStatus(hit.app)
		diff := math.Abs(got.BudgetRemaining-want.BudgetRemaining) / math.Abs(want.BudgetRemaining)
		t.Logf("budget %g after the outage, %g without it (relative difference %.4f)", got.BudgetRemaining, want.BudgetRemaining, diff)
		return diff <= outageBound
	}, 90*time.Second, 5*time.Second, "the outage changed the budget")
}

// feedInBackground feeds until's samples through push every few seconds (feed) until the returned stop is
// called, or the test ends.
func feedInBackground(t *testing.T, push func(context.Context, []e2etest.Series) error, until func(time.Time) []e2etest.Series) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { feed(ctx, t, push, until) })
	stop = func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}
