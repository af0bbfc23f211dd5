package config_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/notifier"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage/remote"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/config"
)

// startNotifier runs Prometheus' notifier fed by Prometheus' discovery
// manager, both configured from c as the daemon configures them.
func startNotifier(t *testing.T, c *config.Config) *notifier.Manager {
	t.Helper()
	logger := promslog.NewNopLogger()
	reg := prometheus.NewRegistry()
	sdMetrics, err := discovery.CreateAndRegisterSDMetrics(reg)
	require.NoError(t, err)
	dm := discovery.NewManager(t.Context(), logger, reg, sdMetrics, discovery.Name("notify"), discovery.Updatert(20*time.Millisecond))
	require.NotNil(t, dm)
	go func() { _ = dm.Run() }()
	require.NoError(t, dm.ApplyConfig(c.AlertmanagerDiscovery()))

	// QueueCapacity 0 drops every alert (Prometheus' flag default is 10000).
	n := notifier.NewManager(&notifier.Options{QueueCapacity: 10000, Registerer: reg}, model.UTF8Validation, logger)
	require.NoError(t, n.ApplyConfig(c.PrometheusConfig()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(dm.SyncCh())
	}()
	t.Cleanup(func() {
		n.Stop()
		<-done
	})
	return n
}

func alertmanagerURLs(n *notifier.Manager) []string {
	var urls []string
	for _, u := range n.Alertmanagers() {
		urls = append(urls, u.String())
	}
	slices.Sort(urls)
	return urls
}

// The full example is accepted by the notifier and by remote storage, and
// the alertmanager sets the notifier builds are the ones the discovery
// manager feeds.
func TestPrometheusConfigApplies(t *testing.T) {
	c, err := config.Load("testdata/good.yml")
	require.NoError(t, err)

	t.Run("notifier", func(t *testing.T) {
		n := startNotifier(t, c)
		want := []string{
			"https://127.0.0.1:9093/alertmanager/api/v2/alerts",
			"https://127.0.0.1:9094/alertmanager/api/v2/alerts",
		}
		require.Eventually(t, func() bool { return slices.Equal(want, alertmanagerURLs(n)) }, 10*time.Second, 10*time.Millisecond,
			"alertmanagers: %v", alertmanagerURLs(n))
	})

	t.Run("remote storage", func(t *testing.T) {
		s := remote.NewStorage(promslog.NewNopLogger(), prometheus.NewRegistry(), func() (int64, error) { return 0, nil },
			t.TempDir(), time.Second, nil, false)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		require.NoError(t, s.ApplyConfig(c.PrometheusConfig()))
		// Applying the same config again is a no-op, as on a reload without changes.
		require.NoError(t, s.ApplyConfig(c.PrometheusConfig()))
	})

	t.Run("prometheus config", func(t *testing.T) {
		pc := c.PrometheusConfig()
		require.Equal(t, c.Global.EvaluationInterval, pc.GlobalConfig.EvaluationInterval)
		require.Equal(t, c.Global.ExternalLabels, pc.GlobalConfig.ExternalLabels)
		require.Equal(t, model.UTF8Validation, pc.GlobalConfig.MetricNameValidationScheme)
		require.Equal(t, c.Alerting, pc.AlertingConfig)
		require.Equal(t, c.RemoteReadConfigs, pc.RemoteReadConfigs)
		require.Equal(t, c.RemoteWriteConfigs, pc.RemoteWriteConfigs)
		require.Empty(t, pc.ScrapeConfigs)
		require.Empty(t, pc.RuleFiles)
	})
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
}

// An alert sent through the notifier reaches Alertmanager with the password
// read from the password file (a path relative to the config file), the
// external labels added and the alert relabelling applied.
func TestAlertsReachAlertmanager(t *testing.T) {
	type received struct {
		user, password string
		alerts         []map[string]any
	}
	got := make(chan received, 10)
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/alerts" {
			http.NotFound(w, r)
			return
		}
		var rec received
		rec.user, rec.password, _ = r.BasicAuth()
		if err := json.NewDecoder(r.Body).Decode(&rec.alerts); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- rec
	}))
	t.Cleanup(am.Close)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "secrets", "am-password"), "from-the-file\n")
	writeFile(t, filepath.Join(dir, "slokeeper.yml"), `
global:
  external_labels: {cluster: eu1, replica: a}
specs: [specs/*.yaml]
alerting:
  alert_relabel_configs:
    - action: labeldrop
      regex: replica
  alertmanagers:
    - static_configs: [{targets: ["`+am.Listener.Addr().String()+`"]}]
      basic_auth: {username: slokeeper, password_file: secrets/am-password}
`)
	c, err := config.Load(filepath.Join(dir, "slokeeper.yml"))
	require.NoError(t, err)
	n := startNotifier(t, c)
	require.Eventually(t, func() bool { return len(n.Alertmanagers()) == 1 }, 10*time.Second, 10*time.Millisecond)

	n.Send(&notifier.Alert{Labels: labels.FromStrings("alertname", "SLOErrorBudgetBurn", "slo", "api-latency")})
	select {
	case rec := <-got:
		require.Equal(t, "slokeeper", rec.user)
		require.Equal(t, "from-the-file", rec.password)
		require.Len(t, rec.alerts, 1)
		require.Equal(t, map[string]any{"alertname": "SLOErrorBudgetBurn", "slo": "api-latency", "cluster": "eu1"}, rec.alerts[0]["labels"])
	case <-time.After(10 * time.Second):
		t.Fatal("no alert reached the alertmanager")
	}
}

