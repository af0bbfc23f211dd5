package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Adding an SLO to a daemon that has run longer than a tile does not stall the others (issue 18, case 1): its new
// tiles group has not evaluated yet, which kept the first readiness back and, after it, held every snapshot until
// the group's first slot (up to a tile; 30 minutes for 90d SLOs), with stale numbers served as current.
func TestAddingAnSLODoesNotStallSnapshots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(e2eSpec), 0o644))
	cfg := filepath.Join(dir, "slokeeper.yml")
	// 1m windows: 2-minute tiles at the 1d period.
	require.NoError(t, os.WriteFile(cfg, []byte("global:\n  evaluation_interval: 10s\nwindows:\n  min: 1m\nspecs: ['*.yaml']\n"), 0o644))
	r := start(t, Options{ConfigFile: cfg, StoragePath: filepath.Join(dir, "data")})
	r.waitReady(t)
	const tile = 2 * time.Minute
	require.Eventually(t, func() bool { return time.Since(r.app.started) > tile+10*time.Second }, 2*tile, time.Second)

	search := strings.ReplaceAll(strings.ReplaceAll(e2eSpec, "service: shop", "service: search"), "owner: team-shop", "owner: team-search")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "search.yaml"), []byte(search), 0o644))
	require.NoError(t, r.app.Reload())
	reloaded := time.Now()
	require.Eventually(t, func() bool {
		s := r.app.Snapshot()
		return s != nil && s.Time.After(reloaded.Add(time.Second))
	}, 10*time.Second, 50*time.Millisecond, "no snapshot after an SLO was added: every SLO's numbers went stale")
	_, ok := shopStatus(r.app)
	require.True(t, ok, "the shop SLO left the snapshot")
}
