package mixin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/e2etest"
)

// daemon is a slokeeper daemon running in the test process.
type daemon struct {
	app  *app.App
	addr string
	stop func()
}

func startDaemon(t *testing.T, o app.Options) *daemon {
	t.Helper()
	o.ListenAddress = "127.0.0.1:0"
	o.Logger = promslog.NewNopLogger()
	o.SnapshotInterval = time.Second
	o.WatchInterval = -1
	a, err := app.New(o)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	d := &daemon{app: a, addr: a.Addr().String()}
	d.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err, "slokeeper on %s stopped with an error", d.addr)
		case <-time.After(time.Minute):
			t.Errorf("slokeeper on %s did not stop within a minute", d.addr)
		}
	}
	t.Cleanup(d.stop)
	return d
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// brokenAlerts are the mixin's alerts a daemon whose remote storage refuses everything must raise.
var brokenAlerts = []string{
	"SlokeeperBackfillStuck", "SlokeeperRemoteReadUnreachable", "SlokeeperRemoteWriteFailing", "SlokeeperRuleEvaluationFailing",
}

// End to end, as a user runs the mixin: a real Prometheus scrapes two daemons as the job "slokeeper" and
// evaluates the mixin's alerts; the dashboards' queries run against it the way Grafana sends them. One daemon is
// the demo (`make run`), which also remote-writes its recorded series to Prometheus (the "central store" set-up,
// where slo_info lives); the other evaluates the examples over a remote storage that refuses every read and
// write, with a manual freeze override in force.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two slokeeper daemons and a Prometheus server")
	}
	root := e2etest.ModuleRoot(t)
	dir := t.TempDir()
	// The demo remote-writes to Prometheus, which scrapes the daemons: the daemons start first, with Prometheus'
	// address held by the test (a Front), and Prometheus, started after them on a port of its own, is routed there.
	promFront := e2etest.NewFront(t)

	// Remote read answers 503; remote write 400, which drops samples at once (a shutdown then has nothing to
	// flush, where an unreachable endpoint holds it for a minute).
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/write") {
			http.Error(w, "refused by the test", http.StatusBadRequest)
			return
		}
		http.Error(w, "unavailable in the test", http.StatusServiceUnavailable)
	}))
	t.Cleanup(refusing.Close)

	// The demo's config adds an SLO over series that do not exist: a new SLO without data yet.
	nodata, err := filepath.Abs(filepath.Join("testdata", "nodata.yaml"))
	require.NoError(t, err)
	demo := startDaemon(t, app.Options{Demo: true, DemoSeed: 1, ConfigFile: writeFile(t, dir, "demo.yml",
		fmt.Sprintf("specs: [%q]\nremote_write:\n  - url: %s/api/v1/write\n", nodata, promFront.URL()))})
	broken := startDaemon(t, app.Options{
		EnableAdminAPI: true,
		StoragePath:    filepath.Join(dir, "broken"),
		ConfigFile: writeFile(t, dir, "broken.yml", fmt.Sprintf(`global:
  evaluation_interval: 1s
specs: [%q]
remote_read:
  - url: %s/api/v1/read
remote_write:
  - url: %s/api/v1/write
`, filepath.Join(root, "examples", "*.yaml"), refusing.URL, refusing.URL)),
	})

	alerts, err := os.ReadFile(alertsFile)
	require.NoError(t, err)
	prom := e2etest.StartPrometheus(t, e2etest.PrometheusOptions{
		Front: promFront,
		ConfigYAML: fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [alerts.yml]
scrape_configs:
  - job_name: slokeeper
    static_configs:
      - targets: [%q, %q]
`, demo.addr, broken.addr),
		Files: map[string]string{"alerts.yml": string(alerts)},
	})
	// Stop the daemons before Prometheus (cleanups run last in, first out): the demo remote-writes to it.
	t.Cleanup(broken.stop)
	t.Cleanup(demo.stop)

	// The demo's budgets are known once backfill is done, and its live incident pages within about a minute.
	began := time.Now()
	require.Eventually(t, func() bool {
		s := demo.app.Snapshot()
		if !demo.app.Ready() || s == nil {
			return false
		}
		paging := false
		for _, st := range s.SLOs {
			if st.Service != "nodata" && math.IsNaN(st.BudgetRemaining) {
				return false
			}
			paging = paging || st.PageFiring
		}
		return paging
	}, 4*time.Minute, time.Second, "the demo's budgets and its page")
	withData := 0
	for _, st := range demo.app.Snapshot().SLOs {
		if st.Service != "nodata" {
			withData++
		}
	}
	demoSel := fmt.Sprintf(`{job="slokeeper", instance=%q}`, demo.addr)
	prom.WaitQuery(t, time.Minute, fmt.Sprintf(`count(slo_budget_remaining%s) == %d and sum(slo_alert_firing%s) > 0`, demoSel, withData, demoSel),
		func(v model.Vector) bool { return len(v) == 1 })
	// The recorded slo_info reaches Prometheus over the demo's remote write.
	prom.WaitQuery(t, time.Minute, `slo_info{service="payments", slo="api-availability"}`, func(v model.Vector) bool { return len(v) > 0 })
	t.Logf("the demo's data is in Prometheus after %s", time.Since(began).Round(time.Second))

	// A manual freeze override, once the broken daemon knows its services (after its first snapshot).
	body, err := json.Marshal(map[string]string{"action": "set", "who": "mixin-test", "reason": "freeze panels", "duration": "1h"})
	require.NoError(t, err)
	require.Eventually(t, broken.app.Ready, 2*time.Minute, 100*time.Millisecond, "the broken daemon's first snapshot")
	resp, err := http.Post("http://"+broken.addr+"/api/v1/freeze/payments", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "manual freeze override")

	prom.WaitQuery(t, time.Minute, fmt.Sprintf(`slo_freeze_override_active{instance=%q, service="payments", action="set"} == 1`, broken.addr),
		func(v model.Vector) bool { return len(v) == 1 })

	t.Run("alerts", func(t *testing.T) {
		// Prometheus evaluates the mixin's alerts every second: the broken daemon's are pending (or firing) at once,
		// while the demo, healthy now, raises none (it may have until its first snapshot). Both load the examples,
		// most of which were never reviewed: the review count, per owner across instances (so without one), fires.
		want := map[string][]string{broken.addr: brokenAlerts, "": {"SlokeeperSLOReviewsOverdue"}}
		var got map[string][]string
		// Polled every second (Prometheus' rule evaluation interval) for up to a minute: Prometheus notifies no one.
		poll := time.NewTicker(time.Second)
		defer poll.Stop()
		deadline := time.NewTimer(time.Minute)
		defer deadline.Stop()
		for {
			res, err := prom.API().Alerts(t.Context())
			require.NoError(t, err)
			got = map[string][]string{} // instance → the names of its pending or firing alerts
			for _, a := range res.Alerts {
				instance, name := string(a.Labels[model.InstanceLabel]), string(a.Labels[model.AlertNameLabel])
				if !slices.Contains(got[instance], name) {
					got[instance] = append(got[instance], name)
				}
			}
			for _, names := range got {
				slices.Sort(names)
			}
			if reflect.DeepEqual(got, want) {
				break
			}
			select {
			case <-poll.C:
			case <-deadline.C:
				require.Fail(t, "alerts by instance (\"\": alerts without one, e.g. SlokeeperDown without a target)", "got %v, want %v", got, want)
			}
		}
	})

	q := evaluator{t: t, prom: prom, now: time.Now()}
	dashboards := loadDashboards(t)

	t.Run("overview", func(t *testing.T) {
		d := dashboards["slokeeper-overview.json"]
		// All selected; the layer's table repeats per layer.
		results := q.dashboard(t, d, map[string]string{"owner": ".*", "layer": "product|service|infrastructure", "service": ".*", "slo": ".*"})
		for _, r := range results {
			require.NoError(t, r.err, r.where)
			require.NotEmpty(t, r.series, "%s returns no data from the demo", r.where)
		}
		// Numbers that must agree with the daemon's own API.
		slos := map[string]bool{}
		for _, st := range demo.app.Snapshot().SLOs {
			slos[st.Service+"/"+st.SLO] = true
		}
		require.Equal(t, float64(len(slos)), results.value(t, "SLOs", "A"), "SLOs of the demo")
		require.GreaterOrEqual(t, results.value(t, "Burn alerts firing", "A"), 1.0, "the demo's live incident pages")
		// Grafana merges a table's queries into rows by their labels: every query must return rows of the
		// fullest query's label sets.
		for _, p := range d.Panels {
			if p.Type == "table" {
				checkTableRows(t, p, results)
			}
		}
	})

	t.Run("other dashboards", func(t *testing.T) {
		// Every query evaluates without error and returns data, but where noted: the detail dashboard for a grouped
		// SLO that pages (payments/api-availability), the layers dashboard for a product SLO
		// (checkout/journey-latency), the operations dashboard for both daemons.
		mayBeEmpty := map[string]string{
			`slokeeper / operations: panel "Remote-write receiver", target A`: "nothing remote-writes to the daemons",
		}
		for file, vars := range map[string]map[string]string{
			"slokeeper-slo-detail.json": {"owner": ".*", "layer": ".*", "service": "payments", "slo": "api-availability"},
			"slokeeper-layers.json":     {"service": "checkout", "slo": "journey-latency", "layer": "service|infrastructure", "owner": ".*", "dependency": ".*"},
			"slokeeper-operations.json": {"instance": ".*"},
		} {
			for _, r := range q.dashboard(t, dashboards[file], vars) {
				require.NoError(t, r.err, r.where)
				if _, ok := mayBeEmpty[r.where]; !ok {
					require.NotEmpty(t, r.series, "%s returns no data", r.where)
				}
			}
		}
	})

	t.Run("metric and label names", func(t *testing.T) {
		// Every series a query or alert reads is one the daemon exports (the registries of both daemons, which
		// between them have exported every family the mixin reads) or slokeeper generates.
		known := knownSeries(t, demo.app.Registry(), broken.app.Registry())
		exprs := mixinExpressions(t)
		for _, where := range slices.Sorted(maps.Keys(exprs)) {
			for _, p := range known.problems(exprs[where]) {
				t.Errorf("%s: %s", where, p)
			}
		}
	})
}

// evaluator runs dashboard queries against Prometheus as Grafana does: instant queries at now, graphs as range
// queries over the last few minutes.
type evaluator struct {
	t    *testing.T
	prom *e2etest.Prometheus
	now  time.Time
}

// result is the outcome of one dashboard query.
type result struct {
	where, panel, refID string
	repeat              string // the value of the variable its row repeats by
	err                 error
	series              []model.Metric // label sets returned (with a sample)
	value               float64        // the first sample's value
}

type results []result

func (rs results) value(t *testing.T, panel, refID string) float64 {
	t.Helper()
	for _, r := range rs {
		if r.panel == panel && r.refID == refID && len(r.series) > 0 {
			return r.value
		}
	}
	t.Fatalf("no result for panel %q target %s", panel, refID)
	return 0
}

// Grafana's values for the built-in variables: with a 1s scrape interval, $__rate_interval is 4 scrapes and
// more; the time range is the last 5 minutes.
var grafanaBuiltins = map[string]string{"__rate_interval": "15s", "__range": "5m", "__interval": "5s"}

// dashboard evaluates every query of d with the variables set to vars. A query in a row repeated by a
// variable runs once per value of it (the values vars gives, split at |), as Grafana repeats the row; the
// variables' own label_values queries run too.
func (ev evaluator) dashboard(t *testing.T, d dashboard, vars map[string]string) results {
	t.Helper()
	values := map[string]string{}
	for k, v := range grafanaBuiltins {
		values[k] = v
	}
	for k, v := range vars {
		values[k] = v
	}
	values["datasource"] = "prometheus"
	var out results
	for _, q := range queries(d) {
		repeats := []string{""}
		if q.repeatedBy != "" {
			repeats = strings.Split(vars[q.repeatedBy], "|")
		}
		for _, value := range repeats {
			vs := values
			where := q.where
			if q.repeatedBy != "" {
				vs = map[string]string{q.repeatedBy: value}
				for k, v := range values {
					if k != q.repeatedBy {
						vs[k] = v
					}
				}
				where = fmt.Sprintf("%s (%s=%s)", q.where, q.repeatedBy, value)
			}
			r := ev.run(q, vs)
			r.where, r.repeat = where, value
			out = append(out, r)
		}
	}
	return out
}

func (ev evaluator) run(q query, vars map[string]string) result {
	r := result{where: q.where}
	if q.panel != nil {
		r.panel = q.panel.Title
		r.refID = q.where[strings.LastIndex(q.where, " ")+1:]
	}
	expr, err := expand(q.expr, vars)
	if err != nil {
		r.err = err
		return r
	}
	ctx, cancel := context.WithTimeout(ev.t.Context(), 30*time.Second)
	defer cancel()
	var (
		v        model.Value
		warnings v1.Warnings
	)
	if q.instant || q.panel == nil {
		v, warnings, _, err = ev.prom.API().Query(ctx, expr, ev.now)
	} else {
		v, warnings, _, err = ev.prom.API().QueryRange(ctx, expr, v1.Range{Start: ev.now.Add(-3 * time.Minute), End: ev.now, Step: 5 * time.Second})
	}
	switch {
	case err != nil:
		r.err = fmt.Errorf("%s: %w", expr, err)
	case len(warnings) > 0:
		r.err = fmt.Errorf("%s: warnings %v", expr, warnings)
	}
	switch v := v.(type) {
	case model.Vector:
		for _, s := range v {
			r.series = append(r.series, s.Metric)
		}
		if len(v) > 0 {
			r.value = float64(v[0].Value)
		}
	case model.Matrix:
		for _, s := range v {
			if len(s.Values) > 0 {
				r.series = append(r.series, s.Metric)
			}
		}
	case nil:
	default:
		r.err = errors.Join(r.err, fmt.Errorf("%s: a %s, not a vector or matrix", expr, v.Type()))
	}
	return r
}

// checkTableRows fails t if a query of the table p returns a row whose labels no row of the table's fullest
// query has: Grafana's merge would show it as a row of its own, with every other column empty.
func checkTableRows(t *testing.T, p panel, rs results) {
	t.Helper()
	byRepeat := map[string][]result{} // repeated rows: compare the queries of one repetition
	for _, r := range rs {
		if r.panel == p.Title {
			byRepeat[r.repeat] = append(byRepeat[r.repeat], r)
		}
	}
	require.NotEmpty(t, byRepeat, "table %q was not evaluated", p.Title)
	for _, group := range byRepeat {
		fullest := slices.MaxFunc(group, func(a, b result) int { return len(a.series) - len(b.series) })
		rows := map[string]bool{}
		for _, m := range fullest.series {
			rows[m.String()] = true
		}
		for _, r := range group {
			for _, m := range r.series {
				require.True(t, rows[m.String()], "%s returns %s, which %s does not: the table's columns would not line up", r.where, m, fullest.where)
			}
		}
	}
}
