package budget

// The join: every bulk query's samples, matched to their SLO and group by labels, then turned into Statuses.

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

type sloKey struct{ service, slo string }

// sloState gathers the series of one SLO.
type sloState struct {
	key          sloKey
	layer, owner string
	hasMeta      bool
	// base holds the label names of metadata series: the SLO's own labels.
	base map[string]struct{}

	objective, errorBudget, periodSeconds float64
	updated                               float64 // unix seconds of the last budget evaluation
	reviewSince                           float64 // unix seconds
	infoObjective, infoPeriod             string

	data []dataSample
	// groups by grouping.String(); groupNames is the sorted union of their
	// grouping label names.
	groups     map[string]*group
	groupNames []string
}

type dataSample struct {
	kind   kind
	window time.Duration
	metric labels.Labels
	value  float64
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
	known func(service, slo string) bool
	// slos holds nil for the SLOs known rejected.
	slos map[sloKey]*sloState
	// windowOf caches the window parsed from a series name.
	windowOf map[string]time.Duration
	// at is the snapshot's time; a budget older than maxAge then is not current.
	at     time.Time
	maxAge time.Duration
}

// expect makes sure a loaded SLO has a state, so that it gets a Status even without any recorded series.
func (j *joiner) expect(l Loaded) {
	k := sloKey{service: l.Service, slo: l.SLO}
	if _, ok := j.slos[k]; ok {
		return
	}
	j.slos[k] = &sloState{
		key: k, base: map[string]struct{}{}, groups: map[string]*group{}, layer: l.Layer, owner: l.Owner,
		objective: math.NaN(), errorBudget: math.NaN(), periodSeconds: math.NaN(), updated: math.NaN(), reviewSince: math.NaN(),
	}
}

// state returns the state of the SLO m belongs to, nil when it is unknown.
func (j *joiner) state(m labels.Labels) *sloState {
	k := sloKey{service: m.Get(conventions.LabelService), slo: m.Get(conventions.LabelSLO)}
	if s, ok := j.slos[k]; ok {
		return s
	}
	if j.known != nil && !j.known(k.service, k.slo) {
		j.slos[k] = nil // asked once per SLO, not once per series
		return nil
	}
	s := &sloState{
		key: k, base: map[string]struct{}{}, groups: map[string]*group{},
		objective: math.NaN(), errorBudget: math.NaN(), periodSeconds: math.NaN(), updated: math.NaN(), reviewSince: math.NaN(),
	}
	j.slos[k] = s
	return s
}

func (j *joiner) add(k kind, v promql.Vector) {
	for _, smp := range v {
		if smp.H != nil {
			continue // recorded SLO series are floats
		}
		s := j.state(smp.Metric)
		if s == nil {
			continue
		}
		if k == kindReviewSince { // min by (service, slo): no other labels to learn from
			s.reviewSince = firstKnown(s.reviewSince, smp.F)
			continue
		}
		if !k.isMeta() {
			d := dataSample{kind: k, metric: smp.Metric, value: smp.F}
			if k == kindWindow {
				w, ok := j.window(smp.Metric.Get(labels.MetricName))
				if !ok {
					continue // not one of ours: ratio_rate<something that is not a duration>
				}
				d.window = w
			}
			s.data = append(s.data, d)
			continue
		}
		if !s.hasMeta {
			s.hasMeta = true
			s.layer = smp.Metric.Get(conventions.LabelLayer)
			s.owner = smp.Metric.Get(conventions.LabelOwner)
		}
		smp.Metric.Range(func(l labels.Label) {
			if k == kindInfo && infoOnly[l.Name] {
				return
			}
			s.base[l.Name] = struct{}{}
		})
		switch k {
		case kindObjective:
			s.objective = firstKnown(s.objective, smp.F)
		case kindErrorBudget:
			s.errorBudget = firstKnown(s.errorBudget, smp.F)
		case kindPeriod:
			s.periodSeconds = firstKnown(s.periodSeconds, smp.F)
		case kindUpdated:
			s.updated = firstKnown(s.updated, smp.F)
		case kindInfo:
			if s.infoObjective == "" {
				s.infoObjective = smp.Metric.Get(conventions.LabelObjective)
				s.infoPeriod = smp.Metric.Get(conventions.LabelPeriod)
			}
		}
	}
}

