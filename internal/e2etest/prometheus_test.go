package e2etest

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

func TestPrometheusConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		config  string
		window  time.Duration
		want    string
		wantErr string
	}{
		{name: "no window: unchanged", config: "global:\n  scrape_interval: 15s # kept\n", want: "global:\n  scrape_interval: 15s # kept\n"},
		{name: "empty config", window: 30 * 24 * time.Hour, want: "storage:\n    tsdb:\n        out_of_order_time_window: 30d\n"},
		{name: "comments only", config: "# nothing\n", window: time.Hour, want: "storage:\n    tsdb:\n        out_of_order_time_window: 1h\n"},
		{
			name:   "merged into existing storage.tsdb, replacing the window",
			config: "global:\n  evaluation_interval: 1s\nstorage:\n  tsdb:\n    out_of_order_time_window: 5m\n    retention:\n      time: 40d\n",
			window: 90 * time.Minute,
			want: "global:\n    evaluation_interval: 1s\nstorage:\n    tsdb:\n        out_of_order_time_window: 1h30m\n" +
				"        retention:\n            time: 40d\n",
		},
		{name: "storage not a mapping", config: "storage: 3\n", window: time.Hour, wantErr: "storage is a int, not a mapping"},
		{name: "not a mapping", config: "- a\n", window: time.Hour, wantErr: "is not a YAML mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := prometheusConfig(tc.config, tc.window)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestHasFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{args: nil, want: false},
		{args: []string{"--storage.remote.flush-deadline=1m"}, want: true},
		{args: []string{"--storage.remote.flush-deadline"}, want: true},
		{args: []string{"--no-storage.remote.flush-deadline"}, want: true},
		{args: []string{"--storage.remote.flush-deadline-x=1"}, want: false},
		{args: []string{"--log.level=debug"}, want: false},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			require.Equal(t, tc.want, hasFlag(tc.args, "--storage.remote.flush-deadline"))
		})
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, writeFiles(dir, map[string]string{"rules/a.yml": "groups: []\n"}))
	b, err := os.ReadFile(filepath.Join(dir, "rules", "a.yml"))
	require.NoError(t, err)
	require.Equal(t, "groups: []\n", string(b))
	require.ErrorContains(t, writeFiles(dir, map[string]string{"../a.yml": ""}), `"../a.yml" must be a relative path`)
	require.ErrorContains(t, writeFiles(dir, map[string]string{"/tmp/a.yml": ""}), "must be a relative path")
}

// counter returns 30 minutes of history at 15s before now, oldest first, of a counter that grows by 3 every 15s
// (0.2/s) and reaches 360 at now; the sample at now is returned separately.
func counter(now time.Time) (history []Sample, live Sample) {
	for k := 120; k >= 1; k-- {
		history = append(history, Sample{T: now.Add(-time.Duration(k) * 15 * time.Second), V: float64(3 * (120 - k))})
	}
	return history, Sample{T: now, V: 360}
}

