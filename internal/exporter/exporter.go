// Package exporter renders the latest SLO status snapshot (internal/budget) as
// Prometheus gauges on the daemon's /metrics.
//
// It exists so that dashboards and other Prometheus servers can read error
// budgets, burn rates and time to exhaustion without reaching into the
// daemon's TSDB. The Collector holds the immutable snapshot behind one
// atomic pointer: a scrape sees one whole snapshot, never a half-updated set,
// and an SLO missing from a new snapshot vanishes at once, instead of
// lingering as a stale gauge of a GaugeVec.
//
// # Labels and registry consistency
//
// Every per-SLO series carries slo, service, layer and owner. Grouped SLOs
// (e.g. grouping: [route]) have one status per group, told apart by their
// grouping labels, so those must be labels too. Their names are only known
// from the snapshot, which rules out a checked collector: the registry would
// compare every collected metric against descriptors fixed at registration
// and refuse any other label set. The Collector is therefore unchecked
// (Describe sends nothing); the registry still checks every scrape for
// consistent help strings and types, valid label names and duplicate series.
//
// To keep every family consistent all the same (one set of label names per
// family, as a checked collector would give, and as some consumers of the
// text format expect), each snapshot's families carry the union of all
// grouping label names, with an empty value where an SLO lacks one.
// Prometheus drops empty labels on ingestion, so an ungrouped SLO's series
// end up with no such label at all. A grouping label named like one of the
// exporter's own labels (window, kind, tier) is exposed as exported_<name>,
// as Prometheus does for conflicting target labels.
package exporter

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// sloLabels start the label names of every per-SLO series.
var sloLabels = []string{conventions.LabelSLO, conventions.LabelService, conventions.LabelLayer, conventions.LabelOwner}

// ownLabels may not be taken by a grouping label.
var ownLabels = map[string]bool{
	conventions.LabelSLO: true, conventions.LabelService: true, conventions.LabelLayer: true,
	conventions.LabelOwner: true, conventions.LabelWindow: true, conventions.LabelKind: true, conventions.LabelTier: true,
}

// Collector is an unchecked prometheus.Collector of the latest snapshot. The
// zero value is not usable: call New.
type Collector struct {
	snapshot atomic.Pointer[budget.Snapshot]
}

// New returns a Collector with nothing to collect until the first Set.
func New() *Collector { return &Collector{} }

// Set replaces what the Collector exposes with s; nil exposes nothing. The
// snapshot is immutable and swapped in whole, so a scrape sees one snapshot,
// never parts of two. The metrics are rendered at scrape time rather than held
// between scrapes: thousands of SLOs make tens of thousands of them. It is
// safe for concurrent use (the last Set wins).
func (c *Collector) Set(s *budget.Snapshot) { c.snapshot.Store(s) }

// Describe sends nothing, making the Collector unchecked: the grouping label
// names come with each snapshot (see the package doc).
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect sends the metrics of the latest snapshot.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot.Load()
	if s == nil {
		return
	}
	for _, m := range render(s) {
		ch <- m
	}
}

// descs are the descriptors of one snapshot's families.
type descs struct {
	budgetRemaining, sli, burnRate, objective, errorBudget, period *prometheus.Desc
	events, timeToExhaustion, coverage, alertFiring, timestamp     *prometheus.Desc
	updated, current, excluded                                     *prometheus.Desc
}

func newDescs(labelNames []string) descs {
	d := func(name, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append(slices.Clip(labelNames), extra...), nil)
	}
	return descs{
		budgetRemaining: d(conventions.MetricBudgetRemaining,
			"Share of the SLO's error budget left over its period: 1 untouched, 0 spent, negative overspent."),
		sli: d(conventions.MetricSLI,
			"Share of good events over the window (1 - error ratio).", conventions.LabelWindow),
		burnRate: d(conventions.MetricBurnRate,
			"Error ratio over the window divided by the error budget: at 1 the budget lasts exactly the period.", conventions.LabelWindow),
		objective: d(conventions.MetricObjective,
			"Objective of the SLO as a ratio of good events (e.g. 0.999)."),
		errorBudget: d(conventions.MetricErrorBudget,
			"Error budget of the SLO as a ratio of events (1 - objective)."),
		period: d(conventions.MetricPeriod,
			"Length of the SLO period in seconds."),
		events: d(conventions.MetricPeriodEvents,
			"Events over the part of the SLO period covered by data, by kind (good or total).", conventions.LabelKind),
		timeToExhaustion: d(conventions.MetricTimeToExhaustion,
			"Seconds until the error budget is spent at the current burn rate: 0 when spent, +Inf when not burning.",
		),
		coverage: d(conventions.MetricPeriodCoverage,
			"Share of the SLO period covered by data, 0 to 1: below 1 the budget stands for part of the period."),
		alertFiring: d(conventions.MetricAlertFiring,
			"Whether an "+conventions.AlertBurn+" alert of the tier (page or ticket) is firing (1) or not (0).", conventions.LabelTier),
		updated: d(conventions.MetricUpdated,
			"Unix time the daemon's rules last evaluated the SLO's budget; absent when they never did."),
		current: d(conventions.MetricCurrent,
			"1 when the SLO's numbers are current (its budget evaluated within three budget evaluations), 0 when they are stale or unknown."),
		excluded: d(conventions.MetricExclusionActive,
			"1 while one of the SLO's exclusions (from its spec or the admin API) is in force: its events do not count, 0 otherwise."),
		timestamp: prometheus.NewDesc(conventions.MetricSnapshotTimestamp,
			"Unix time the SLO status snapshot was computed at.", nil, nil),
	}
}

