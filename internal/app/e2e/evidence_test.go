package e2e_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
)

// A young shop: e2eSpec at 99.5 % over a day (a budget of 7.2 minutes of full outage), to be run with 1-minute
// windows (2-minute tiles).
var youngSpec = strings.Replace(e2eSpec, "objective: 99.9", "objective: 99.5", 1)

// TestYoungSLOFreezesOnEvidenceAndPageClosesGate reproduces issue 18 cases 3 and 7 on a fresh install whose
// metrics start with it (nothing to backfill). A blip — half the requests failing for a minute, 7 % of the day's
// budget — a few minutes after the start measures a budget far below zero (the extrapolation of a few minutes
// to the day) and pages: the gate closes while the page fires and names the alert, but the service does not
// freeze, and the gate opens again when the page resolves. Then a real spend — a full outage until more than a
// quarter of the whole day's budget is gone — freezes it, judged on the coverage it has.
func TestYoungSLOFreezesOnEvidenceAndPageClosesGate(t *testing.T) {
	long(t)
	t.Parallel()
	dir := t.TempDir()
	cfg := writeDaemonFiles(t, dir, youngSpec, "specs: [shop.yaml]\nwindows:\n  min: 1m\n")
	r := start(t, app.Options{ConfigFile: cfg, StoragePath: filepath.Join(dir, "data"), EnableRemoteWriteReceiver: true})

	traffic := feedReceiver(t, r)
	r.waitReady(t)

	// The blip.
	traffic.set(100, 0.5)
	blipEnd := time.Now().Add(time.Minute)

	// The page fires and closes the gate, naming the alert; the service is not frozen. (Watched while the blip
	// lasts: the page resolves within a minute of its end. A busy machine that takes longer to evaluate makes the
	// blip longer, which still spends under a quarter of the day's budget in two minutes.)
	var g gateBody
	require.Eventually(t, func() bool {
		_, g = gateAnswer(t, r.base)
		return len(g.Data.Paging) > 0
	}, 2*time.Minute, 200*time.Millisecond, "the blip never closed the gate")
	require.False(t, g.Data.Allowed)
	require.Equal(t, `SLOErrorBudgetBurn{service="shop", slo="availability", slo_tier="page"}`, g.Data.Paging[0])
	require.Contains(t, g.Data.Reason, "paged: SLOErrorBudgetBurn")
	require.NotEqual(t, "frozen", g.Data.Status)
	require.Eventually(t, func() bool { return traffic.written(blipEnd) }, 2*time.Minute, time.Second)
	traffic.set(100, 0)

	// The measured budget shows the blip as an overspend many times over; the policy, evaluated on it, does not
	// freeze. The page resolves and the gate opens.
	var measured float64
	var seenAt time.Time
	require.Eventually(t, func() bool {
		st, ok := shopStatus(r.app)
		measured, seenAt = st.BudgetRemaining, time.Now()
		return ok && st.BudgetRemaining < -1
	}, 4*time.Minute, 200*time.Millisecond, "the blip never showed in the budget")
	t.Logf("measured budget after the blip: %.0f%%", 100*measured)
	require.Eventually(t, func() bool {
		_, g = gateAnswer(t, r.base)
		return g.Data.Evaluated.After(seenAt) && len(g.Data.Paging) == 0
	}, 4*time.Minute, 500*time.Millisecond, "the page never resolved")
	require.True(t, g.Data.Allowed, g.Data.Reason)
	require.Equal(t, "ok", g.Data.Status, g.Data.Reason)

	// A real spend: a full outage until the freeze.
	traffic.set(100, 1)
	require.Eventually(t, func() bool {
		_, g = gateAnswer(t, r.base)
		return g.Data.Status == "frozen"
	}, 6*time.Minute, 500*time.Millisecond, "a quarter of the day's budget spent did not freeze")
	require.Contains(t, g.Data.Reason, "judged on")
	require.Len(t, g.Data.Triggers, 1)
	require.Greater(t, g.Data.Triggers[0].Evidence, 0.0)
	require.Less(t, g.Data.Triggers[0].Evidence, 1.0)
}