// infoOnly are the labels slo_info carries and no other series does.
var infoOnly = map[string]bool{
	conventions.LabelObjective: true, conventions.LabelPeriod: true, conventions.LabelDescription: true,
	conventions.LabelRationale: true, conventions.LabelSLIKind: true,
}

func firstKnown(cur, v float64) float64 {
	if math.IsNaN(cur) {
		return v
	}
	return cur
}

func (j *joiner) window(name string) (time.Duration, bool) {
	if w, ok := j.windowOf[name]; ok {
		return w, w > 0
	}
	if j.windowOf == nil {
		j.windowOf = map[string]time.Duration{}
	}
	d, err := model.ParseDuration(strings.TrimPrefix(name, windowRatioPrefix))
	w := time.Duration(d)
	if err != nil || w <= 0 {
		w = 0
	}
	j.windowOf[name] = w
	return w, w > 0
}

// coreLabels are on every series of an SLO and never grouping labels.
var coreLabels = map[string]bool{
	labels.MetricName: true, conventions.LabelSLO: true, conventions.LabelService: true,
	conventions.LabelLayer: true, conventions.LabelOwner: true, conventions.LabelRevision: true,
}

// resolveGroups sorts the data samples of every SLO into groups.
func (j *joiner) resolveGroups() {
	for _, s := range j.slos {
		if s == nil {
			continue
		}
		isGrouping := s.groupingTest()
		names := map[string]struct{}{}
		for _, d := range s.data {
			if !s.hasMeta && s.layer == "" && s.owner == "" {
				s.layer = d.metric.Get(conventions.LabelLayer)
				s.owner = d.metric.Get(conventions.LabelOwner)
			}
			b := labels.NewScratchBuilder(1)
			d.metric.Range(func(l labels.Label) {
				if isGrouping(l.Name) {
					b.Add(l.Name, l.Value)
					names[l.Name] = struct{}{}
				}
			})
			gl := b.Labels() // Range yields sorted labels
			g := s.group(gl)
			switch d.kind {
			case kindBudgetRemaining:
				g.budgetRemaining = firstKnown(g.budgetRemaining, d.value)
			case kindRatioPeriod:
				g.ratioPeriod = firstKnown(g.ratioPeriod, d.value)
			case kindErrorRatePeriod:
				g.errorRatePeriod = firstKnown(g.errorRatePeriod, d.value)
			case kindTotalRatePeriod:
				g.totalRatePeriod = firstKnown(g.totalRatePeriod, d.value)
			case kindCoverage:
				g.coverage = firstKnown(g.coverage, d.value)

			case kindWindow:
				if _, ok := g.windows[d.window]; !ok {
					g.windows[d.window] = d.value
				}
			}
		}
		s.data = nil
		if len(s.groups) == 0 {
			s.group(labels.EmptyLabels()) // metadata only: one Status, nothing known yet
		}
		for n := range names {
			s.groupNames = append(s.groupNames, n)
		}
		slices.Sort(s.groupNames)
	}
}

// groupingTest returns whether a label name of a data series of s is a
// grouping label.
func (s *sloState) groupingTest() func(string) bool {
	if s.hasMeta {
		return func(n string) bool {
			_, own := s.base[n]
			return !own && !coreLabels[n]
		}
	}
	// No metadata yet: a label whose value is the same on every series is a
	// static one.
	values := map[string]map[string]struct{}{}
	counts := map[string]int{}
	for _, d := range s.data {
		d.metric.Range(func(l labels.Label) {
			if coreLabels[l.Name] {
				return
			}
			if values[l.Name] == nil {
				values[l.Name] = map[string]struct{}{}
			}
			values[l.Name][l.Value] = struct{}{}
			counts[l.Name]++
		})
	}
	return func(n string) bool {
		return !coreLabels[n] && (len(values[n]) > 1 || counts[n] < len(s.data))
	}
}

