package evaluator

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the daemon's own health series for rule evaluation and backfill. They are slokeeper_* so that
// they read apart from the prometheus_rule_* series the embedded rules manager exports for the same groups.
type metrics struct {
	evalDuration *prometheus.HistogramVec
	evals        *prometheus.CounterVec
	evalFailures *prometheus.CounterVec
	lastSuccess  *prometheus.GaugeVec

	backfillPending  prometheus.Gauge
	backfillRuns     *prometheus.CounterVec
	backfillSamples  prometheus.Counter
	backfillDuration prometheus.Histogram
	backfillLastEnd  *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		evalDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "slokeeper_rule_group_evaluation_duration_seconds",
			Help:    "Duration of rule group evaluations.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 10, 30},
		}, []string{"rule_group"}),
		evals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_rule_group_evaluations_total",
			Help: "Rule group evaluations.",
		}, []string{"rule_group"}),
		evalFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_rule_group_evaluation_failures_total",
			Help: "Rule group evaluations in which at least one rule failed (its last values are kept, not replaced).",
		}, []string{"rule_group"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slokeeper_rule_group_last_success_timestamp_seconds",
			Help: "Timestamp of the last evaluation of the group in which every rule succeeded.",
		}, []string{"rule_group"}),
		backfillPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slokeeper_backfill_pending_slos",
			Help: "SLOs waiting for or in backfill of their recorded history.",
		}),
		backfillRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_backfill_runs_total",
			Help: "Backfill runs of one SLO, by result (success, failure).",
		}, []string{"result"}),
		backfillSamples: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slokeeper_backfill_samples_appended_total",
			Help: "Recorded samples appended to the local TSDB by backfill.",
		}),
		backfillDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slokeeper_backfill_duration_seconds",
			Help:    "Duration of the backfill of one SLO.",
			Buckets: []float64{.01, .1, .5, 1, 5, 10, 30, 60, 300},
		}),
		backfillLastEnd: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slokeeper_backfill_last_success_timestamp_seconds",
			Help: "When the last successful backfill of the SLO finished.",
		}, []string{"service", "slo"}),
	}
	if reg != nil {
		reg.MustRegister(m.evalDuration, m.evals, m.evalFailures, m.lastSuccess,
			m.backfillPending, m.backfillRuns, m.backfillSamples, m.backfillDuration, m.backfillLastEnd)
	}
	return m
}

// forget drops the series of a group that is no longer evaluated.
func (m *metrics) forget(group string) {
	m.evalDuration.DeleteLabelValues(group)
	m.evals.DeleteLabelValues(group)
	m.evalFailures.DeleteLabelValues(group)
	m.lastSuccess.DeleteLabelValues(group)
}
