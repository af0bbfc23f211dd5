package review

// The candidates of a review: a stricter or a looser target than the current one, as the rules allow.

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// tighten proposes a stricter target when every slice beat the current one by a wide margin: a lower
// threshold for a latency SLO whose quantile stayed at most half the threshold, otherwise a higher objective
// when no slice used more than a quarter of its budget.
func (a *analysis) tighten() *candidate {
	s := a.d.s
	js := a.judgedStats()
	if latencySLI(s) {
		worst, ok := worstQuantile(js, false)
		if ok && worst <= tightenLatencyShare*s.SLI.Threshold {
			want := worst * thresholdHeadroom
			bounds := boundaries(a.d.slices)
			th, found := thresholdAtLeast(want, bounds, s.SLI.Kind == slo.SLINativeLatency)
			if found && th < s.SLI.Threshold-1e-12 {
				return &candidate{kind: KindTighten, objective: s.Objective, threshold: th,
					summary: fmt.Sprintf("p%s stayed at most %s in every slice, %s of the %s threshold: tighten the threshold to %s",
						quantileName(s), seconds(worst), pct(worst/s.SLI.Threshold), slo.Seconds(s.SLI.Threshold), slo.Seconds(th)),
					rule:     fmt.Sprintf("%s = the smallest %s ≥ the worst slice's p%s × %g (%s)", slo.Seconds(th), candidateKind(s), quantileName(s), thresholdHeadroom, seconds(want)),
					evidence: []string{"observed p" + quantileName(s) + " per slice: " + quantiles(js)},
				}
			}
			a.notes = append(a.notes, fmt.Sprintf("p%s stayed at most %s, but no %s lies between %s and the threshold: add histogram buckets to be able to tighten",
				quantileName(s), seconds(worst), candidateKind(s), seconds(want)))
		}
	}
	worst := 0.0
	for _, st := range js {
		worst = max(worst, st.ratio)
	}
	if worst/s.Objective.Budget > tightenBudgetShare {
		return nil
	}
	need := max(worst*budgetHeadroom, s.Objective.Budget/maxTightenStep)
	// The new budget must still hold a few events per slice, or it measures noise.
	minEvents := math.Inf(1)
	for _, st := range js {
		minEvents = min(minEvents, st.total)
	}
	need = max(need, judgedBudgetEvents/minEvents)
	o, ok := strictestObjective(need)
	if !ok || o.Budget >= s.Objective.Budget-1e-15 {
		why := fmt.Sprintf("no stricter objective of the 1-2-5 ladder leaves %g× headroom over the worst slice", budgetHeadroom)
		if need > max(worst*budgetHeadroom, s.Objective.Budget/maxTightenStep) {
			why = fmt.Sprintf("a stricter objective would hold fewer than %d events of budget per slice", judgedBudgetEvents)
		}
		a.notes = append(a.notes, fmt.Sprintf("every slice used at most %s of its budget, but %s", pct(worst/s.Objective.Budget), why))
		return nil
	}
	return &candidate{kind: KindTighten, objective: o,
		summary: fmt.Sprintf("every slice used at most %s of its error budget: tighten the objective from %s%% to %s%%",
			pct(worst/s.Objective.Budget), s.Objective.Percent, o.Percent),
		rule: fmt.Sprintf("%s%% = the strictest objective of the 1-2-5 ladder whose budget is ≥ the worst slice's error ratio × %g (%s), at most %g× stricter in one review",
			o.Percent, budgetHeadroom, pct(worst*budgetHeadroom), maxTightenStep),
		evidence: []string{"SLI per slice: " + sliList(js)},
	}
}

