package sliprobe

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

const helpMissing = "Number of the SLI's selectors that match no series in any source over the probe's lookback: above 0 the SLO has no data, or counts every event as bad. Absent until its selectors were probed."

// descMissing is the per-SLO gauge; its labels are those of every per-SLO series of the exporter.
var descMissing = prometheus.NewDesc(conventions.SLISelectorsMissing, helpMissing,
	[]string{conventions.LabelSLO, conventions.LabelService, conventions.LabelLayer, conventions.LabelOwner}, nil)

// metrics are the probe's own health series.
type metrics struct {
	selectors *prometheus.GaugeVec
	probes    prometheus.Counter
	failures  prometheus.Counter
	duration  prometheus.Gauge
}

// newMetrics creates the probe's metrics and registers them, with the Monitor's per-SLO gauge, on reg (nil:
// nowhere).
func newMetrics(reg prometheus.Registerer, m *Monitor) *metrics {
	ms := &metrics{
		selectors: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: conventions.SLIProbeSelectors,
			Help: "Distinct SLI selectors of the loaded SLOs, by state of their last probe: present, missing (no series in any source) or unknown (never probed successfully).",
		}, []string{conventions.LabelProbeState}),
		probes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: conventions.SLIProbes,
			Help: "Probes of SLI selectors (one select over the probe's lookback from every source).",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: conventions.SLIProbeFailures,
			Help: "Probes of SLI selectors that failed because a source did not answer; the selector's state was kept.",
		}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: conventions.SLIProbeDuration,
			Help: "Duration of the last round of SLI selector probes, explanations included.",
		}),
	}
	if reg != nil {
		reg.MustRegister(ms.selectors, ms.probes, ms.failures, ms.duration, m)
	}
	return ms
}

// Describe implements prometheus.Collector: the per-SLO gauge.
func (m *Monitor) Describe(ch chan<- *prometheus.Desc) { ch <- descMissing }

// Collect implements prometheus.Collector: one gauge per SLO whose state is known, from the last round.
func (m *Monitor) Collect(ch chan<- prometheus.Metric) {
	p := m.published.Load()
	for i, s := range p.rows {
		ch <- prometheus.MustNewConstMetric(descMissing, prometheus.GaugeValue, float64(p.missing[i]), s.name, s.service, s.layer, s.owner)
	}
}
