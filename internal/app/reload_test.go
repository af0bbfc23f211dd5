package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
)

const reloadSpec = `apiVersion: slokeeper/v1
service: shop
owner: team-shop
layer: service
slos:
  - name: availability
    objective: 99
    sli:
      events:
        errors: http_requests_total{code="500"}
        total: http_requests_total
`

// countingRemote is a remote-read endpoint that counts the reads it gets and fails them.
func countingRemote(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		http.Error(w, "test remote", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// readRemotes runs a select over raw series through the daemon's merged storage, which asks every remote.
func readRemotes(t *testing.T, a *App) {
	t.Helper()
	q, err := a.storage.Queryable().Querier(time.Now().Add(-time.Hour).UnixMilli(), time.Now().UnixMilli())
	require.NoError(t, err)
	defer q.Close()
	ss := q.Select(t.Context(), false, nil, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, "up"))
	for ss.Next() {
	}
}

// A reload is a transaction (issue 19, row 5): a new remote_read URL with a bad spec, or with a remote write
// that fails to apply, leaves the running remote read, rules and status as they were.
func TestReloadIsATransaction(t *testing.T) {
	dir := t.TempDir()
	oldRemote, oldReads := countingRemote(t)
	newRemote, newReads := countingRemote(t)
	cfgFile := filepath.Join(dir, "slokeeper.yml")
	writeCfg := func(remote, extra string) {
		require.NoError(t, os.WriteFile(cfgFile, []byte(fmt.Sprintf("specs: [specs/*.yaml]\nremote_read:\n  - url: %s\n%s", remote, extra)), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "specs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "specs", "shop.yaml"), []byte(reloadSpec), 0o644))
	writeCfg(oldRemote.URL, "")
	a, err := New(Options{ConfigFile: cfgFile, StoragePath: filepath.Join(dir, "data"), ListenAddress: "127.0.0.1:0", WatchInterval: -1})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Run only to close what New opened
		require.NoError(t, a.Run(ctx))
	})
	readRemotes(t, a)
	require.Positive(t, oldReads.Load())

	check := func(what string) {
		t.Helper()
		before := oldReads.Load()
		readRemotes(t, a)
		require.Greater(t, oldReads.Load(), before, "%s: the running remote is still read", what)
		require.Zero(t, newReads.Load(), "%s: the new remote is not read", what)
		require.Equal(t, oldRemote.URL, a.running.Running().cfg.RemoteReadConfigs[0].URL.String(), "%s: the status shows the running config", what)
		require.Len(t, a.running.Running().slos, 1, what)
	}

	// The reproduction: a new remote and a spec whose label is a broken template.
	writeCfg(newRemote.URL, "")
	bad := filepath.Join(dir, "specs", "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(reloadSpec[:len(reloadSpec)-1]+"\n    alerting:\n      labels:\n        x: \"{{ range }}\"\n"), 0o644))
	require.Error(t, a.Reload())
	check("bad spec")
	require.NoError(t, os.Remove(bad))

	// The new remote read is valid, but remote write, applied after it, fails: remote read goes back.
	writeCfg(newRemote.URL, "remote_write:\n  - url: http://127.0.0.1:9/api/v1/write\n    tls_config:\n      ca_file: "+filepath.Join(dir, "missing-ca.pem")+"\n")
	err = a.Reload()
	require.ErrorContains(t, err, "remote_write")
	check("failing remote write")

	writeCfg(newRemote.URL, "")
	require.NoError(t, a.Reload())
	readRemotes(t, a)
	require.Positive(t, newReads.Load(), "a good reload switches")
}

// A FIFO among the spec files neither blocks the watch (its fingerprint) nor a reload: the reload fails naming it,
// and the last good set keeps running (issue 19, row 9).
func TestReloadRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "specs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "specs", "shop.yaml"), []byte(reloadSpec), 0o644))
	a, err := New(Options{SpecFiles: []string{filepath.Join(dir, "specs", "*.yaml")}, StoragePath: filepath.Join(dir, "data"),
		ListenAddress: "127.0.0.1:0", WatchInterval: -1})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.NoError(t, a.Run(ctx))
	})
	fifo := filepath.Join(dir, "specs", "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan error, 1)
	go func() {
		_ = a.fingerprint(a.running.Running())
		done <- a.Reload()
	}()
	select {
	case err := <-done:
		require.ErrorContains(t, err, "is a FIFO (named pipe), not a regular file")
	case <-time.After(time.Minute):
		t.Fatal("the watch or the reload blocked on a FIFO")
	}
	require.Len(t, a.running.Running().slos, 1)
}

// The demo's temporary directory carries the pid; starting a demo removes what killed demos left (issue 19).
func TestDemoDirRemovesLeftovers(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	killed := filepath.Join(tmp, fmt.Sprintf("%s%d-1", demoPrefix, gone.ProcessState.Pid()))
	require.NoError(t, os.MkdirAll(filepath.Join(killed, "data"), 0o755))
	dir, err := demoDir()
	require.NoError(t, err)
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the new demo's directory is left")
	require.Equal(t, filepath.Base(dir), entries[0].Name())
	require.True(t, strings.HasPrefix(entries[0].Name(), fmt.Sprintf("%s%d-", demoPrefix, os.Getpid())))
}