// loosen proposes the target that every slice but the worst would have met: a higher threshold for a
// latency SLO when a bucket allows it, otherwise a lower objective.
func (a *analysis) loosen() *candidate {
	s := a.d.s
	js := a.judgedStats()
	var breached []string
	worstConsumed := 0.0
	for _, st := range js {
		if st.breached {
			breached = append(breached, fmt.Sprintf("%s (SLI %s, %s of the budget)", st.label, pct4(1-st.ratio), pct(st.budgetConsumed)))
			worstConsumed = max(worstConsumed, st.budgetConsumed)
		}
	}
	if len(breached) > listLimit {
		breached = append(breached[:listLimit], fmt.Sprintf("and %d more", len(breached)-listLimit))
	}
	c := &candidate{kind: KindLoosenOrInvest, objective: s.Objective,
		evidence: []string{
			"breached: " + strings.Join(breached, ", "),
			fmt.Sprintf("invest: meeting %s%% in the worst slice needed %s fewer bad events", s.Objective.Percent, pct(1-1/worstConsumed)),
		},
	}
	if latencySLI(s) {
		if q2, ok := worstQuantile(js, true); ok {
			bounds := boundaries(a.d.slices)
			th, found := thresholdAtLeast(q2, bounds, s.SLI.Kind == slo.SLINativeLatency)
			top := len(bounds) > 0 && q2 >= bounds[len(bounds)-1] && s.SLI.Kind == slo.SLILatency
			if found && !top && th > s.SLI.Threshold+1e-12 {
				c.threshold = th
				c.summary = fmt.Sprintf("%d of %d slices breached (up to %s of the budget): loosen the threshold to %s, or invest to meet %s",
					a.rep.Breaches, a.rep.Judged, pct(worstConsumed), slo.Seconds(th), slo.Seconds(s.SLI.Threshold))
				c.rule = fmt.Sprintf("%s = the smallest %s ≥ the second-worst slice's p%s (%s): every slice but the worst would have met it",
					slo.Seconds(th), candidateKind(s), quantileName(s), seconds(q2))
				c.evidence = append(c.evidence, "observed p"+quantileName(s)+" per slice: "+quantiles(js))
				return c
			}
		}
	}
	ratios := make([]float64, 0, len(js))
	for _, st := range js {
		ratios = append(ratios, st.ratio)
	}
	slices.Sort(ratios)
	second := ratios[len(ratios)-2]
	o, ok := strictestObjective(second)
	c.evidence = append(c.evidence, "SLI per slice: "+sliList(js))
	if !ok || o.Budget <= s.Objective.Budget+1e-15 {
		c.summary = fmt.Sprintf("%d of %d slices breached (up to %s of the budget): invest to meet %s%%",
			a.rep.Breaches, a.rep.Judged, pct(worstConsumed), s.Objective.Percent)
		return c
	}
	c.objective = o
	c.summary = fmt.Sprintf("%d of %d slices breached (up to %s of the budget): loosen the objective to %s%%, or invest to meet %s%%",
		a.rep.Breaches, a.rep.Judged, pct(worstConsumed), o.Percent, s.Objective.Percent)
	c.rule = fmt.Sprintf("%s%% = the strictest objective of the 1-2-5 ladder that the second-worst slice met (SLI %s): every slice but the worst would have met it",
		o.Percent, pct4(1-second))
	return c
}

// changes reports whether the candidate has a concrete new target.
func (c *candidate) changes(s *slo.SLO) bool {
	return c != nil && (c.threshold != 0 || c.objective.Percent != s.Objective.Percent)
}

// strictestObjective is the strictest objective of the ladder whose budget is at least need.
func strictestObjective(need float64) (slo.Objective, bool) {
	var out slo.Objective
	found := false
	for _, p := range objectiveLadder {
		o := slo.MustObjective(p)
		if o.Budget >= need-1e-15 {
			out, found = o, true
		}
	}
	return out, found
}

// worstQuantile is the highest observed quantile of the judged slices, or the second highest (the worst
// slice left out) when secondWorst is set. ok is false when a slice has no quantile.
func worstQuantile(js []sliceStat, secondWorst bool) (float64, bool) {
	qs := make([]float64, 0, len(js))
	for _, st := range js {
		if math.IsNaN(st.q) {
			return 0, false
		}
		qs = append(qs, st.q)
	}
	if len(qs) == 0 || (secondWorst && len(qs) < 2) {
		return 0, false
	}
	slices.Sort(qs)
	if secondWorst {
		return qs[len(qs)-2], true
	}
	return qs[len(qs)-1], true
}

func candidateKind(s *slo.SLO) string {
	if s.SLI.Kind == slo.SLILatency {
		return "bucket boundary"
	}
	return "1-2-2.5-5 value"
}

// quantileName is the quantile of the objective as in p95 or p99.9.
func quantileName(s *slo.SLO) string { return s.Objective.Percent }
