package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The daemon's TSDB is read while the daemon runs: samples still in its head and write-ahead log are seen,
// nothing is locked, and the sandbox is gone after Close.
func TestReadOnlyWhileOpen(t *testing.T) {
	dir := t.TempDir()
	live, err := tsdb.Open(dir, promslog.NewNopLogger(), nil, tsdb.DefaultOptions(), nil)
	require.NoError(t, err)
	defer live.Close()
	app := live.Appender(t.Context())
	l := labels.FromStrings("__name__", "requests_total", "job", "x")
	for i := range 120 {
		_, err := app.Append(0, l, ms(time.Duration(i-119)*time.Minute), float64(60*i))
		require.NoError(t, err)
	}
	require.NoError(t, app.Commit())

	ro, err := OpenReadOnlyTSDB(dir, nil)
	require.NoError(t, err)
	require.InDelta(t, 1, byLabels(t, query(t, ro, "sum(rate(requests_total[1h]))"))["{}"], 1e-9)
	// The live TSDB still takes samples.
	app = live.Appender(t.Context())
	_, err = app.Append(0, l, ms(time.Minute), 7200)
	require.NoError(t, err)
	require.NoError(t, app.Commit())

	require.NoError(t, ro.Close())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "tmp_dbro_sandbox"), "sandbox %s left behind", e.Name())
	}
}

// What a command reads of the daemon's storage: its TSDB read only and its remote_read endpoints, merged as the
// daemon merges them (external labels matched and stripped, a series in both counted once), or the endpoints
// alone when there is no TSDB, without a directory of their own; Close leaves nothing running.
func TestOpenReadOnly(t *testing.T) {
	ext := labels.FromStrings("cluster", "eu")
	srv, daemon := remoteAndLocal(t, ext) // the daemon keeps running
	dir := daemon.opts.Dir
	ignore := goleak.IgnoreCurrent()
	want := map[string]float64{`{job="both"}`: 3, `{job="local"}`: 3, `{job="remote"}`: 3}

	ro, err := OpenReadOnly(ReadOnlyOptions{TSDBPath: dir, RemoteRead: []*config.RemoteReadConfig{readConfig(t, srv)}, ExternalLabels: ext})
	require.NoError(t, err)
	require.Equal(t, want, byLabels(t, query(t, ro, `count_over_time(up[10m])`)))
	require.NoError(t, ro.Close())

	missing := filepath.Join(t.TempDir(), "no-such-dir")
	ro, err = OpenReadOnly(ReadOnlyOptions{TSDBPath: missing, RemoteRead: []*config.RemoteReadConfig{readConfig(t, srv)}, ExternalLabels: ext})
	require.NoError(t, err)
	require.Equal(t, map[string]float64{`{job="both"}`: 3, `{job="remote"}`: 3}, byLabels(t, query(t, ro, `count_over_time(up[10m])`)))
	require.NoError(t, ro.Close())
	require.NoDirExists(t, missing)
	goleak.VerifyNone(t, ignore)

	_, err = OpenReadOnly(ReadOnlyOptions{TSDBPath: missing})
	require.ErrorContains(t, err, "nothing to read")
	_, err = OpenReadOnly(ReadOnlyOptions{TSDBPath: dir, RemoteRead: []*config.RemoteReadConfig{readConfig(t, srv), readConfig(t, srv)}})
	require.ErrorContains(t, err, "couldn't apply remote_read: ")
}
