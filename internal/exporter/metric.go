package exporter

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// labelPairs are one series' label pairs, sorted by name, shared read-only by the metrics of every family the
// series is in. A const metric of client_golang builds its own pairs: for thousands of SLOs in a dozen families,
// every gathering of /metrics allocated (and soon dropped) tens of megabytes of identical pairs. The registry
// treats a collected metric's pairs as immutable (it copies them before sorting), so sharing them is safe.
type labelPairs []*dto.LabelPair

// newLabelPairs pairs names with values (same length; names without duplicates).
func newLabelPairs(names, values []string) labelPairs {
	p := make(labelPairs, len(names))
	for i := range names {
		p[i] = &dto.LabelPair{Name: proto.String(names[i]), Value: proto.String(values[i])}
	}
	slices.SortFunc(p, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
	return p
}

// with returns p and one more pair, in a new slice.
func (p labelPairs) with(name, value string) labelPairs {
	i, _ := slices.BinarySearchFunc(p, name, func(l *dto.LabelPair, n string) int { return strings.Compare(l.GetName(), n) })
	return slices.Insert(slices.Clone(p), i, &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)})
}

// sample is a gauge or counter of one series, with shared label pairs. It implements prometheus.Metric.
type sample struct {
	desc    *prometheus.Desc
	labels  labelPairs
	value   float64
	counter bool
}

// Desc implements prometheus.Metric.
func (m *sample) Desc() *prometheus.Desc { return m.desc }

// Write implements prometheus.Metric.
func (m *sample) Write(out *dto.Metric) error {
	out.Label = m.labels
	if m.counter {
		out.Counter = &dto.Counter{Value: &m.value}
	} else {
		out.Gauge = &dto.Gauge{Value: &m.value}
	}
	return nil
}
