package metricsdoc

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// snapshotCollector is unchecked, as slokeeper's per-SLO collectors are: it describes nothing and builds its
// metrics at collection time.
type snapshotCollector struct{ labels []string }

func (snapshotCollector) Describe(chan<- *prometheus.Desc) {}

func (c snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	d := prometheus.NewDesc("app_budget_ratio", "Budget left.", c.labels, nil)
	values := make([]string, len(c.labels))
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, 0.5, values...)
}

// fileCollector describes one family it has no series of, like Prometheus' FileSD mtime collector.
type fileCollector struct{ desc *prometheus.Desc }

func (c fileCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (fileCollector) Collect(chan<- prometheus.Metric)      {}

// testRegistry has a family of every kind Inventory tells apart.
func testRegistry() (*prometheus.Registry, *prometheus.CounterVec) {
	reg := prometheus.NewRegistry()
	failures := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "app_failures_total", Help: "Failures, by reason."}, []string{"reason"})
	reg.MustRegister(
		failures,
		prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "app_queue_length", Help: "Queued.", ConstLabels: prometheus.Labels{"instance": "host-1:9090"}}, []string{"queue"}),
		prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "app_latency_seconds", Help: "Latency."}, []string{"handler", "code"}),
		prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: "app_size_bytes", Help: "Sizes."}, []string{"kind"}),
		prometheus.NewGauge(prometheus.GaugeOpts{Name: "app_up", Help: `Whether the app is "up".`}),
		prometheus.V2.NewCounterVec(prometheus.CounterVecOpts{
			CounterOpts:    prometheus.CounterOpts{Name: "app_constrained_total", Help: "Constrained."},
			VariableLabels: prometheus.ConstrainedLabels{{Name: "method", Constraint: strings.ToLower}},
		}),
		snapshotCollector{labels: []string{"slo", "route"}},
		fileCollector{prometheus.NewDesc("app_file_mtime_seconds", "Mtime.", []string{"filename"}, nil)},
	)
	wrapped := prometheus.WrapRegistererWith(prometheus.Labels{"name": "notify"}, reg)
	wrapped.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "app_sd_updates_total", Help: "Updates."}, []string{"config"}))
	return reg, failures
}

// Every family, with its type whether it has series or not, const label names without values, and the families
// of an unchecked collector from its series.
func TestInventory(t *testing.T) {
	reg, _ := testRegistry()
	got, err := Inventory(reg)
	require.NoError(t, err)
	require.Equal(t, []Family{
		{Name: "app_budget_ratio", Type: "gauge", Help: "Budget left.", Labels: []string{"route", "slo"}, Unchecked: true},
		{Name: "app_constrained_total", Type: "counter", Help: "Constrained.", Labels: []string{"method"}},
		{Name: "app_failures_total", Type: "counter", Help: "Failures, by reason.", Labels: []string{"reason"}},
		// A custom collector of one descriptor, without series: nothing proves its type.
		{Name: "app_file_mtime_seconds", Help: "Mtime.", Labels: []string{"filename"}},
		{Name: "app_latency_seconds", Type: "histogram", Help: "Latency.", Labels: []string{"code", "handler"}},
		{Name: "app_queue_length", Type: "gauge", Help: "Queued.", Labels: []string{"instance", "queue"}},
		// Registered through WrapRegistererWith: the wrapper's label is a const label.
		{Name: "app_sd_updates_total", Type: "counter", Help: "Updates.", Labels: []string{"config", "name"}},
		{Name: "app_size_bytes", Type: "summary", Help: "Sizes.", Labels: []string{"kind"}},
		{Name: "app_up", Type: "gauge", Help: `Whether the app is "up".`},
	}, got)
}

// The inventory does not depend on which vectors have children: that is what makes the page stable.
func TestInventoryIgnoresChildren(t *testing.T) {
	reg, failures := testRegistry()
	before, err := Inventory(reg)
	require.NoError(t, err)
	failures.WithLabelValues("timeout").Inc()
	after, err := Inventory(reg)
	require.NoError(t, err)
	require.Equal(t, before, after)
}

// The type probes leave the registry as it was: every probe registration is refused.
func TestInventoryLeavesRegistry(t *testing.T) {
	reg, _ := testRegistry()
	before := describedNames(reg)
	_, err := Inventory(reg)
	require.NoError(t, err)
	require.Equal(t, before, describedNames(reg))
	// The registry still refuses what it refused before, and accepts a new family.
	err = reg.Register(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "app_failures_total", Help: "Failures, by reason."}, []string{"reason"}))
	require.ErrorAs(t, err, new(prometheus.AlreadyRegisteredError))
	require.NoError(t, reg.Register(prometheus.NewCounter(prometheus.CounterOpts{Name: "app_new_total", Help: "New."})))
}

func describedNames(reg *prometheus.Registry) []string {
	var names []string
	for _, d := range describe(reg) {
		names = append(names, d.String())
	}
	return union(nil, names)
}

func TestParseDesc(t *testing.T) {
	for _, tc := range []struct {
		desc string
		want Family
	}{{
		desc: `Desc{fqName: "a_total", help: "Help with \"quotes\", braces {} and, commas.", unit: "", constLabels: {}, variableLabels: {}}`,
		want: Family{Name: "a_total", Help: `Help with "quotes", braces {} and, commas.`},
	}, {
		desc: `Desc{fqName: "b", help: "", unit: "seconds", constLabels: {z="a}b,c=\"d",name="notify"}, variableLabels: {y,c(x)}}`,
		want: Family{Name: "b", Labels: []string{"name", "x", "y", "z"}},
	}, {
		// client_golang before the unit field.
		desc: `Desc{fqName: "c", help: "h", constLabels: {}, variableLabels: {v}}`,
		want: Family{Name: "c", Help: "h", Labels: []string{"v"}},
	}} {
		got, err := parseDesc(tc.desc)
		require.NoError(t, err, tc.desc)
		require.Equal(t, tc.want, got, tc.desc)
	}
	for _, bad := range []string{
		`Desc{help: "h", constLabels: {}, variableLabels: {}}`,
		`Desc{fqName: "a", help: "h", owner: "x", constLabels: {}, variableLabels: {}}`,
		`Desc{fqName: "a", help: h, constLabels: {}, variableLabels: {}}`,
		`Desc{fqName: "a", help: "h", constLabels: {x=1}, variableLabels: {}}`,
		`Desc{fqName: "a", help: "h", constLabels: {}, variableLabels: {a,,b}}`,
		`Desc{fqName: "a", help: "h" constLabels: {}}`,
		`Metric{fqName: "a"}`,
	} {
		_, err := parseDesc(bad)
		require.Error(t, err, bad)
	}
	// What the client_golang in go.mod writes reads back.
	d := prometheus.NewDesc("x_total", "X.", []string{"b", "a"}, prometheus.Labels{"c": `va"l}`})
	got, err := parseDesc(d.String())
	require.NoError(t, err, d.String())
	require.Equal(t, Family{Name: "x_total", Help: "X.", Labels: []string{"a", "b", "c"}}, got)
}
