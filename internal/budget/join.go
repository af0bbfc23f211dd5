package budget

// The join: every bulk query's samples, matched to their SLO of the catalog and to its group by the SLO's grouping
// labels, then turned into Statuses.

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// sloState gathers the series of one SLO.
type sloState struct {
	slo         *catalog.SLO
	updated     float64 // unix seconds of the last budget evaluation
	reviewSince float64 // unix seconds
	// groups by grouping labels' String().
	groups map[string]*group
}

// group gathers the data of one Status.
type group struct {
	grouping                         labels.Labels
	budgetRemaining, ratioPeriod     float64
	errorRatePeriod, totalRatePeriod float64
	coverage                         float64
	windows                          map[time.Duration]float64
	page, ticket                     bool
}

type joiner struct {
	// slos holds every SLO of the catalog, by id.
	slos map[string]*sloState
	// windowOf is the window of each recorded error ratio name.
	windowOf map[string]time.Duration
	// at is the snapshot's time; a budget older than maxAge then is not current.
	at     time.Time
	maxAge time.Duration
}

func newJoiner(c *catalog.Catalog, maxAge time.Duration, at time.Time) *joiner {
	j := &joiner{slos: make(map[string]*sloState, len(c.SLOs())), windowOf: map[string]time.Duration{}, at: at, maxAge: maxAge}
	for _, s := range c.SLOs() {
		j.slos[s.ID()] = &sloState{slo: s, updated: math.NaN(), reviewSince: math.NaN(), groups: map[string]*group{}}
	}
	for _, w := range c.Windows() {
		j.windowOf[conventions.ErrorRatio(w)] = w
	}
	return j
}

// state returns the state of the SLO m belongs to, nil when the catalog does not hold it.
func (j *joiner) state(m labels.Labels) *sloState {
	return j.slos[m.Get(conventions.LabelService)+"/"+m.Get(conventions.LabelSLO)]
}

func (j *joiner) add(k kind, v promql.Vector) {
	for _, smp := range v {
		s := j.state(smp.Metric)
		if s == nil || smp.H != nil { // recorded SLO series are floats
			continue
		}
		switch k {
		case kindUpdated:
			s.updated = firstKnown(s.updated, smp.F)
			continue
		case kindReviewSince:
			s.reviewSince = firstKnown(s.reviewSince, smp.F)
			continue
		case kindAlert:
			s.addAlert(smp.Metric)
			continue
		}
		g := s.group(smp.Metric)
		switch k {
		case kindBudgetRemaining:
			g.budgetRemaining = firstKnown(g.budgetRemaining, smp.F)
		case kindRatioPeriod:
			g.ratioPeriod = firstKnown(g.ratioPeriod, smp.F)
		case kindErrorRatePeriod:
			g.errorRatePeriod = firstKnown(g.errorRatePeriod, smp.F)
		case kindTotalRatePeriod:
			g.totalRatePeriod = firstKnown(g.totalRatePeriod, smp.F)
		case kindCoverage:
			g.coverage = firstKnown(g.coverage, smp.F)
		case kindWindow:
			w, ok := j.windowOf[smp.Metric.Get(labels.MetricName)]
			if _, seen := g.windows[w]; ok && !seen {
				g.windows[w] = smp.F
			}
		}
	}
}

func firstKnown(cur, v float64) float64 {
	if math.IsNaN(cur) {
		return v
	}
	return cur
}

// groupingOf is the grouping labels of s that m carries, sorted.
func (s *sloState) groupingOf(m labels.Labels) labels.Labels {
	b := labels.NewScratchBuilder(len(s.slo.Grouping))
	for _, n := range s.slo.Grouping { // sorted
		if val := m.Get(n); val != "" {
			b.Add(n, val)
		}
	}
	return b.Labels()
}

