package review

import (
	"fmt"
	"math"
	"slices"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The rules of the review; docs/review.md states them, keep the two in step.
const (
	// tightenBudgetShare: tighten the objective when every slice used at most this share of its budget.
	tightenBudgetShare = 0.25
	// tightenLatencyShare: tighten a latency threshold when every slice's observed quantile (p95 for a 95%
	// objective) was at most this share of the threshold.
	tightenLatencyShare = 0.5
	// thresholdHeadroom: a proposed threshold is at least the worst slice's quantile times this.
	thresholdHeadroom = 1.5
	// budgetHeadroom: a proposed error budget is at least the worst slice's error ratio times this, so that
	// the worst slice would have used half of it.
	budgetHeadroom = 2.0
	// maxTightenStep: one review divides the error budget by at most this much.
	maxTightenStep = 10.0
	// loosenBreaches: loosen or invest when at least this many slices breached.
	loosenBreaches = 2
	// judgedBudgetEvents: a slice is judged (can breach or beat the target) when it holds at least this many
	// events of error budget (events × (1 − objective)); with no judged slice the data is insufficient.
	judgedBudgetEvents = 10
	// Confidence: high with at least highSlices full judged slices, each holding at least highBudgetEvents
	// events of error budget; medium with at least mediumSlices judged slices; low with one.
	highSlices, highBudgetEvents = 3, 100
	mediumSlices                 = 2
	// fullCoverage: a full slice is whole and has data in at least this share of its hours.
	fullCoverage = 0.9
	// Capacity drift confidence, by the days whose peak exceeded the capacity.
	highDays, mediumDays = 7, 2
)

// objectiveLadder are the objectives a review proposes: error budgets of 1, 2 and 5 times a power of ten.
var objectiveLadder = []string{
	"50", "80", "90", "95", "98", "99", "99.5", "99.8", "99.9", "99.95", "99.98", "99.99",
	"99.995", "99.998", "99.999", "99.9995", "99.9998", "99.9999",
}

// sliceStat is one slice under the current target.
type sliceStat struct {
	bad, total      float64
	hours, span     int
	ratio           float64 // bad/total; NaN without events
	q               float64 // observed quantile; NaN when not latency or no observations
	peak, typical   float64
	pages           int
	judged, full    bool
	partial         bool
	budgetConsumed  float64
	breached        bool
	label           string
	startIdx, endIx int // the hours of the slice in the SLO's hourly data
}

// candidate is a proposed target, before it is evaluated.
type candidate struct {
	kind      Kind
	objective slo.Objective
	threshold float64 // seconds; 0 when unchanged
	rule      string
	evidence  []string
	summary   string
}

// analysis is the review of one SLO in the making.
type analysis struct {
	d     *sloData
	rep   *SLOReport
	stats []sliceStat
	pages []pageWindow
	cand  *candidate
	// insufficient is set when there is too little data for any finding but that one.
	insufficient *Finding
	confidence   Confidence
	confWhy      string
	capacity     *Finding
	notes        []string
}

func (r *run) analyze(d *sloData) *analysis {
	s := d.s
	a := &analysis{d: d, pages: pageWindows(s, r.opts.MinWindow)}
	a.rep = &SLOReport{
		ID: s.ID(), Service: s.Service, Name: s.Name, Owner: s.Owner, Layer: string(s.Layer),
		Source: s.Source.String(), SLIKind: string(s.SLI.Kind), Objective: s.Objective.Percent,
		Period: days(s.Period), CapacityPerSecond: s.Capacity,
		From: d.from, Until: d.until, Slicing: string(d.slicing),
	}
	if latencySLI(s) {
		a.rep.Threshold = slo.Seconds(s.SLI.Threshold)
		a.rep.Quantile = Number(s.Objective.Ratio)
	}
	if !s.Review.LastReviewed.IsZero() {
		a.rep.LastReviewed = s.Review.LastReviewed.Format("2006-01-02")
	}
	if !s.Review.Agreed.IsZero() {
		a.rep.Agreed = s.Review.Agreed.Format("2006-01-02")
	}
	starts := pageStarts(d.h, d.h.bad, s.Objective.Budget, a.pages, d.from, d.until)
	var winBad, winTotal float64
	for _, sl := range d.slices {
		st := statOf(d, sl, starts)
		winBad += st.bad
		winTotal += st.total
		a.stats = append(a.stats, st)
	}
	a.rep.Measure = measure(winBad, winTotal, s.Objective.Budget)
	a.rep.EstimatedPages = len(starts)
	for _, st := range a.stats {
		if st.judged {
			a.rep.Judged++
			if st.breached {
				a.rep.Breaches++
			}
			if st.full {
				a.rep.FullSlices++
			}
		}
	}
	if d.e.peakRate != "" {
		a.rep.Throughput = throughput(d)
	}

	if a.rep.Judged == 0 {
		with := 0
		for _, st := range a.stats {
			if st.total > 0 {
				with++
			}
		}
		a.insufficient = &Finding{
			Kind: KindInsufficientData, Confidence: ConfidenceLow,
			Summary: fmt.Sprintf("only %s events in the window, an error budget of %s events at %s%%: judging a slice needs at least %s events (%d events of budget), and no slice had them",
				count(winTotal), count(winTotal*s.Objective.Budget), s.Objective.Percent, count(judgedBudgetEvents/s.Objective.Budget), judgedBudgetEvents),
			Evidence: []string{fmt.Sprintf("%d of %d slices have events; check the SLI's selectors if traffic was expected", with, len(a.stats))},
		}
		return a
	}
	a.confidence, a.confWhy = a.confidenceRule()
	a.capacity = a.capacityDrift()
	if a.rep.Breaches >= loosenBreaches {
		a.cand = a.loosen()
	} else {
		a.cand = a.tighten()
	}
	if a.rep.Breaches == 1 {
		a.notes = append(a.notes, "1 slice breached: one bad slice is what a budget is for; watch the next one")
	}
	return a
}

// statOf measures slice sl of d; starts are the hours at which a page would have started.
func statOf(d *sloData, sl *sliceData, starts []int) sliceStat {
	s := d.s
	st := sliceStat{label: sl.Label, partial: sl.Partial, peak: sl.peak, q: math.NaN()}
	st.startIdx, st.endIx = d.h.span(sl.Start, sl.End)
	st.span = st.endIx - st.startIdx
	st.bad, st.total, st.hours = d.h.sum(d.h.bad, sl.Start, sl.End)
	st.ratio, st.budgetConsumed = math.NaN(), math.NaN()
	if st.total > 0 {
		st.ratio = st.bad / st.total
		st.budgetConsumed = st.ratio / s.Objective.Budget
		st.judged = st.total*s.Objective.Budget >= judgedBudgetEvents
		st.breached = st.judged && st.ratio > s.Objective.Budget
		st.full = st.judged && !sl.Partial && float64(st.hours) >= fullCoverage*float64(st.span)
	}
	if latencySLI(s) {
		st.q = sl.quantile(s.Objective.Ratio)
	}
	st.typical = math.NaN()
	if d.e.peakRate != "" {
		st.typical = median(rates(d.h, st.startIdx, st.endIx))
	}
	for _, i := range starts {
		if i >= st.startIdx && i < st.endIx {
			st.pages++
		}
	}
	return st
}

func latencySLI(s *slo.SLO) bool {
	return s.SLI.Kind == slo.SLILatency || s.SLI.Kind == slo.SLINativeLatency
}

// confidenceRule applies the confidence rule to the judged slices.
func (a *analysis) confidenceRule() (Confidence, string) {
	budget := a.d.s.Objective.Budget
	full := 0
	minFull, minJudged := math.Inf(1), math.Inf(1)
	for _, st := range a.judgedStats() {
		minJudged = min(minJudged, st.total*budget)
		if st.full {
			full++
			minFull = min(minFull, st.total*budget)
		}
	}
	judged := a.rep.Judged
	switch {
	case full >= highSlices && minFull >= highBudgetEvents:
		return ConfidenceHigh, fmt.Sprintf("%d full slices, each with an error budget of at least %s events", full, count(minFull))
	case judged >= mediumSlices:
		return ConfidenceMedium, fmt.Sprintf("%d slices (%d full), each with an error budget of at least %s events; high needs %d full slices of %d",
			judged, full, count(minJudged), highSlices, highBudgetEvents)
	}
	return ConfidenceLow, fmt.Sprintf("one slice, with an error budget of %s events; medium needs %d", count(minJudged), mediumSlices)
}

// judgedStats returns the judged slices.
func (a *analysis) judgedStats() []sliceStat {
	var out []sliceStat
	for _, st := range a.stats {
		if st.judged {
			out = append(out, st)
		}
	}
	return out
}

// finish evaluates the candidate (bad are the hourly bad events under it, nil when only the objective
// changes) and sets the findings.
func (a *analysis) finish(bad []float64) {
	rep := a.rep
	if a.insufficient != nil {
		rep.Findings = []Finding{*a.insufficient}
	} else {
		if a.capacity != nil {
			rep.Findings = append(rep.Findings, *a.capacity)
		}
		if c := a.cand; c != nil {
			f := Finding{Kind: c.kind, Confidence: a.confidence, Summary: c.summary, Evidence: c.evidence}
			if c.changes(a.d.s) {
				f.Proposal = a.evaluate(c, bad)
			}
			f.Evidence = append(f.Evidence, "confidence "+string(a.confidence)+": "+a.confWhy)
			rep.Findings = append(rep.Findings, f)
		}
		if a.cand == nil {
			rep.Findings = append(rep.Findings, a.keep())
		}
	}
	if len(a.notes) > 0 && len(rep.Findings) > 0 {
		last := &rep.Findings[len(rep.Findings)-1]
		last.Evidence = append(last.Evidence, a.notes...)
	}
	slices.SortStableFunc(rep.Findings, func(x, y Finding) int { return x.Kind.urgency() - y.Kind.urgency() })
	rep.Decision, rep.Confidence = rep.Findings[0].Kind, rep.Findings[0].Confidence
	for i, st := range a.stats {
		rep.Slices = append(rep.Slices, SliceReport{
			Label: st.label, Start: a.d.slices[i].Start, End: a.d.slices[i].End, Partial: st.partial,
			Coverage: Number(ratioOf(float64(st.hours), float64(st.span))),
			Measure:  measure(st.bad, st.total, a.d.s.Objective.Budget), Judged: st.judged, Breached: st.breached,
			QuantileSeconds: Number(st.q), PeakPerSecond: Number(st.peak), TypicalPerSecond: Number(st.typical),
			EstimatedPages: st.pages,
		})
	}
}

// keep is the finding when the target fits.
func (a *analysis) keep() Finding {
	worst := 0.0
	for _, st := range a.judgedStats() {
		worst = max(worst, st.budgetConsumed)
	}
	return Finding{Kind: KindKeep, Confidence: a.confidence,
		Summary: fmt.Sprintf("the target fits: the worst slice used %s of its error budget, %d of %d slices breached",
			pct(worst), a.rep.Breaches, a.rep.Judged),
		Evidence: []string{
			"SLI per slice: " + sliList(a.judgedStats()),
			"confidence " + string(a.confidence) + ": " + a.confWhy,
		},
	}
}

// evaluate replays the slices under the candidate.
func (a *analysis) evaluate(c *candidate, bad []float64) *Proposal {
	d := a.d
	if bad == nil {
		bad = d.h.bad
	}
	p := &Proposal{Objective: c.objective.Percent, Rule: c.rule}
	if c.threshold != 0 {
		p.Threshold = slo.Seconds(c.threshold)
	}
	lo, hi := math.Inf(1), 0.0
	for _, sl := range d.slices {
		b, t, _ := d.h.sum(bad, sl.Start, sl.End)
		used := math.NaN()
		if t > 0 {
			used = b / t / c.objective.Budget
			lo, hi = min(lo, used), max(hi, used)
			if b/t > c.objective.Budget {
				p.Breaches++
			}
		}
		p.BudgetConsumed = append(p.BudgetConsumed, Number(used))
	}
	p.EstimatedPages = len(pageStarts(d.h, bad, c.objective.Budget, a.pages, d.from, d.until))
	target := c.objective.Percent + "%"
	if c.threshold != 0 {
		target = slo.Seconds(c.threshold)
	}
	if hi > 0 || !math.IsInf(lo, 1) {
		c.evidence = append(c.evidence, fmt.Sprintf("at %s the slices would have used %s to %s of their budget, %d breached, and it would have paged about %d times (estimate; %d at the current target)",
			target, pct(lo), pct(hi), p.Breaches, p.EstimatedPages, a.rep.EstimatedPages))
	}
	return p
}

// capacityDrift is the capacity finding, nil when the SLO declares no capacity or stayed within it.
func (a *analysis) capacityDrift() *Finding {
	s, tp := a.d.s, a.rep.Throughput
	if s.Capacity <= 0 || tp == nil || tp.DaysAboveCapacity == 0 {
		return nil
	}
	conf := ConfidenceLow
	switch {
	case tp.DaysAboveCapacity >= highDays:
		conf = ConfidenceHigh
	case tp.DaysAboveCapacity >= mediumDays:
		conf = ConfidenceMedium
	}
	ev := []string{
		fmt.Sprintf("peak %s/s on %s; typical (median hourly) %s/s", rate(float64(tp.PeakPerSecond)), tp.PeakAt.Format("2006-01-02"), rate(float64(tp.TypicalPerSecond))),
	}
	if tp.HoursAboveCapacity > 0 {
		ev = append(ev, fmt.Sprintf("in the %d hours whose average exceeded the capacity the SLI was %s, %s in the others (objective %s%%)",
			tp.HoursAboveCapacity, pct4(float64(tp.SLIAboveCapacity)), pct4(float64(tp.SLIWithinCapacity)), s.Objective.Percent))
	}
	ev = append(ev, "re-establish the capacity with a load test at today's peak and restate the target at it, or scale out",
		fmt.Sprintf("confidence %s: %d days above capacity (high from %d, medium from %d)", conf, tp.DaysAboveCapacity, highDays, mediumDays))
	return &Finding{Kind: KindCapacityDrift, Confidence: conf,
		Summary: fmt.Sprintf("peak traffic of %s/s exceeded the declared capacity of %s/s on %d of %d days: the SLO was set for a smaller system",
			rate(float64(tp.PeakPerSecond)), rate(s.Capacity), tp.DaysAboveCapacity, tp.Days),
		Evidence: ev,
	}
}

// throughput sums up the traffic of the window against the capacity.
func throughput(d *sloData) *Throughput {
	tp := &Throughput{PeakPerSecond: Number(math.NaN()), Days: len(d.dayPeaks)}
	for _, p := range d.dayPeaks {
		if !(p.rate <= float64(tp.PeakPerSecond)) {
			tp.PeakPerSecond, tp.PeakAt = Number(p.rate), p.day
		}
		if d.s.Capacity > 0 && p.rate > d.s.Capacity {
			tp.DaysAboveCapacity++
		}
	}
	i, j := d.h.span(d.from, d.until)
	tp.TypicalPerSecond = Number(median(rates(d.h, i, j)))
	var aboveBad, aboveTotal, inBad, inTotal float64
	for k := i; k < j; k++ {
		t := d.h.total[k]
		if math.IsNaN(t) {
			continue
		}
		if d.s.Capacity > 0 && t/grid.Seconds() > d.s.Capacity {
			tp.HoursAboveCapacity++
			aboveBad += d.h.bad[k]
			aboveTotal += t
		} else {
			inBad += d.h.bad[k]
			inTotal += t
		}
	}
	tp.SLIAboveCapacity = Number(1 - ratioOf(aboveBad, aboveTotal))
	tp.SLIWithinCapacity = Number(1 - ratioOf(inBad, inTotal))
	return tp
}

// rates are the hourly rates per second of hours [i, j) with data.
func rates(h *hourly, i, j int) []float64 {
	var out []float64
	for k := i; k < j; k++ {
		if !math.IsNaN(h.total[k]) {
			out = append(out, h.total[k]/grid.Seconds())
		}
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// measure is the Measure of bad of total events against budget; null without events.
func measure(bad, total, budget float64) Measure {
	if total <= 0 {
		return Measure{Number(math.NaN()), Number(math.NaN()), Number(math.NaN()), Number(math.NaN())}
	}
	return Measure{Number(total), Number(bad), Number(1 - bad/total), Number(bad / total / budget)}
}

func ratioOf(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}
