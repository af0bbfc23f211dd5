package mixin_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// series is every series name the mixin may read, with the label names of each (nil: not checked) and where
// the name comes from.
type series struct {
	labels map[string]map[string]bool
	source map[string]string
}

// targetLabels are the labels Prometheus adds to every scraped series.
var targetLabels = []string{model.JobLabel, model.InstanceLabel}

// knownSeries collects the names slokeeper exports or generates, from Go and from the daemon itself:
//   - the exporter's Name* constants (internal/exporter) and the recorded series of pkg/conventions, so that renaming
//     one of those breaks the test;
//   - every family the gatherers (registries of running daemons) hold: the slokeeper_* health metrics are
//     string literals in several packages, and the embedded Prometheus components' metrics are theirs, so the
//     registries are the authority on what /metrics serves, and on the labels of everything;
//   - up, which Prometheus writes for every scrape target.
func knownSeries(t *testing.T, gatherers ...prometheus.Gatherer) series {
	t.Helper()
	s := series{labels: map[string]map[string]bool{}, source: map[string]string{}}
	// add records name; labelNames nil leaves its labels unchecked (unless another source knows them).
	add := func(name, source string, labelNames ...string) {
		if _, ok := s.source[name]; !ok {
			s.source[name] = source
		}
		if labelNames == nil {
			return
		}
		if s.labels[name] == nil {
			s.labels[name] = map[string]bool{}
		}
		for _, l := range labelNames {
			s.labels[name][l] = true
		}
	}
	for _, name := range []string{
		conventions.MetricBudgetRemaining, conventions.MetricSLI, conventions.MetricBurnRate, conventions.MetricObjective,
		conventions.MetricErrorBudget, conventions.MetricPeriod, conventions.MetricPeriodEvents, conventions.MetricTimeToExhaustion,
		conventions.MetricPeriodCoverage, conventions.MetricAlertFiring, conventions.MetricSnapshotTimestamp,
		conventions.MetricFreezeActive, conventions.MetricFreezeStatus, conventions.MetricFreezeSince, conventions.MetricFreezes,
		conventions.MetricOverride, conventions.MetricReviewLast, conventions.MetricReviewOverdue, conventions.MetricReviewCadence,
	} {
		add(name, "internal/exporter")
	}
	core := []string{conventions.LabelSLO, conventions.LabelService, conventions.LabelLayer, conventions.LabelOwner}
	for _, name := range []string{
		conventions.ErrorRatioPeriod, conventions.ErrorRatePeriod, conventions.TotalRatePeriod,
		conventions.BudgetRemaining, conventions.PeriodCoverage, conventions.ErrorRatePeriodTile,
		conventions.TotalRatePeriodTile, conventions.PeriodCoverageTile, conventions.Objective,
		conventions.ErrorBudget, conventions.PeriodSeconds,
	} {
		add(name, "pkg/conventions", core...)
	}
	add(conventions.Info, "pkg/conventions", append(slices.Clone(core), conventions.LabelObjective, conventions.LabelPeriod,
		conventions.LabelDescription, conventions.LabelRationale, conventions.LabelSLIKind)...)
	add("up", "Prometheus (scrape health)", targetLabels...)
	for _, g := range gatherers {
		mfs, err := g.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			for name, labelNames := range familySeries(mf) {
				add(name, "the daemon's registry", labelNames...)
			}
		}
	}
	return s
}

// familySeries returns the series names a metric family becomes in Prometheus, with their label names.
func familySeries(mf *dto.MetricFamily) map[string][]string {
	names := []string{} // not nil: the labels are known, even if there are none
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if !slices.Contains(names, l.GetName()) {
				names = append(names, l.GetName())
			}
		}
	}
	base := mf.GetName()
	out := map[string][]string{base: names}
	switch mf.GetType() {
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		out[base+"_bucket"] = append(slices.Clone(names), model.BucketLabel)
		out[base+"_sum"], out[base+"_count"] = names, names
	case dto.MetricType_SUMMARY:
		out[base] = append(slices.Clone(names), model.QuantileLabel)
		out[base+"_sum"], out[base+"_count"] = names, names
	}
	return out
}

