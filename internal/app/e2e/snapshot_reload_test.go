package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/budget"
)

// Adding (changing, removing) an SLO to a daemon that has run longer than a tile does not stall the others (issue 18, case 1): its new
// tiles group has not evaluated yet, which kept the first readiness back and, after it, held every snapshot until
// the group's first slot (up to a tile; 30 minutes for 90d SLOs), with stale numbers served as current.
func TestAddingAnSLODoesNotStallSnapshots(t *testing.T) {
	long(t)
	t.Parallel()
	dir := t.TempDir()
	// 1m windows: 2-minute tiles at the 1d period.
	cfg := writeDaemonFiles(t, dir, e2eSpec, "windows:\n  min: 1m\nspecs: ['*.yaml']\n")
	r := start(t, app.Options{ConfigFile: cfg, StoragePath: filepath.Join(dir, "data")})
	r.waitReady(t)
	const tile = 2 * time.Minute
	require.Eventually(t, func() bool { return time.Since(r.started) > tile+10*time.Second }, 2*tile, time.Second)

	// Add, change and remove another service's SLO: after each reload the snapshot moves on at once, and the shop
	// SLO stays in it, current.
	searchFile := filepath.Join(dir, "search.yaml")
	search := strings.ReplaceAll(strings.ReplaceAll(e2eSpec, "service: shop", "service: search"), "owner: team-shop", "owner: team-search")
	for _, step := range []struct {
		name string
		edit func() error
		want func(st budget.Status, ok bool) bool
	}{
		{"added", func() error { return os.WriteFile(searchFile, []byte(search), 0o644) },
			func(st budget.Status, ok bool) bool { return ok && st.Current && st.Objective == 0.999 }},
		{"changed", func() error {
			return os.WriteFile(searchFile, []byte(strings.ReplaceAll(search, "objective: 99.9", "objective: 99")), 0o644)
		}, func(st budget.Status, ok bool) bool { return ok && st.Current && st.Objective == 0.99 }},
		{"removed", func() error { return os.Remove(searchFile) },
			func(_ budget.Status, ok bool) bool { return !ok }},
	} {
		require.NoError(t, step.edit())
		require.NoError(t, r.app.Reload())
		reloaded := time.Now()
		require.Eventually(t, func() bool {
			s := r.app.Snapshot()
			return s != nil && s.Time.After(reloaded.Add(time.Second))
		}, 10*time.Second, 50*time.Millisecond, "%s: no snapshot after the reload: every SLO's numbers went stale", step.name)
		shop, ok := statusOf(r.app, "shop")
		require.True(t, ok, "%s: the shop SLO left the snapshot", step.name)
		require.True(t, shop.Current, "%s: the shop SLO's numbers went stale (updated %s)", step.name, shop.Updated)
		require.Eventually(t, func() bool { return step.want(statusOf(r.app, "search")) }, 2*tile, 200*time.Millisecond,
			"search SLO not %s in the snapshot", step.name)
	}
}
