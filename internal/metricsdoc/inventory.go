// Package metricsdoc lists the metric families a prometheus.Registry can
// expose and renders them as a Markdown reference: docs/metrics.md, written by
// `make docs` through hack/metricsdoc, which runs the daemon's demo and hands
// its registry here.
//
// The package owns the inventory (which families, with which type, help and
// label names) and the page's layout and escaping. It must not know
// slokeeper's metrics, their prefixes or wording, nor how a daemon is started:
// the registry, the groups and the prose come from the caller, so the page
// cannot drift from the registry. The output depends on no value, timestamp or
// const label value, only on names, types and help texts.
package metricsdoc

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Family is one metric family the registry can expose.
type Family struct {
	Name string
	// Type is counter, gauge, histogram, summary, untyped or gaugehistogram; empty when it cannot be proven (a
	// described family that has no series and whose collector is not one of client_golang's vectors).
	Type string
	Help string
	// Labels are the family's label names, const and variable, sorted: never their values.
	Labels []string
	// Unchecked tells a family that only the gathered series show: its collector describes nothing.
	Unchecked bool
}

// Inventory lists every family reg can expose, sorted by name. It combines the two views a Registry offers,
// because neither is complete alone:
//
//   - Describe yields the descriptor of every family of a checked collector, with or without series (a vector
//     that has no child yet, e.g. failures that never happened), and its help and label names, but no type.
//   - Gather yields the type, but only of families that have series right now, and it is the only view of an
//     unchecked collector (one that describes nothing, e.g. metrics built from a snapshot at scrape time).
//
// The type of a described family is what its collector proves: reg answers a registration of a collector
// describing that one descriptor with prometheus.AlreadyRegisteredError naming the collector that owns it, and a
// *CounterVec, *GaugeVec, *HistogramVec or *SummaryVec says its type whether it has children or not. (That
// registration never succeeds, the descriptor being reg's own; if it did, it is undone and reported.) Otherwise
// the type is the gathered one, which a family whose collector is a single metric always has. Where both exist
// they must agree. So the result does not depend on which vectors happen to have children when it is called;
// the families of unchecked collectors do, and the caller must call it once they are all exposed.
func Inventory(reg *prometheus.Registry) ([]Family, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("couldn't gather: %w", err)
	}
	gathered := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		gathered[mf.GetName()] = mf
	}
	byName := map[string]*Family{}
	for _, d := range describe(reg) {
		f, err := parseDesc(d.String())
		if err != nil {
			return nil, err
		}
		if prev, ok := byName[f.Name]; ok {
			// One name, several descriptors (different const label values): the same family.
			prev.Labels = union(prev.Labels, f.Labels)
			continue
		}
		probed, err := probeType(reg, d)
		if err != nil {
			return nil, err
		}
		f.Type = probed
		if mf, ok := gathered[f.Name]; ok {
			if g := typeName(mf.GetType()); f.Type == "" {
				f.Type = g
			} else if f.Type != g {
				return nil, fmt.Errorf("%s: its collector is a %s, but it is gathered as a %s", f.Name, f.Type, g)
			}
		}
		byName[f.Name] = &f
	}
	for _, mf := range mfs {
		if _, ok := byName[mf.GetName()]; ok {
			continue
		}
		byName[mf.GetName()] = &Family{
			Name: mf.GetName(), Type: typeName(mf.GetType()), Help: mf.GetHelp(), Labels: gatheredLabels(mf), Unchecked: true,
		}
	}
	out := make([]Family, 0, len(byName))
	for _, f := range byName {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b Family) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// describe collects reg's descriptors.
func describe(reg *prometheus.Registry) []*prometheus.Desc {
	ch := make(chan *prometheus.Desc)
	go func() {
		reg.Describe(ch)
		close(ch)
	}()
	var out []*prometheus.Desc
	for d := range ch {
		out = append(out, d)
	}
	return out
}

// probe is a collector describing one descriptor and collecting nothing.
type probe struct{ desc *prometheus.Desc }

func (p probe) Describe(ch chan<- *prometheus.Desc) { ch <- p.desc }
func (probe) Collect(chan<- prometheus.Metric)      {}

// probeType is the type of the family of d when the collector that owns d alone is one of client_golang's
// vectors, else "".
func probeType(reg *prometheus.Registry, d *prometheus.Desc) (string, error) {
	p := probe{d}
	err := reg.Register(p)
	if err == nil {
		reg.Unregister(p)
		return "", fmt.Errorf("%s: a collector describing it could be registered, so it is not the registry's own", d)
	}
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		return "", nil // the descriptor's collector describes others too
	}
	switch are.ExistingCollector.(type) {
	case *prometheus.CounterVec:
		return "counter", nil
	case *prometheus.GaugeVec:
		return "gauge", nil
	case *prometheus.HistogramVec:
		return "histogram", nil
	case *prometheus.SummaryVec:
		return "summary", nil
	}
	return "", nil
}

// typeName is the name the text exposition format gives t.
func typeName(t dto.MetricType) string {
	return strings.ReplaceAll(strings.ToLower(t.String()), "_", "")
}

// gatheredLabels is the sorted union of the label names of mf's series.
func gatheredLabels(mf *dto.MetricFamily) []string {
	var names []string
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			names = append(names, lp.GetName())
		}
	}
	return union(nil, names)
}

// union is the sorted set of the names of a and b.
func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
