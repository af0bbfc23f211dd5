package exporter

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

var (
	descReviewLast = prometheus.NewDesc(conventions.MetricReviewLast,
		"When the SLO was last reviewed (review.lastReviewed of its spec), in seconds since the epoch; absent for an SLO never reviewed.", sloLabels, nil)
	descReviewOverdue = prometheus.NewDesc(conventions.MetricReviewOverdue,
		"1 once the SLO's review cadence has passed since its last review, else since it was agreed, else since its rules first evaluated it; absent while that is not known.", sloLabels, nil)
	descReviewCadence = prometheus.NewDesc(conventions.MetricReviewCadence,
		"How often the SLO must be reviewed (review.cadence of its spec, 90 days by default).", sloLabels, nil)
)

// ReviewCollector exports the review freshness of the loaded SLOs, computed at scrape time from their specs and,
// for an SLO whose spec has no review date, the review clock its rules recorded (the first evaluation). One series
// per SLO, whatever its grouping.
type ReviewCollector struct {
	now    func() time.Time
	slos   atomic.Pointer[catalog.Catalog]
	clocks atomic.Pointer[map[string]time.Time] // by SLO id: the recorded review clocks
}

// NewReviewCollector returns a collector with nothing to collect until the first Set; now is the clock (nil:
// time.Now).
func NewReviewCollector(now func() time.Time) *ReviewCollector {
	if now == nil {
		now = time.Now
	}
	return &ReviewCollector{now: now}
}

// Set replaces the SLOs whose reviews are exported: those of cat.
func (c *ReviewCollector) Set(cat *catalog.Catalog) { c.slos.Store(cat) }

// SetClocks replaces the review clocks recorded by the rules of the SLOs without a review date (by SLO id).
func (c *ReviewCollector) SetClocks(clocks map[string]time.Time) { c.clocks.Store(&clocks) }

// ReviewOverdue reports whether s is due for its review at now: its cadence has passed since its review clock
// started (review.lastReviewed, else review.agreed, else firstSeen, the first evaluation of its rules). known is
// false for an SLO without a review date whose first evaluation is not known yet. The generated SLOReviewOverdue
// alert fires on the same condition.
func ReviewOverdue(s *slo.SLO, now, firstSeen time.Time) (overdue, known bool) {
	since := s.Review.Since()
	if since.IsZero() {
		since = firstSeen
	}
	if since.IsZero() {
		return false, false
	}
	return now.Sub(since) > s.Review.Cadence, true
}

// Describe sends nothing: the collector is unchecked, as Collector.
func (c *ReviewCollector) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (c *ReviewCollector) Collect(ch chan<- prometheus.Metric) {
	cat := c.slos.Load()
	if cat == nil {
		return
	}
	now := c.now()
	for _, e := range cat.SLOs() {
		s := e.Spec
		lp := newLabelPairs(sloLabels, []string{s.Name, s.Service, string(s.Layer), s.Owner})
		if !s.Review.LastReviewed.IsZero() {
			ch <- &sample{desc: descReviewLast, labels: lp, value: float64(s.Review.LastReviewed.Unix())}
		}
		var firstSeen time.Time
		if clocks := c.clocks.Load(); clocks != nil {
			firstSeen = (*clocks)[s.ID()]
		}
		if overdue, known := ReviewOverdue(s, now, firstSeen); known {
			ch <- &sample{desc: descReviewOverdue, labels: lp, value: boolValue(overdue)}
		}
		ch <- &sample{desc: descReviewCadence, labels: lp, value: s.Review.Cadence.Seconds()}
	}
}
