package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Started by client_golang's process collector and net/http's keep-alive pools of the test's clients.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	)
}

// running is an App running in the background of a test. (The end-to-end tests, in internal/app/e2e, have their
// own: they run the daemon through its exported API only.)
type running struct {
	app  *App
	base string
	done chan error
	stop context.CancelFunc
}

func start(t *testing.T, o Options) *running {
	t.Helper()
	o.ListenAddress = "127.0.0.1:0"
	if o.Logger == nil {
		o.Logger = promslog.New(&promslog.Config{Writer: testWriter{t}})
	}
	if o.SnapshotInterval == 0 {
		o.SnapshotInterval = 200 * time.Millisecond
	}
	if o.WatchInterval == 0 {
		o.WatchInterval = -1
	}
	if o.MetricsMaxAge == 0 {
		o.MetricsMaxAge = -1 // every scrape sees the latest state (the cache is tested in internal/web)
	}
	a, err := New(o)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{app: a, base: "http://" + a.Addr().String(), done: make(chan error, 1), stop: cancel}
	go func() { r.done <- a.Run(ctx) }()
	t.Cleanup(func() { r.shutdown(t) })
	return r
}

// shutdown is what SIGTERM does: cancel, then Run returns nil once everything is closed.
func (r *running) shutdown(t *testing.T) {
	r.stop()
	select {
	case err := <-r.done:
		require.NoError(t, err)
		r.done <- nil // idempotent
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute of cancel")
	}
}

func (r *running) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(r.base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func (r *running) waitReady(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		code, _ := r.get(t, "/-/ready")
		return code == http.StatusOK
	}, 3*time.Minute, 250*time.Millisecond, "not ready")
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