func TestPrometheusPushAndQuery(t *testing.T) {
	lbls := map[string]string{"__name__": "e2e_requests_total", "job": "e2e"}
	for _, tc := range []struct {
		name    string
		window  time.Duration
		wantErr string
	}{
		{name: "history after a live sample, with an out-of-order window", window: 30 * 24 * time.Hour},
		{name: "history after a live sample, without an out-of-order window", wantErr: "out of order sample"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := StartPrometheus(t, PrometheusOptions{OutOfOrderTimeWindow: tc.window})
			now := time.Now().Truncate(time.Second)
			history, live := counter(now)

			// The live sample first, as a running system would have it, then the history behind it.
			require.NoError(t, p.Push(t.Context(), []Series{{Labels: lbls, Samples: []Sample{live}}}))
			err := p.Push(t.Context(), []Series{{Labels: lbls, Samples: history}})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.ErrorContains(t, err, "400")
				vec, err := p.Query(t.Context(), `count_over_time(e2e_requests_total[31m])`, now)
				require.NoError(t, err)
				require.Len(t, vec, 1)
				require.Equal(t, model.SampleValue(1), vec[0].Value, "only the live sample was stored")
				return
			}
			require.NoError(t, err)

			// 20 samples in (now-5m, now]: an increase of 57 over 285s, extrapolated by the 15s to the window start
			// (3 per 15s, 0.2/s). Written out in the order Prometheus computes it (promql.extrapolatedRate), the
			// result is exact to the bit, and one ulp off the float 0.2.
			// (Variables, not constants: Go would compute a constant expression exactly.)
			increase, sampled, toStart, toEnd, window := 57.0, 285.0, 15.0, 0.0, 300.0
			rate5m := model.SampleValue(increase * ((sampled + toStart + toEnd) / sampled / window))
			require.InDelta(t, 0.2, float64(rate5m), 1e-15)

			for _, q := range []struct {
				expr string
				want model.SampleValue
			}{
				{expr: `e2e_requests_total`, want: 360},
				{expr: `count_over_time(e2e_requests_total[31m])`, want: 121},
				{expr: `rate(e2e_requests_total[5m])`, want: rate5m},
				{expr: `rate(e2e_requests_total[5m] @ ` + model.TimeFromUnixNano(now.Add(-20*time.Minute).UnixNano()).String() + `)`, want: rate5m},
			} {
				vec, err := p.Query(t.Context(), q.expr, now)
				require.NoError(t, err, q.expr)
				require.Len(t, vec, 1, q.expr)
				require.Equal(t, model.LabelValue("e2e"), vec[0].Metric["job"], q.expr)
				require.Equal(t, q.want, vec[0].Value, q.expr)
			}

			// Query refuses what is not a vector.
			_, err = p.Query(t.Context(), `scalar(e2e_requests_total)`, now)
			require.ErrorContains(t, err, "result is a scalar, not a vector")
			_, err = p.Query(t.Context(), `rate(`, now)
			require.ErrorContains(t, err, `query "rate(": bad_data`)

			// WaitQuery returns once its condition holds, and fails t with the last result otherwise.
			got := p.WaitQuery(t, 10*time.Second, `count_over_time(e2e_requests_total[1h])`, func(v model.Vector) bool { return len(v) == 1 })
			require.Equal(t, model.SampleValue(121), got[0].Value)
			msg := fatalMessage(t, func(tb testing.TB) {
				p.WaitQuery(tb, 300*time.Millisecond, `e2e_requests_total`, func(v model.Vector) bool { return len(v) == 2 })
			})
			require.Contains(t, msg, `query "e2e_requests_total" did not meet the condition within 300ms: last result: e2e_requests_total{job="e2e"} => 360`)
		})
	}
}

// A rule file and config reload in a real Prometheus, alerts through its notifier to an AlertReceiver.
func TestPrometheusSendsAlertsToReceiver(t *testing.T) {
	r := NewAlertReceiver(t)
	rules := func(expr string) string {
		return "groups:\n  - name: e2e\n    interval: 1s\n    rules:\n      - alert: E2EAlwaysFiring\n        expr: " + expr +
			"\n        labels:\n          severity: page\n        annotations:\n          summary: fires at once\n"
	}
	p := StartPrometheus(t, PrometheusOptions{
		ConfigYAML: "global:\n  evaluation_interval: 1s\nrule_files: [rules/e2e.yml]\n" + r.AlertingConfig(),
		Files:      map[string]string{"rules/e2e.yml": rules("vector(1)")},
	})

	firing := r.WaitFor(t, 20*time.Second, map[string]string{"alertname": "E2EAlwaysFiring", "severity": "page"})
	require.Equal(t, "fires at once", firing.Annotations["summary"])
	require.False(t, firing.StartsAt.IsZero())
	require.False(t, firing.Resolved(), "endsAt %s, received %s", firing.EndsAt, firing.Received)
	require.Contains(t, firing.GeneratorURL, "/graph?g0.expr=vector%281%29")

	// The expression stops matching: after a reload, Prometheus resolves the alert and says so.
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(p.ConfigFile), "rules", "e2e.yml"), []byte(rules("vector(1) == 0")), 0o644))
	require.NoError(t, p.Reload(t.Context()))
	resolved := r.WaitForFunc(t, 20*time.Second, func(a Alert) bool {
		return a.Labels["alertname"] == "E2EAlwaysFiring" && a.Resolved()
	})
	require.Equal(t, firing.StartsAt, resolved.StartsAt, "the same alert, resolved")

	// A configuration Prometheus refuses is reported by Reload.
	require.NoError(t, os.WriteFile(p.ConfigFile, []byte("global:\n  evaluation_interval: soon\n"), 0o644))
	require.ErrorContains(t, p.Reload(t.Context()), "status 500")
}

