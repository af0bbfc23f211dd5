package generate

import (
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// batches splits the SLOs of a test file into batches that can share test groups: promtool evaluates every
// rule of the file in every test group, so one group per scenario for a whole batch costs what one group per
// scenario for one SLO costs, where a group per SLO would cost the square of the SLOs. SLOs share a batch when
// their inputs come at the same interval and none of the series one of them is fed is read by another's rules;
// every assertion of a test names its SLO (service and slo labels), so it sees nothing of the others. Greedy:
// each SLO joins the first batch it fits, in order.
func batches(all []*scenarios, u Suite) [][]*scenarios {
	type member struct {
		t      *scenarios
		inputs []labels.Labels
		reads  [][]*labels.Matcher // nil: reads what cannot be told, shares no batch
	}
	var out [][]member
	for _, t := range all {
		m := member{t: t, inputs: inputsOf(t, u), reads: readsOf(t)}
		placed := false
		for i, b := range out {
			if m.reads == nil || b[0].reads == nil || b[0].t.feed.interval() != t.feed.interval() {
				continue
			}
			fits := true
			for _, o := range b {
				if anyMatch(o.reads, m.inputs) || anyMatch(m.reads, o.inputs) {
					fits = false
					break
				}
			}
			if fits {
				out[i] = append(b, m)
				placed = true
				break
			}
		}
		if !placed {
			out = append(out, []member{m})
		}
	}
	res := make([][]*scenarios, len(out))
	for i, b := range out {
		for _, m := range b {
			res[i] = append(res[i], m.t)
		}
	}
	return res
}

// inputsOf are the series t is fed in suite u.
func inputsOf(t *scenarios, u Suite) []labels.Labels {
	var out []labels.Labels
	seen := map[string]bool{}
	for _, g := range u.groups(t) {
		for _, s := range g.InputSeries {
			if seen[s.Series] {
				continue
			}
			seen[s.Series] = true
			if l, err := promql.ParseMetric(s.Series); err == nil {
				out = append(out, l)
			}
		}
	}
	return out
}

// readsOf are the selectors of the rules of t that read raw series (its base rates), or nil when one of them
// does not name its metric (it could read any series, recorded ones included) or does not parse.
func readsOf(t *scenarios) [][]*labels.Matcher {
	errRate, totalRate := baseRates(t.s, t.w.Base, "", selector(t.s, revision(t.s, t.w)))
	var out [][]*labels.Matcher
	for _, q := range []string{errRate, totalRate} {
		e, err := promql.ParseExpr(q)
		if err != nil {
			return nil
		}
		for _, ms := range parser.ExtractSelectors(e) {
			named := false
			for _, m := range ms {
				named = named || (m.Name == labels.MetricName && m.Type == labels.MatchEqual)
			}
			if !named {
				return nil
			}
			out = append(out, ms)
		}
	}
	return out
}

// anyMatch reports whether any selector selects any of series.
func anyMatch(selectors [][]*labels.Matcher, series []labels.Labels) bool {
	for _, ms := range selectors {
		for _, l := range series {
			if matchesAll(ms, l) {
				return true
			}
		}
	}
	return false
}

func matchesAll(ms []*labels.Matcher, l labels.Labels) bool {
	for _, m := range ms {
		if !m.Matches(l.Get(m.Name)) {
			return false
		}
	}
	return true
}