// A remote read goes out with the token read from the bearer token file (a
// path relative to the config file) and the configured headers, and asks
// for the external labels (filter_external_labels, Prometheus' default).
func TestRemoteReadUsesConfig(t *testing.T) {
	type received struct {
		auth, tenant string
		matchers     []*prompb.LabelMatcher
	}
	var (
		mtx  sync.Mutex
		reqs []received
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := remote.DecodeReadRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec := received{auth: r.Header.Get("Authorization"), tenant: r.Header.Get("X-Scope-OrgID")}
		resp := &prompb.ReadResponse{}
		for _, q := range req.Queries {
			rec.matchers = append(rec.matchers, q.Matchers...)
			resp.Results = append(resp.Results, &prompb.QueryResult{})
		}
		mtx.Lock()
		reqs = append(reqs, rec)
		mtx.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Header().Set("Content-Encoding", "snappy")
		_ = remote.EncodeReadResponse(resp, w)
	}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "conf", "secrets", "token"), "token-from-file\n")
	writeFile(t, filepath.Join(dir, "conf", "slokeeper.yml"), `
global:
  external_labels: {cluster: eu1}
specs: [specs/*.yaml]
remote_read:
  - url: `+srv.URL+`/api/v1/read
    read_recent: true
    headers: {X-Scope-OrgID: team-a}
    bearer_token_file: secrets/token
`)
	c, err := config.Load(filepath.Join(dir, "conf", "slokeeper.yml"))
	require.NoError(t, err)

	s := remote.NewStorage(promslog.NewNopLogger(), prometheus.NewRegistry(), func() (int64, error) { return 0, nil },
		t.TempDir(), time.Second, nil, false)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.NoError(t, s.ApplyConfig(c.PrometheusConfig()))

	now := time.Now().UnixMilli()
	q, err := s.Querier(now-3600_000, now)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, q.Close()) })
	ss := q.Select(t.Context(), false, nil, labels.MustNewMatcher(labels.MatchEqual, model.MetricNameLabel, "up"))
	require.False(t, ss.Next())
	require.NoError(t, ss.Err())
	require.Empty(t, ss.Warnings())

	mtx.Lock()
	defer mtx.Unlock()
	require.Len(t, reqs, 1)
	require.Equal(t, "Bearer token-from-file", reqs[0].auth)
	require.Equal(t, "team-a", reqs[0].tenant)
	require.ElementsMatch(t, []*prompb.LabelMatcher{
		{Type: prompb.LabelMatcher_EQ, Name: "__name__", Value: "up"},
		{Type: prompb.LabelMatcher_EQ, Name: "cluster", Value: "eu1"},
	}, reqs[0].matchers)
}