// processGone reports whether pid no longer names a process (it has exited and been reaped).
func processGone(t *testing.T, pid int) bool {
	t.Helper()
	proc, err := os.FindProcess(pid)
	require.NoError(t, err) // on Unix FindProcess always succeeds
	err = proc.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}

func TestPrometheusStop(t *testing.T) {
	t.Run("SIGTERM, idempotent", func(t *testing.T) {
		p := StartPrometheus(t, PrometheusOptions{})
		pid := p.PID()
		require.False(t, processGone(t, pid))

		var wg sync.WaitGroup
		for range 3 {
			wg.Go(p.Stop)
		}
		wg.Wait()
		p.Stop()
		require.True(t, processGone(t, pid))
		require.False(t, p.killed, "it stopped on SIGTERM")
		require.NoError(t, p.waitErr, "a clean exit")
		require.Contains(t, p.Logs(), "See you next time!")
		_, err := http.Get(p.URL + "/-/ready")
		require.Error(t, err, "nothing listens any more")
	})

	t.Run("SIGKILL when remote_write hangs the shutdown", func(t *testing.T) {
		// Nothing listens at the remote_write target, and the flush deadline is a minute: a graceful shutdown
		// would wait that long for the pending sample.
		dead := DeadAddress(t)
		p := StartPrometheus(t, PrometheusOptions{
			ConfigYAML:  "remote_write:\n  - url: http://" + dead + "/api/v1/write\n",
			Args:        []string{"--storage.remote.flush-deadline=1m"},
			StopTimeout: 500 * time.Millisecond,
		})
		require.NoError(t, p.Push(t.Context(), []Series{{
			Labels:  map[string]string{"__name__": "e2e_pending"},
			Samples: []Sample{{T: time.Now(), V: 1}},
		}}))
		require.NoError(t, waitMetric(t, p, "prometheus_remote_storage_samples_pending{", " 1\n"))

		pid := p.PID()
		start := time.Now()
		p.Stop()
		require.Less(t, time.Since(start), 5*time.Second)
		require.True(t, p.killed, "it had to be killed")
		require.True(t, processGone(t, pid))
		p.Stop()
	})
}

// waitMetric polls p's own /metrics (Prometheus notifies no one of its metrics) every 100ms until a line starting
// with prefix ends with suffix, for up to 15 seconds.
func waitMetric(t *testing.T, p *Prometheus, prefix, suffix string) error {
	t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(p.URL + "/metrics")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		for line := range strings.Lines(string(body)) {
			if strings.HasPrefix(line, prefix) && strings.HasSuffix(line, suffix) {
				return nil
			}
		}
		select {
		case <-deadline.C:
			return errors.New("no metric line " + prefix + "…" + strings.TrimSpace(suffix) + " in /metrics")
		case <-tick.C:
		}
	}
}

// A Prometheus restarted with the same Front and data is found where its clients expect it: the front's address,
// which the test held throughout, while each Prometheus listened on a port of its own choosing.
func TestPrometheusRestartBehindFront(t *testing.T) {
	front := NewFront(t)
	first := StartPrometheus(t, PrometheusOptions{Front: front})
	require.Equal(t, front.Addr(), first.Addr)
	require.Equal(t, front.URL(), first.URL)
	now := time.Now()
	lbls := map[string]string{"__name__": "e2e_kept"}
	require.NoError(t, first.Push(t.Context(), []Series{{Labels: lbls, Samples: []Sample{{T: now, V: 7}}}}))
	require.Regexp(t, listeningOn, first.Logs())
	require.NotContains(t, first.Logs(), "address="+front.Addr(), "Prometheus listens on a port of its own")

	dataDir := first.DataDir
	first.Stop()
	_, err := http.Get(front.URL() + "/-/ready")
	require.Error(t, err, "nothing behind the front while Prometheus is down")

	second := StartPrometheus(t, PrometheusOptions{Front: front, DataDir: dataDir})
	require.Equal(t, front.URL(), second.URL)
	vec, err := second.Query(t.Context(), "e2e_kept", now)
	require.NoError(t, err)
	require.Len(t, vec, 1)
	require.Equal(t, model.SampleValue(7), vec[0].Value, "the same data, on the same address")
}