func (s *sloState) group(gl labels.Labels) *group {
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

// addAlerts marks the groups whose burn alerts fire. An alert carries its
// SLO's grouping labels (and others: severity, tier, windows, routing
// labels); only the grouping labels pick the group.
func (j *joiner) addAlerts(v promql.Vector) {
	for _, smp := range v {
		s := j.slos[sloKey{service: smp.Metric.Get(conventions.LabelService), slo: smp.Metric.Get(conventions.LabelSLO)}]
		if s == nil {
			continue
		}
		b := labels.NewScratchBuilder(len(s.groupNames))
		for _, n := range s.groupNames {
			if val := smp.Metric.Get(n); val != "" {
				b.Add(n, val)
			}
		}
		g, ok := s.groups[b.Labels().String()]
		if !ok {
			continue // a group that no longer has data
		}
		switch smp.Metric.Get(conventions.LabelTier) {
		case conventions.TierPage:
			g.page = true
		case conventions.TierTicket:
			g.ticket = true
		}
	}
}

// statuses turns the joined state into sorted Statuses.
func (j *joiner) statuses() []Status {
	type sortable struct {
		st       Status
		grouping labels.Labels
	}
	var out []sortable
	for _, s := range j.slos {
		if s == nil {
			continue
		}
		objective, errorBudget, period := s.metadata()
		for _, g := range s.groups {
			st := Status{
				SLO: s.key.slo, Service: s.key.service, Layer: s.layer, Owner: s.owner,
				Objective: objective, ErrorBudget: errorBudget, Period: period,
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
			// Coverage tells how much of the period the mean rates stand
			// for; without it the event counts are unknown, not zero.
			if !math.IsNaN(g.coverage) && period > 0 {
				covered := period.Seconds() * g.coverage
				st.EventsTotal = g.totalRatePeriod * covered
				st.EventsGood = math.Max(0, (g.totalRatePeriod-g.errorRatePeriod)*covered)
			}
			st.Windows = make([]Window, 0, len(g.windows))
			for w, ratio := range g.windows {
				burn := math.NaN()
				if errorBudget > 0 {
					burn = ratio / errorBudget
				}
				st.Windows = append(st.Windows, Window{Duration: w, ErrorRatio: ratio, SLI: 1 - ratio, BurnRate: burn})
			}
			slices.SortFunc(st.Windows, func(a, b Window) int { return cmp.Compare(a.Duration, b.Duration) })
			st.TimeToExhaustion = TimeToExhaustion(st.BudgetRemaining, st.Period, st.Windows)
			out = append(out, sortable{st: st, grouping: g.grouping})
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

// metadata returns the objective, error budget and period of s, from the
// metadata series, each other, or slo_info's labels, in that order.
func (s *sloState) metadata() (objective, errorBudget float64, period time.Duration) {
	objective, errorBudget = s.objective, s.errorBudget
	if math.IsNaN(objective) && s.infoObjective != "" {
		if pct, err := strconv.ParseFloat(s.infoObjective, 64); err == nil {
			objective = pct / 100
		}
	}
	switch {
	case math.IsNaN(objective) && !math.IsNaN(errorBudget):
		objective = 1 - errorBudget
	case math.IsNaN(errorBudget) && !math.IsNaN(objective):
		errorBudget = 1 - objective
	}
	switch {
	case s.periodSeconds > 0:
		period = time.Duration(math.Round(s.periodSeconds * float64(time.Second)))
	case s.infoPeriod != "":
		if d, err := model.ParseDuration(s.infoPeriod); err == nil {
			period = time.Duration(d)
		}
	}
	return objective, errorBudget, period
}
