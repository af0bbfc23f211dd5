package app

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// appMetrics are the daemon's own health series that belong to no other package.
type appMetrics struct {
	reloadSuccess    prometheus.Gauge
	reloadSuccessTS  prometheus.Gauge
	reloads          *prometheus.CounterVec
	slos             prometheus.Gauge
	snapshotFailures prometheus.Counter
	snapshotTime     prometheus.Gauge
	// policySaveFailures counts failed writes of the error budget policy's state.
	policySaveFailures prometheus.Counter

	reloadOK   atomic.Bool
	reloadTime atomic.Int64 // unix nanoseconds of the last successful reload
}

func newAppMetrics(reg prometheus.Registerer) *appMetrics {
	m := &appMetrics{
		reloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slokeeper_config_last_reload_successful",
			Help: "Whether the last configuration and spec reload succeeded (1) or failed and the previous set kept running (0).",
		}),
		reloadSuccessTS: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slokeeper_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration and spec reload.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_config_reloads_total",
			Help: "Configuration and spec reloads, by result.",
		}, []string{"result"}),
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
		policySaveFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slokeeper_policy_state_save_failures_total",
			Help: "Failed writes of the error budget policy's state file (retried at the next evaluation; the state in memory stays right).",
		}),
	}
	reg.MustRegister(m.reloadSuccess, m.reloadSuccessTS, m.reloads, m.slos, m.snapshotFailures, m.snapshotTime, m.policySaveFailures)
	return m
}

func (m *appMetrics) reloaded(ok bool) {
	m.reloadOK.Store(ok)
	if ok {
		m.reloadSuccess.Set(1)
		m.reloadSuccessTS.SetToCurrentTime()
		m.reloadTime.Store(time.Now().UnixNano())
		m.reloads.WithLabelValues("success").Inc()
		return
	}
	m.reloadSuccess.Set(0)
	m.reloads.WithLabelValues("failure").Inc()
}
