package exporter

import (
	"slices"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// PolicyCollector is an unchecked prometheus.Collector of the latest policy state, per service: like Collector,
// a scrape sees one whole state, and a service that leaves the state vanishes at once.
type PolicyCollector struct {
	state atomic.Pointer[policySnapshot]
}

type policySnapshot struct {
	services []*policy.Service
	catalog  *catalog.Catalog
	active   map[string]bool // service → override in force
}

// layer is the layer of service's SLOs, "" for a service the catalog does not hold.
func (s *policySnapshot) layer(service string) string {
	if s.catalog == nil {
		return ""
	}
	if svc, ok := s.catalog.Service(service); ok {
		return string(svc.Layer)
	}
	return ""
}

// NewPolicyCollector returns a collector with nothing to collect until the first Set.
func NewPolicyCollector() *PolicyCollector { return &PolicyCollector{} }

// Set replaces what is collected: the services' layers are the catalog's, overridden lists the services whose
// manual override is in force. The state is copied.
func (c *PolicyCollector) Set(st policy.State, cat *catalog.Catalog, overridden map[string]bool) {
	st = st.Clone()
	s := &policySnapshot{catalog: cat, active: overridden}
	for _, svc := range st.Services {
		s.services = append(s.services, svc)
	}
	slices.SortFunc(s.services, func(a, b *policy.Service) int {
		switch {
		case a.Service < b.Service:
			return -1
		case a.Service > b.Service:
			return 1
		}
		return 0
	})
	c.state.Store(s)
}

// Describe sends nothing: the collector is unchecked, as Collector.
func (c *PolicyCollector) Describe(chan<- *prometheus.Desc) {}

var (
	serviceLabels = []string{conventions.LabelService, conventions.LabelOwner, conventions.LabelLayer}
	descFreeze    = prometheus.NewDesc(conventions.MetricFreezeActive, "1 while the service is in a feature freeze under its error budget policy.", serviceLabels, nil)
	descStatus    = prometheus.NewDesc(conventions.MetricFreezeStatus, "The service's status under its error budget policy: 1 for the current status (ok, warning, frozen), 0 for the others.", append(slices.Clone(serviceLabels), conventions.LabelStatus), nil)
	descSince     = prometheus.NewDesc(conventions.MetricFreezeSince, "When the service entered its current policy status, in seconds since the epoch.", serviceLabels, nil)
	descFreezes   = prometheus.NewDesc(conventions.MetricFreezes, "Feature freezes the service entered (kept across restarts).", serviceLabels, nil)
	descOverride  = prometheus.NewDesc(conventions.MetricOverride, "1 while a manual override of the freeze (action lift or set) is in force.", append(slices.Clone(serviceLabels), conventions.LabelAction), nil)
)

// Collect implements prometheus.Collector.
func (c *PolicyCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.state.Load()
	if s == nil {
		return
	}
	for _, svc := range s.services {
		lp := newLabelPairs(serviceLabels, []string{svc.Service, svc.Owner, s.layer(svc.Service)})
		ch <- &sample{desc: descFreeze, labels: lp, value: boolValue(svc.Status == policy.StatusFrozen)}
		for _, st := range []policy.Status{policy.StatusOK, policy.StatusWarning, policy.StatusFrozen} {
			ch <- &sample{desc: descStatus, labels: lp.with(conventions.LabelStatus, string(st)), value: boolValue(svc.Status == st)}
		}
		ch <- &sample{desc: descSince, labels: lp, value: float64(svc.Since.UnixNano()) / 1e9}
		ch <- &sample{desc: descFreezes, labels: lp, value: float64(svc.Freezes), counter: true}
		if svc.Override != nil {
			ch <- &sample{desc: descOverride, labels: lp.with(conventions.LabelAction, string(svc.Override.Action)), value: boolValue(s.active[svc.Service])}
		}
	}
}