// windowed reports whether name is one of conventions' per-window recorded series (e.g. slo:sli_error:ratio_rate1h).
func windowed(name string) bool {
	for _, f := range []func(time.Duration) string{conventions.ErrorRatio, conventions.ErrorRate, conventions.TotalRate} {
		prefix := strings.TrimSuffix(f(time.Hour), conventions.Window(time.Hour))
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if d, err := model.ParseDuration(rest); err == nil && f(time.Duration(d)) == name {
				return true
			}
		}
	}
	return false
}

// problems lists the series e reads that slokeeper neither exports nor generates, and the labels it matches
// that such a series does not carry.
func (s series) problems(e parser.Expr) []string {
	var out []string
	for _, vs := range selectors(e) {
		name := metricName(vs)
		if name == "" {
			out = append(out, fmt.Sprintf("%s selects no metric name", vs))
			continue
		}
		if windowed(name) {
			continue
		}
		if _, ok := s.source[name]; !ok {
			out = append(out, fmt.Sprintf("%s is neither exported by the daemon nor generated by slokeeper", name))
			continue
		}
		labelNames, ok := s.labels[name]
		if !ok {
			out = append(out, fmt.Sprintf("%s (%s): no running daemon exported it, so its labels are unchecked: make the test's daemons export it",
				name, s.source[name]))
			continue
		}
		for _, m := range vs.LabelMatchers {
			if m.Name != model.MetricNameLabel && !labelNames[m.Name] && !slices.Contains(targetLabels, m.Name) {
				out = append(out, fmt.Sprintf("%s has no label %s (it has %v)", name, m.Name, slices.Sorted(maps.Keys(labelNames))))
			}
		}
	}
	return out
}

// mixinExpressions returns every PromQL expression of the rendered mixin (dashboard queries with placeholder
// variables, alert and recording rule expressions), parsed, by where they are.
func mixinExpressions(t *testing.T) map[string]parser.Expr {
	t.Helper()
	out := map[string]parser.Expr{}
	for _, d := range loadDashboards(t) {
		vars := placeholders(d)
		for _, q := range queries(d) {
			e, err := parse(q, vars)
			require.NoError(t, err, q.where)
			out[q.where] = e
		}
	}
	for _, file := range []string{alertsFile, rulesFile} {
		for _, r := range loadRuleFile(t, file).rules() {
			e, err := promqlParser.ParseExpr(r.Expr)
			require.NoError(t, err, "%s: %s%s", file, r.Alert, r.Record)
			out[fmt.Sprintf("%s: %s%s", file, r.Alert, r.Record)] = e
		}
	}
	return out
}

// The names check catches a renamed metric, a misspelt label and an unexported series.
func TestNameCheckCatchesMistakes(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slokeeper_slos", Help: "h"}, func() float64 { return 1 }))
	burn := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: conventions.MetricBurnRate, Help: "h"}, []string{"slo", "window"})
	burn.WithLabelValues("a", "5m").Set(1)
	reg.MustRegister(burn)
	s := knownSeries(t, reg)
	for _, tc := range []struct{ expr, want string }{
		{`slokeeper_slos{job="slokeeper"} + on (instance) slo_burn_rate{window="5m", slo="a"}`, ""},
		{`slo:sli_error:ratio_rate1h{service="a"} + slo_info{rationale="x"}`, ""},
		{`slo_budget_left`, "slo_budget_left is neither exported"},
		{`slo_burn_rate{windw="5m"}`, "slo_burn_rate has no label windw"},
		{`slo:sli_error:ratio_rate1x`, "slo:sli_error:ratio_rate1x is neither exported"},
		{`slo_objective_ratio`, "no running daemon exported it"},
		{`{slo="a"}`, "selects no metric name"},
	} {
		e, err := promqlParser.ParseExpr(tc.expr)
		require.NoError(t, err)
		problems := s.problems(e)
		if tc.want == "" {
			require.Empty(t, problems, tc.expr)
			continue
		}
		require.Len(t, problems, 1, "%s: %v", tc.expr, problems)
		require.Contains(t, problems[0], tc.want, tc.expr)
	}
}
