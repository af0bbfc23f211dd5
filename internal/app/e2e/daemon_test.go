package e2e_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/e2etest"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
)

func TestMain(m *testing.M) { e2etest.VerifyNoLeaks(m) }

// long skips t under -short: every test of this package runs the whole daemon for a minute or more.
func long(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end to end: runs the whole daemon for minutes")
	}
}

// running is an App running in the background of a test.
type running struct {
	app     *app.App
	base    string
	started time.Time // once New returned: no later than the daemon's own start time
	done    chan error
	stop    context.CancelFunc
}

func start(t *testing.T, o app.Options) *running {
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
	a, err := app.New(o)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{app: a, base: "http://" + a.Addr().String(), started: time.Now(), done: make(chan error, 1), stop: cancel}
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

func (r *running) post(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Post(r.base+path, "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// waitReady polls /-/ready (readiness has no notification outside the daemon) until it answers 200.
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

const e2eSpec = `apiVersion: slokeeper/v1
service: shop
owner: team-shop
layer: service
slos:
  - name: availability
    objective: 99.9
    period: 1d
    sli:
      events:
        errors: shop_requests_total{job="shop",code="500"}
        total: shop_requests_total{job="shop"}
`

// writeDaemonConfig writes e2eSpec and a config of body that loads it (writeDaemonFiles) into a new directory.
func writeDaemonConfig(t *testing.T, body string) string {
	return writeDaemonFiles(t, t.TempDir(), e2eSpec, "specs: [shop.yaml]\n"+body)
}

// writeDaemonFiles writes spec as shop.yaml into dir, and a config file that evaluates every 10 s followed by
// body (the rest of the file, specs included) as slokeeper.yml; it returns the config file's path.
func writeDaemonFiles(t *testing.T, dir, spec, body string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(spec), 0o644))
	cfg := filepath.Join(dir, "slokeeper.yml")
	require.NoError(t, os.WriteFile(cfg, []byte("global:\n  evaluation_interval: 10s\n"+body), 0o644))
	return cfg
}

func shopStatus(a *app.App) (budget.Status, bool) { return statusOf(a, "shop") }

// statusOf is the first status of service in a's latest snapshot.
func statusOf(a *app.App, service string) (budget.Status, bool) {
	if s := a.Snapshot(); s != nil {
		for _, st := range s.SLOs {
			if st.Service == service {
				return st, true
			}
		}
	}
	return budget.Status{}, false
}

// metricValue is the value of the daemon's metric name with label=value (0 when absent); label "" matches the
// metric without labels.
func metricValue(t *testing.T, a *app.App, name, label, value string) float64 {
	t.Helper()
	mfs, err := a.Registry().Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			matched := label == "" && len(m.GetLabel()) == 0
			for _, lp := range m.GetLabel() {
				matched = matched || lp.GetName() == label && lp.GetValue() == value
			}
			if !matched {
				continue
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// lastTile is the timestamp of the SLO's newest tile in the daemon's TSDB.
func lastTile(t *testing.T, a *app.App, tile time.Duration) time.Time {
	t.Helper()
	return lastRecorded(t, a, c.TotalRate(tile))
}

// lastRecorded is the timestamp of the shop SLO's newest sample of the recorded series name in the daemon's TSDB.
func lastRecorded(t *testing.T, a *app.App, name string) time.Time {
	t.Helper()
	var last int64
	forShopSeries(t, a, name, func(s storage.Series) {
		it := s.Iterator(nil)
		for it.Next() != chunkenc.ValNone {
			last = max(last, it.AtT())
		}
	})
	require.NotZero(t, last, "no %s in the last hour", name)
	return time.UnixMilli(last)
}

// recordedAfter waits until every daemon of rs has recorded a sample of name (lastRecorded) after its time in after,
// and returns the time of each one's newest sample; it fails t with msg once timeout has passed.
func recordedAfter(t *testing.T, rs []*running, name string, after []time.Time, timeout time.Duration, msg string) []time.Time {
	t.Helper()
	last := make([]time.Time, len(rs))
	require.Eventually(t, func() bool {
		for i, r := range rs {
			if last[i] = lastRecorded(t, r.app, name); !last[i].After(after[i]) {
				return false
			}
		}
		return true
	}, timeout, time.Second, msg)
	return last
}

// forShopSeries calls fn with every series of the recorded name of the shop in a's TSDB over the last hour.
func forShopSeries(t *testing.T, a *app.App, name string, fn func(storage.Series)) {
	t.Helper()
	now := time.Now()
	q, err := a.LocalStorage().Querier(now.Add(-time.Hour).UnixMilli(), now.UnixMilli())
	require.NoError(t, err)
	defer q.Close()
	ss := q.Select(t.Context(), false, nil, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name),
		labels.MustNewMatcher(labels.MatchEqual, c.LabelService, "shop"))
	for ss.Next() {
		fn(ss.At())
	}
	require.NoError(t, ss.Err())
}
