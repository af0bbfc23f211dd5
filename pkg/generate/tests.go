package generate

import (
	"fmt"
	"maps"
	"math"
	"sort"

	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

const (
	// eventsPerMinute is the synthetic traffic of the tests.
	eventsPerMinute = 1000.0
	// testGrouping is the value given to grouping labels in tests.
	testGrouping = "test"
	// tolerance of value assertions (rate extrapolation is exact on the
	// linear counters the tests use; this only absorbs float rounding).
	tolerance = "1e-9"
)

// segment is a stretch of synthetic traffic with a constant error share.
type segment struct {
	d       time.Duration
	errFrac float64
	noData  bool // zero traffic
}

type scenarios struct {
	s      *slo.SLO
	w      slo.Windows
	feed   feeder
	sel    string
	labels map[string]string // of recorded series, grouping included
}

func newScenarios(s *slo.SLO, o Options) *scenarios {
	w := o.Windows(s.Period)
	// What the tests assert on is computed afresh at every evaluation and carries no revision; the selector
	// without one also matches the rates, which do.
	t := &scenarios{s: s, w: w, sel: selector(s, "")}
	t.labels = seriesLabels(s, "")
	for _, g := range s.Grouping {
		t.labels[g] = testGrouping
	}
	t.feed = newFeeder(s, t.w)
	return t
}

func (t *scenarios) name(what string) string {
	return fmt.Sprintf("%s: %s (%s SLI, fed by %s)", t.s.ID(), what, t.s.SLI.Kind, t.feed.describe())
}

func (t *scenarios) group(what string, segs []segment, tests []promqlTestCase) testGroup {
	return testGroup{
		Name:        t.name(what),
		Interval:    model.Duration(t.feed.interval()),
		InputSeries: t.feed.series(segs),
		PromQLTests: tests,
	}
}

// alertSel selects the firing burn alerts of this SLO, optionally of one
// window pair.
func (t *scenarios) alertSel(tier slo.Tier, a *slo.AlertWindow) string {
	m := []string{
		`alertname="` + c.AlertBurn + `"`, `alertstate="firing"`,
		c.LabelService + `="` + t.s.Service + `"`, c.LabelSLO + `="` + t.s.Name + `"`,
		c.LabelTier + `="` + string(tier) + `"`,
	}
	if a != nil {
		m = append(m, c.LabelLongWindow+`="`+window(a.Long)+`"`)
	}
	return "ALERTS{" + strings.Join(m, ", ") + "}"
}

// alertLabels are the labels of the ALERTS series of window pair a.
func (t *scenarios) alertLabels(a slo.AlertWindow) string {
	l := maps.Clone(t.labels)
	maps.Copy(l, t.s.Alerting.Labels)
	l["alertname"] = c.AlertBurn
	l[c.LabelAlertState] = "firing"
	l[c.LabelSeverity] = t.s.Alerting.ForTier(a.Tier).Severity
	l[c.LabelTier] = string(a.Tier)
	l[c.LabelLongWindow] = window(a.Long)
	l[c.LabelShortWindow] = window(a.Short)
	l[c.LabelBurnFactor] = float(a.BurnFactor)
	return labels.FromMap(l).String()
}

// neverFired asserts that no alert of tier fired within the last d before at.
func (t *scenarios) neverFired(tier slo.Tier, at, d time.Duration) promqlTestCase {
	return promqlTestCase{
		Expr:       "max_over_time(" + rangeOf(t.alertSel(tier, nil), d) + ")",
		EvalTime:   model.Duration(at),
		ExpSamples: []expSample{},
	}
}

// reviewOverdue proves the review ticket. An SLO with a review date (lastReviewed or agreed) is not due at the
// tests' clock, 1970, long before any date (pkg/generate's Go tests evaluate it at real dates). An SLO without one:
// the first evaluation starts its review clock, which stays there and raises nothing; given a clock started one
// cadence before the test (its recorded series set in the input, so that no test runs for a cadence), the ticket
// is quiet at exactly one cadence and fires at the next evaluation.
func (t *scenarios) reviewOverdue() []testGroup {
	sel := `ALERTS{alertname="` + c.AlertReviewOverdue + `", alertstate="firing", ` +
		c.LabelService + `="` + t.s.Service + `", ` + c.LabelSLO + `="` + t.s.Name + `"}`
	quiet := func(at time.Duration) promqlTestCase {
		return promqlTestCase{Expr: "max_over_time(" + rangeOf(sel, max(at, time.Minute)) + ")", EvalTime: model.Duration(at), ExpSamples: []expSample{}}
	}
	if !t.s.Review.Since().IsZero() {
		return []testGroup{{
			Name:        t.name("a review date in the spec: the review ticket waits for it"),
			Interval:    model.Duration(time.Minute),
			PromQLTests: []promqlTestCase{quiet(testEvalInterval)},
		}}
	}
	// The review clock and its ticket carry no revision: a fixed SLI does not restart them.
	series := labels.FromMap(seriesLabels(t.s, ""))
	since := c.ReviewSince + series.String()
	l := seriesLabels(t.s, "")
	maps.Copy(l, t.s.Alerting.Labels)
	l["alertname"] = c.AlertReviewOverdue
	l[c.LabelAlertState] = "firing"
	l[c.LabelSeverity] = t.s.Alerting.ForTier(slo.TierTicket).Severity
	l[c.LabelTier] = string(slo.TierTicket)
	held := 3 * testEvalInterval
	return []testGroup{{
		Name:     t.name("no review date: the first evaluation starts the review clock, which holds, and no ticket"),
		Interval: model.Duration(time.Minute),
		PromQLTests: []promqlTestCase{quiet(held), {
			Expr: c.ReviewSince + selector(t.s, ""), EvalTime: model.Duration(held), ExpSamples: []expSample{{Labels: since, Value: 0}},
		}},
	}, {
		Name:     t.name("no review date: the review ticket fires once a cadence has passed since the clock started"),
		Interval: model.Duration(time.Minute),
		// At 0 the rule records the same sample again (same value: the TSDB accepts it).
		InputSeries: []inputSeries{{Series: since, Values: "-" + seconds(t.s.Review.Cadence)}},
		PromQLTests: []promqlTestCase{quiet(0), {
			Expr: "max_over_time(" + rangeOf(sel, testEvalInterval) + ")", EvalTime: model.Duration(testEvalInterval),
			ExpSamples: []expSample{{Labels: labels.FromMap(l).String(), Value: 1}},
		}},
	}}
}

// near asserts that expr (one series with the recorded labels) is v.
func (t *scenarios) near(expr string, v float64, at time.Duration) promqlTestCase {
	return promqlTestCase{
		Expr:       "abs(" + expr + " - " + float(v) + ") < bool " + tolerance,
		EvalTime:   model.Duration(at),
		ExpSamples: []expSample{{Labels: labels.FromMap(t.labels).String(), Value: 1}},
	}
}

func (t *scenarios) alertsOf(tier slo.Tier) []slo.AlertWindow {
	var out []slo.AlertWindow
	for _, a := range t.w.Alerts {
		if a.Tier == tier {
			out = append(out, a)
		}
	}
	return out
}

func (t *scenarios) factors(tier slo.Tier) (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	for _, a := range t.alertsOf(tier) {
		lo, hi = min(lo, a.BurnFactor), max(hi, a.BurnFactor)
	}
	return lo, hi
}

// detection proves, per page alert (the fastest page's alone, or all others),
// the SRE Workbook's detection time, at evaluation interval eval: after
// good traffic, a burn that the Workbook says pages after about ten and a
// half minutes (long window × factor / burn), or every event failing if the
// objective is too loose for that. The alert must have fired by the Workbook's
// time plus a scrape (the burn must be scraped) and a minute (a sample's
// worth of rounding), which is an evaluation, and not at the last evaluation
// a minute before the Workbook's time. The burn starts at the minute that puts that deadline on an
// evaluation. At a 1 minute evaluation, an alert a minute later, such as a
// page window averaging overlapping base rates (its newest events weigh half
// a base window less: 1.5 minutes late at a 1m scrape), misses it.
func (t *scenarios) detection(eval time.Duration, fastest bool) []testGroup {
	if t.s.Alerting.Page.Disabled {
		return nil
	}
	scrape := t.feed.interval()
	budget := t.s.Objective.Budget
	var out []testGroup
	for i, a := range t.alertsOf(slo.TierPage) {
		if (i == 0) != fastest {
			continue
		}
		errFrac := min(1, float64(a.Long)*a.BurnFactor*budget/float64(21*time.Minute/2))
		if q := t.feed.quantum(errFrac); q > scrape {
			errFrac = float64(scrape) / float64(q) // a probe fails one sample in k
		}
		burn := errFrac / budget
		if burn <= a.BurnFactor {
			continue // an objective this low can never burn that fast
		}
		detect := time.Duration(float64(a.Long) * a.BurnFactor / burn)
		// A probe's failures are single samples, not a steady share: a scrape more for it.
		slack, more := scrape, "a scrape"
		if !t.feed.exact() {
			slack, more = 2*scrape, "2 scrapes"
		}
		within := (detect + slack + time.Minute) / time.Minute * time.Minute
		// Good traffic long enough for the window and the rates it is stitched from, then up to 4 minutes more,
		// so that the burn's start plus within is an evaluation.
		unit, _ := t.w.Stitch(a.Long)
		start := ceilTo(a.Long+unit+t.w.Base+within, eval) - within
		deadline := start + within
		segs := []segment{{d: start}, {d: deadline - start + eval, errFrac: errFrac}}
		var tests []promqlTestCase
		// The last evaluation a full minute before the Workbook's time.
		if quiet := (start + detect - time.Minute) / eval * eval; quiet > start && t.feed.exact() {
			tests = append(tests, promqlTestCase{
				Expr:       "max_over_time(" + rangeOf(t.alertSel(slo.TierPage, &a), quiet) + ")",
				EvalTime:   model.Duration(quiet),
				ExpSamples: []expSample{},
			})
		}
		tests = append(tests, promqlTestCase{
			Expr:       "max_over_time(" + rangeOf(t.alertSel(slo.TierPage, &a), deadline-start) + ")",
			EvalTime:   model.Duration(deadline),
			ExpSamples: []expSample{{Labels: t.alertLabels(a), Value: 1}},
		})
		out = append(out, t.group(fmt.Sprintf("a %.4g× burn pages (%s/%s) after the Workbook's %s, within %s (%s and a minute more)",
			burn, window(a.Long), window(a.Short), detect.Round(time.Second), window(within), more), segs, tests))
	}
	return out
}

// ceilTo rounds d up to a multiple of m.
func ceilTo(d, m time.Duration) time.Duration { return (d + m - 1) / m * m }

// steadyBurn: errors exactly at the objective for an hour longer than the
// fastest page window never page, and spend exactly the budget's rate.
// (Every page window is a ratio of the events it holds, which at a steady
// burn is the objective, however much of the window the test fills.)
func (t *scenarios) steadyBurn() []testGroup {
	budget := t.s.Objective.Budget
	q := t.feed.quantum(budget)
	d := ceilTo(ceilTo(pageLongOrBase(t)+time.Hour, q), testEvalInterval)
	for d%q != 0 {
		d += testEvalInterval
	}
	segs := []segment{{d: d + time.Minute, errFrac: budget}}
	var tests []promqlTestCase
	if !t.s.Alerting.Page.Disabled {
		tests = append(tests, t.neverFired(slo.TierPage, d, d))
	}
	if t.feed.exact() {
		tests = append(tests,
			t.near(c.ErrorRatioPeriod+t.sel, budget, d),
			t.near(c.BudgetRemaining+t.sel, 0, d),
			t.near(c.ErrorRatio(pageLongOrBase(t))+t.sel, budget, d),
		)
	} else {
		// Discrete probes only approximate the share: within half the budget.
		tests = append(tests, promqlTestCase{
			Expr:       "abs(" + c.BudgetRemaining + t.sel + ") < bool 0.5",
			EvalTime:   model.Duration(d),
			ExpSamples: []expSample{{Labels: labels.FromMap(t.labels).String(), Value: 1}},
		})
	}
	// Coverage is some but at most all of the period. (promtool evaluates
	// every group at the test's interval, not the tiles' own, so the tile
	// count is not the ruler's; the ruler's is tested with the daemon.)
	cov := c.PeriodCoverage + t.sel
	tests = append(tests, promqlTestCase{
		Expr:       "(" + cov + " > bool 0) * (" + cov + " <= bool 1)",
		EvalTime:   model.Duration(d),
		ExpSamples: []expSample{{Labels: labels.FromMap(t.labels).String(), Value: 1}},
	})
	return []testGroup{t.group("a steady burn exactly at the objective never pages and spends the budget at its rate", segs, tests)}
}

func pageLongOrBase(t *scenarios) time.Duration {
	if p := t.alertsOf(slo.TierPage); len(p) > 0 {
		return p[0].Long
	}
	return t.w.Base
}

// slowBurn: a burn between the ticket and the page factors tickets, and
// never pages.
func (t *scenarios) slowBurn() []testGroup {
	_, ticketHi := t.factors(slo.TierTicket)
	pageLo, _ := t.factors(slo.TierPage)
	if t.s.Alerting.Ticket.Disabled || ticketHi == 0 || math.IsInf(pageLo, 1) || ticketHi >= pageLo {
		return nil
	}
	burn := (ticketHi + pageLo) / 2
	errFrac := burn * t.s.Objective.Budget
	if errFrac > 1 {
		return nil
	}
	d := time.Hour + t.w.Tile
	segs := []segment{{d: d + time.Minute, errFrac: errFrac}}
	var exp []expSample
	for _, a := range t.alertsOf(slo.TierTicket) {
		exp = append(exp, expSample{Labels: t.alertLabels(a), Value: 1})
	}
	sort.Slice(exp, func(i, j int) bool { return exp[i].Labels < exp[j].Labels })
	tests := []promqlTestCase{{
		Expr:       "max_over_time(" + rangeOf(t.alertSel(slo.TierTicket, nil), d) + ")",
		EvalTime:   model.Duration(d),
		ExpSamples: exp,
	}}
	if !t.s.Alerting.Page.Disabled {
		tests = append(tests, t.neverFired(slo.TierPage, d, d))
	}
	return []testGroup{t.group(fmt.Sprintf("a %.4g× burn tickets and never pages", burn), segs, tests)}
}

// zeroTraffic: no events for two hours raise no burn alert and record no NaN or
// ±Inf; windows record nothing and the budget stays whole.
func (t *scenarios) zeroTraffic() testGroup {
	d := 2 * time.Hour
	segs := []segment{{d: d + time.Minute, noData: true}}
	tests := []promqlTestCase{{
		Expr:       "max_over_time(" + rangeOf(`ALERTS{alertname="`+c.AlertBurn+`", service="`+t.s.Service+`", slo="`+t.s.Name+`"}`, d) + ")",
		EvalTime:   model.Duration(d),
		ExpSamples: []expSample{},
	}}
	for _, name := range t.recordedNames() {
		x := name + t.sel
		tests = append(tests, promqlTestCase{
			Expr:       x + " != " + x + " or abs(" + x + ") == +Inf",
			EvalTime:   model.Duration(d),
			ExpSamples: []expSample{},
		})
	}
	for _, w := range t.w.Distinct() {
		tests = append(tests, promqlTestCase{Expr: c.ErrorRatio(w) + t.sel, EvalTime: model.Duration(d), ExpSamples: []expSample{}})
	}
	if t.feed.zeroTrafficHasSeries() {
		tests = append(tests, t.near(c.BudgetRemaining+t.sel, 1, d))
	} else {
		tests = append(tests, promqlTestCase{Expr: c.BudgetRemaining + t.sel, EvalTime: model.Duration(d), ExpSamples: []expSample{}})
	}
	return t.group("zero traffic raises nothing and records no NaN or Inf", segs, tests)
}

func (t *scenarios) recordedNames() []string {
	names := []string{
		c.ErrorRate(t.w.Base), c.TotalRate(t.w.Base), c.ErrorRate(t.w.Tile), c.TotalRate(t.w.Tile),
		c.ErrorRatePeriod, c.TotalRatePeriod, c.ErrorRatioPeriod, c.BudgetRemaining, c.PeriodCoverage,
		c.ErrorRatePeriodTile, c.TotalRatePeriodTile, c.PeriodCoverageTile,
	}
	for _, w := range t.w.Distinct() {
		names = append(names, c.ErrorRatio(w))
	}
	return names
}