// render turns a snapshot into metrics. The metrics of one SLO share their label pairs, and all of them sit in
// one slab: a gathering of thousands of SLOs allocates little more than what the registry builds of them.
func render(s *budget.Snapshot) []prometheus.Metric {
	grouping, exposed := groupingLabels(s)
	names := append(slices.Clone(sloLabels), exposed...)
	d := newDescs(names)
	n := 1
	for _, st := range s.SLOs {
		n += 14 + 2*len(st.Windows)
	}
	slab := make([]sample, 0, n)
	ms := make([]prometheus.Metric, 0, n)
	gauge := func(desc *prometheus.Desc, v float64, lp labelPairs) {
		slab = append(slab, sample{desc: desc, labels: lp, value: v})
		ms = append(ms, &slab[len(slab)-1])
	}
	known := func(desc *prometheus.Desc, v float64, lp labelPairs) {
		if !math.IsNaN(v) {
			gauge(desc, v, lp)
		}
	}
	lvs := make([]string, 0, len(names))
	for _, st := range s.SLOs {
		lvs = append(lvs[:0], st.SLO, st.Service, st.Layer, st.Owner)
		for _, g := range grouping {
			lvs = append(lvs, st.Grouping[g])
		}
		lp := newLabelPairs(names, lvs)

		known(d.budgetRemaining, st.BudgetRemaining, lp)
		for _, w := range st.Windows {
			wp := lp.with(conventions.LabelWindow, conventions.Window(w.Duration))
			known(d.sli, w.SLI, wp)
			known(d.burnRate, w.BurnRate, wp)
		}
		known(d.objective, st.Objective, lp)
		known(d.errorBudget, st.ErrorBudget, lp)
		if st.Period > 0 {
			gauge(d.period, st.Period.Seconds(), lp)
		}
		known(d.events, st.EventsGood, lp.with(conventions.LabelKind, conventions.KindGood))
		known(d.events, st.EventsTotal, lp.with(conventions.LabelKind, conventions.KindTotal))
		known(d.timeToExhaustion, st.TimeToExhaustion, lp)
		gauge(d.coverage, st.Coverage, lp)
		gauge(d.alertFiring, boolValue(st.PageFiring), lp.with(conventions.LabelTier, conventions.TierPage))
		gauge(d.alertFiring, boolValue(st.TicketFiring), lp.with(conventions.LabelTier, conventions.TierTicket))
		if !st.Updated.IsZero() {
			gauge(d.updated, float64(st.Updated.UnixMilli())/1e3, lp)
		}
		gauge(d.current, boolValue(st.Current), lp)
		gauge(d.excluded, boolValue(excludedAt(st.Exclusions, s.Time)), lp)
	}
	if !s.Time.IsZero() {
		gauge(d.timestamp, float64(s.Time.UnixNano())/1e9, nil)
	}
	return ms
}

// groupingLabels returns the sorted union of the snapshot's grouping label
// names, and the names they are exposed under (renamed where they collide
// with the exporter's own labels).
func groupingLabels(s *budget.Snapshot) (names, exposed []string) {
	taken := map[string]bool{}
	for _, st := range s.SLOs {
		for n := range st.Grouping {
			if !taken[n] {
				taken[n] = true
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	exposed = make([]string, len(names))
	for i, n := range names {
		e := n
		for ownLabels[e] || (e != n && taken[e]) {
			e = "exported_" + e
		}
		taken[e] = true
		exposed[i] = e
	}
	return names, exposed
}

// excludedAt tells whether one of es is in force at t.
func excludedAt(es []budget.Exclusion, t time.Time) bool {
	for _, e := range es {
		if !t.Before(e.From) && t.Before(e.To) {
			return true
		}
	}
	return false
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
