package app

import (
	"github.com/prometheus/client_golang/prometheus"
)

// appMetrics are the daemon's own health series that belong to no other package.
type appMetrics struct {
	slos             prometheus.Gauge
	snapshotFailures prometheus.Counter
	snapshotTime     prometheus.Gauge
}

func newAppMetrics(reg prometheus.Registerer) *appMetrics {
	m := &appMetrics{
		slos: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slokeeper_slos",
			Help: "SLOs loaded and evaluated.",
		}),
		snapshotFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slokeeper_budget_snapshot_failures_total",
			Help: "Budget snapshots that could not be computed (the previous one stayed exported).",
		}),
		snapshotTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slokeeper_budget_snapshot_last_success_timestamp_seconds",
			Help: "When the exported budget snapshot was computed.",
		}),
	}
	reg.MustRegister(m.slos, m.snapshotFailures, m.snapshotTime)
	return m
}