// group returns the group of s that m belongs to, made when new.
func (s *sloState) group(m labels.Labels) *group {
	gl := s.groupingOf(m)
	k := gl.String()
	if g, ok := s.groups[k]; ok {
		return g
	}
	nan := math.NaN()
	g := &group{
		grouping: gl, budgetRemaining: nan, ratioPeriod: nan,
		errorRatePeriod: nan, totalRatePeriod: nan, coverage: nan,
		windows: map[time.Duration]float64{},
	}
	s.groups[k] = g
	return g
}

// addAlert marks the group whose burn alert m is as firing. An alert carries its SLO's grouping labels (and
// others: severity, tier, windows, routing labels); only the grouping labels pick the group, and an alert of a
// group that no longer has data is left out.
func (s *sloState) addAlert(m labels.Labels) {
	g, ok := s.groups[s.groupingOf(m).String()]
	if !ok {
		return
	}
	switch m.Get(conventions.LabelTier) {
	case conventions.TierPage:
		g.page = true
	case conventions.TierTicket:
		g.ticket = true
	}
}

// statuses turns the joined state into sorted Statuses: one per group of each SLO, one for an SLO without data.
func (j *joiner) statuses() []Status {
	type sortable struct {
		st       Status
		grouping labels.Labels
	}
	var out []sortable
	for _, s := range j.slos {
		if len(s.groups) == 0 {
			s.group(labels.EmptyLabels()) // nothing recorded yet: one Status, every number unknown
		}
		for _, g := range s.groups {
			out = append(out, sortable{st: j.status(s, g), grouping: g.grouping})
		}
	}
	slices.SortFunc(out, func(a, b sortable) int {
		return cmp.Or(
			strings.Compare(a.st.Service, b.st.Service),
			strings.Compare(a.st.SLO, b.st.SLO),
			labels.Compare(a.grouping, b.grouping),
		)
	})
	sts := make([]Status, len(out))
	for i := range out {
		sts[i] = out[i].st
	}
	return sts
}

// status is the Status of group g of s.
func (j *joiner) status(s *sloState, g *group) Status {
	c := s.slo
	st := Status{
		SLO: c.Name, Service: c.Service, Layer: string(c.Layer), Owner: c.Owner,
		Objective: c.Objective, ErrorBudget: c.ErrorBudget, Period: c.Period,
		BudgetRemaining:  g.budgetRemaining,
		ErrorRatioPeriod: g.ratioPeriod,
		EventsTotal:      math.NaN(),
		EventsGood:       math.NaN(),
		Coverage:         g.coverage,
		PageFiring:       g.page,
		TicketFiring:     g.ticket,
	}
	if !g.grouping.IsEmpty() {
		st.Grouping = g.grouping.Map()
	}
	if !math.IsNaN(s.reviewSince) {
		st.ReviewSince = time.UnixMilli(int64(math.Round(s.reviewSince * 1000))).UTC()
	}
	if !math.IsNaN(s.updated) {
		st.Updated = time.UnixMilli(int64(math.Round(s.updated * 1000))).UTC()
		st.Current = j.at.Sub(st.Updated) <= j.maxAge
	}
	if math.IsNaN(st.Coverage) {
		st.Coverage = 0
	}
	// Coverage tells how much of the period the mean rates stand for; without it the event counts are unknown,
	// not zero.
	if !math.IsNaN(g.coverage) && c.Period > 0 {
		covered := c.Period.Seconds() * g.coverage
		st.EventsTotal = g.totalRatePeriod * covered
		st.EventsGood = math.Max(0, (g.totalRatePeriod-g.errorRatePeriod)*covered)
	}
	st.Windows = make([]Window, 0, len(g.windows))
	for w, ratio := range g.windows {
		burn := math.NaN()
		if c.ErrorBudget > 0 {
			burn = ratio / c.ErrorBudget
		}
		st.Windows = append(st.Windows, Window{Duration: w, ErrorRatio: ratio, SLI: 1 - ratio, BurnRate: burn})
	}
	slices.SortFunc(st.Windows, func(a, b Window) int { return cmp.Compare(a.Duration, b.Duration) })
	st.TimeToExhaustion = TimeToExhaustion(st.BudgetRemaining, st.Period, st.Windows)
	return st
}
