package generate

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Options tune generation. The zero value generates the SRE Workbook's
// recommendation.
type Options struct {
	// Catalog is the multi-window alert catalog, stated for 30 days.
	// Empty means slo.DefaultCatalog.
	Catalog []slo.CatalogEntry
	// MinWindow is the shortest window; 0 means slo.DefaultMinWindow.
	MinWindow time.Duration
	// GroupBy chooses how rules are split into groups; empty means
	// GroupBySLO.
	GroupBy GroupBy
	// GateURL is the base URL of the slokeeper daemon whose deploy gate
	// answers for the services (e.g. http://slokeeper:9099). When set, every
	// alert carries a gate_url annotation: that URL's /api/v1/gate/<service>.
	GateURL string
}

// GroupBy is a way to split the rules into groups.
type GroupBy string

const (
	// GroupBySLO gives each SLO its own three groups: a slow or failing SLO
	// never delays another, and rulers that shard by group spread them.
	GroupBySLO GroupBy = "slo"
	// GroupByService makes the SLOs of a service share their groups (one sli,
	// one budget, one tiles group per tile length), each SLO's rules in the
	// same order as with GroupBySLO. A ruler then runs a few groups per
	// service instead of three per SLO: far fewer goroutines, group metrics
	// and timers, which is what the daemon runs.
	GroupByService GroupBy = "service"
)

// GroupNames returns the names of the sli, tiles and budget groups of s.
func (o Options) GroupNames(s *slo.SLO) (sli, tiles, budget string) {
	if o.GroupBy == GroupByService {
		return c.ServiceGroupSLI(s.Service), c.ServiceGroupTiles(s.Service, o.Windows(s.Period).Tile), c.ServiceGroupBudget(s.Service)
	}
	return c.GroupSLI(s.Service, s.Name), c.GroupTiles(s.Service, s.Name), c.GroupBudget(s.Service, s.Name)
}

// Windows returns the windows of period under these options.
func (o Options) Windows(period time.Duration) slo.Windows {
	return slo.WindowsFor(period, o.catalog(), o.MinWindow)
}

func (o Options) catalog() []slo.CatalogEntry {
	if len(o.Catalog) == 0 {
		return slo.DefaultCatalog
	}
	return o.Catalog
}

// Groups returns the rule groups of the SLOs, in input order: three per SLO,
// or with GroupByService the groups of each service (see MergeGroups).
func Groups(slos []*slo.SLO, o Options) []rulefmt.RuleGroup {
	out := make([]rulefmt.RuleGroup, 0, 3*len(slos))
	for _, s := range slos {
		out = append(out, SLOGroups(s, o)...)
	}
	if o.GroupBy == GroupByService {
		return MergeGroups(out)
	}
	return out
}

// SLOGroups returns the three rule groups of one SLO, named after
// o.GroupNames:
//   - sli: base rates from the raw series, the short windows and the page
//     alerts; evaluated at the ruler's interval.
//   - tiles: the base rates averaged over the tile window, evaluated once
//     per tile so that consecutive samples tile time.
//   - budget: long windows and the period from the tiles, the budget, the
//     metadata and the ticket alerts; every minute.
func SLOGroups(s *slo.SLO, o Options) []rulefmt.RuleGroup {
	w := o.Windows(s.Period)
	rev := revision(s, w)
	g := &builder{s: s, w: w, sel: selector(s, rev), labels: seriesLabels(s, rev), outSel: selector(s, ""), sloLabels: seriesLabels(s, ""),
		gateURL: o.GateURL}
	g.outLabels = maps.Clone(g.sloLabels)
	g.outLabels[c.LabelRevision] = "" // a rule label without a value drops the label its expression's result carries
	sli, tiles, budget := o.GroupNames(s)
	return []rulefmt.RuleGroup{g.sliGroup(sli), g.tilesGroup(tiles), g.budgetGroup(budget)}
}

// MergeGroups joins the groups of the same name into one, in the order the
// names first appear, keeping the order of their rules. Groups of one name
// must have the same interval (GroupNames guarantees it).
func MergeGroups(groups []rulefmt.RuleGroup) []rulefmt.RuleGroup {
	index := make(map[string]int, len(groups))
	var out []rulefmt.RuleGroup
	for _, g := range groups {
		if i, ok := index[g.Name]; ok {
			out[i].Rules = append(out[i].Rules, g.Rules...)
			continue
		}
		index[g.Name] = len(out)
		g.Rules = slices.Clone(g.Rules) // the appends above must not write into the caller's groups
		out = append(out, g)
	}
	return out
}

type builder struct {
	gateURL string
	s       *slo.SLO
	w       slo.Windows
	// sel and labels select and label the recorded rates (base, stitched and tile rates, the tiles' coverage): the
	// SLO's history, which later evaluations read back over time. They carry its revision (see revision.go).
	sel    string // {slo_revision="…"}
	labels map[string]string
	// outSel and outLabels select and label what every evaluation computes afresh from the rates: ratios, the
	// period, the budget, the metadata and the alerts. They carry no revision, so that budgets, dashboards and
	// firing alerts go on as the same series across a spec fix, and the rules manager and the TSDB hold a
	// shorter label set for most of an SLO's series.
	outSel    string            // {service="…",slo="…"}
	outLabels map[string]string // with c.LabelRevision set to "", which removes it
	// sloLabels are outLabels without the revision's removal, for rules that read no rate (the review clock).
	sloLabels map[string]string
}

// selector matches the recorded series of s of revision rev, or of any revision when rev is empty. The revision
// alone tells one SLO's series from every other's (its digest covers the service and the SLO's name), in fewer
// characters than the two names: the selector is repeated hundreds of times in an SLO's rules.
func selector(s *slo.SLO, rev string) string {
	if rev != "" {
		return "{" + revisionMatcher(rev) + "}"
	}
	return "{" + c.LabelService + "=" + strconv.Quote(s.Service) + "," + c.LabelSLO + "=" + strconv.Quote(s.Name) + "}"
}

// seriesLabels are the labels of the recorded series of s of revision rev (none when rev is empty).
func seriesLabels(s *slo.SLO, rev string) map[string]string {
	l := make(map[string]string, 5+len(s.Labels))
	maps.Copy(l, s.Labels)
	l[c.LabelSLO] = s.Name
	l[c.LabelService] = s.Service
	l[c.LabelLayer] = string(s.Layer)
	l[c.LabelOwner] = s.Owner
	if rev != "" {
		l[c.LabelRevision] = rev
	}
	return l
}

// rate records a rate of the SLO's history, under its revision.
func (g *builder) rate(name, expr string) rulefmt.Rule {
	return rulefmt.Rule{Record: name, Expr: expr, Labels: g.labels}
}

// record records what an evaluation computes afresh, without the revision.
func (g *builder) record(name, expr string) rulefmt.Rule {
	return rulefmt.Rule{Record: name, Expr: expr, Labels: g.outLabels}
}

// constant records a number of the spec: its expression carries no label to remove.
func (g *builder) constant(name, v string) rulefmt.Rule {
	return rulefmt.Rule{Record: name, Expr: "vector(" + v + ")", Labels: g.sloLabels}
}

// ratio divides two rates, recording nothing (rather than NaN) where there
// was no traffic.
func ratio(errRate, totalRate string) string {
	return errRate + " / (" + totalRate + " > 0)"
}

// windowRatio is the error ratio over d: the base rates, back-to-back base
// rates, blocks or spans (stitch), or averages of the tiles for long windows.
func (g *builder) windowRatio(d time.Duration) rulefmt.Rule {
	if d == g.w.Base || d == g.w.Block || d == g.w.Span {
		return g.record(c.ErrorRatio(d), ratio(c.ErrorRate(d)+g.sel, c.TotalRate(d)+g.sel))
	}
	if !g.w.Stitched(d) {
		return g.record(c.ErrorRatio(d), g.average(g.w.Tile, d))
	}
	unit, n := g.w.Stitch(d)
	expr := "(" + g.stitch(c.ErrorRate(unit), unit, n) + ") / ((" + g.stitch(c.TotalRate(unit), unit, n) + ") > 0)\nor\n"
	if g.w.Tiled(d) {
		// A page's long window of spans: the tiles over it, then the newest span.
		expr += g.average(g.w.Tile, d) + "\nor\n"
	}
	return g.record(c.ErrorRatio(d), expr+ratio(c.ErrorRate(unit)+g.sel, c.TotalRate(unit)+g.sel))
}

// fallback is the rate a stitched window d of units falls back on while its
// sum is incomplete: the tiles when d holds three of them or more, the units
// otherwise.
func (g *builder) fallback(unit, d time.Duration) time.Duration {
	if d >= 3*g.w.Tile {
		return g.w.Tile
	}
	return unit
}

// average is the error ratio over d from averages of the rates over src
// recorded within d. One concatenation per expression: this runs for every
// window of every SLO.
func (g *builder) average(src, d time.Duration) string {
	win := window(d)
	return "avg_over_time(" + c.ErrorRate(src) + g.sel + "[" + win + "]) / (avg_over_time(" + c.TotalRate(src) + g.sel + "[" + win + "]) > 0)"
}

// stitch sums n back-to-back rates of length unit recorded as name, the
// newest ending now: the rate over n × unit, times n. Unlike an average of
// overlapping rates, whose newest samples cover only part of their window
// and so weigh the latest events less, every event in the window weighs the
// same, the newest included: a burn shows at full weight as soon as it is
// scraped. The sum is empty while a rate is missing at one of the offsets
// (for longer than the lookback delta: the rules are younger than the window,
// or were not evaluated for a while); the window then falls back on the
// newest unit (a page's long window of spans first on the tiles' average),
// and the block and span rates on an average (see fallback), so that young
// rules page too. The fallbacks are cheap on purpose: PromQL evaluates both
// sides of an or at every evaluation.
func (g *builder) stitch(name string, unit time.Duration, n int) string {
	x := name + g.sel
	var b strings.Builder
	b.Grow(n * (len(x) + 16))
	b.WriteString(x)
	for k := 1; k < n; k++ {
		b.WriteString(" + " + x + " offset " + window(time.Duration(k)*unit))
	}
	return b.String()
}

// stitchedRates record the rates over a block from Block/Base back-to-back
// base rates, when blocks are longer than the base window, and over the span
// from Span/Block blocks; until the recorded history covers them, an average
// of the rates there are (see fallback).
func (g *builder) stitchedRates() []rulefmt.Rule {
	var out []rulefmt.Rule
	rates := func(from, to time.Duration) {
		n := int(to / from)
		per := func(name func(time.Duration) string) string {
			expr := "(" + g.stitch(name(from), from, n) + ") / " + strconv.Itoa(n) + " or avg_over_time(" + rangeOf(name(g.fallback(from, to))+g.sel, to) + ")"
			if g.fallback(from, to) != from {
				expr += " or " + name(from) + g.sel // no tile yet either: the newest unit
			}
			return expr
		}
		out = append(out, g.rate(c.ErrorRate(to), per(c.ErrorRate)), g.rate(c.TotalRate(to), per(c.TotalRate)))
	}
	if g.w.Block != g.w.Base {
		rates(g.w.Base, g.w.Block)
	}
	if g.w.Span != 0 {
		rates(g.w.Block, g.w.Span)
	}
	return out
}

func (g *builder) sliGroup(name string) rulefmt.RuleGroup {
	rules := make([]rulefmt.Rule, 0, 4+2*len(g.w.Alerts)+len(g.w.Alerts))
	excl := excluded(g.s, g.w.Base)
	if totalFirst(g.s) {
		// The total first: the error rate reads it back (one series) instead of the raw total series again.
		errRate, totalRate := baseRates(g.s, g.w.Base, sumBy("sum", g.s.Grouping, c.TotalRate(g.w.Base)+g.sel), g.sel)
		rules = append(rules, g.rate(c.TotalRate(g.w.Base), unlessExcluded(totalRate, excl)),
			g.rate(c.ErrorRate(g.w.Base), unlessExcluded(errRate, excl)))
	} else {
		// Raw SLIs derive the total from the error series: the error first.
		errRate, totalRate := baseRates(g.s, g.w.Base, "", g.sel)
		rules = append(rules, g.rate(c.ErrorRate(g.w.Base), unlessExcluded(errRate, excl)),
			g.rate(c.TotalRate(g.w.Base), unlessExcluded(totalRate, excl)))
	}
	rules = append(rules, g.stitchedRates()...)
	for _, d := range g.w.Distinct() {
		if d == g.w.Base || g.w.Stitched(d) {
			rules = append(rules, g.windowRatio(d))
		}
	}
	rules = append(rules, g.alerts(slo.TierPage)...)
	return rulefmt.RuleGroup{Name: name, Rules: rules}
}

func (g *builder) tilesGroup(name string) rulefmt.RuleGroup {
	avg := func(name string) string {
		return "avg_over_time(" + rangeOf(name+g.sel, g.w.Tile) + ")"
	}
	avgPeriod := func(name string) string {
		return "avg_over_time(" + rangeOf(name+g.sel, g.s.Period) + ")"
	}
	return rulefmt.RuleGroup{
		Name:     name,
		Interval: model.Duration(g.w.Tile),
		Rules: []rulefmt.Rule{
			g.rate(c.ErrorRate(g.w.Tile), avg(c.ErrorRate(g.w.Base))),
			g.rate(c.TotalRate(g.w.Tile), avg(c.TotalRate(g.w.Base))),
			// The period changes only when a tile lands: average it here, once per tile, from the tiles just
			// recorded (rules of a group see the ones before them), not every minute in the budget group.
			g.rate(c.ErrorRatePeriodTile, avgPeriod(c.ErrorRate(g.w.Tile))),
			g.rate(c.TotalRatePeriodTile, avgPeriod(c.TotalRate(g.w.Tile))),
			// The share of the period that has tiles: a young SLO (or a daemon without history) must not pass
			// "no data yet" off as "budget intact".
			g.rate(c.PeriodCoverageTile, "clamp_max(count_over_time("+rangeOf(c.TotalRate(g.w.Tile)+g.sel, g.s.Period)+
				") * "+seconds(g.w.Tile)+" / "+seconds(g.s.Period)+", 1)"),
		},
	}
}

func (g *builder) budgetGroup(name string) rulefmt.RuleGroup {
	rules := make([]rulefmt.Rule, 0, len(g.w.Alerts)*2+10+len(g.w.Alerts))
	for _, d := range g.w.Distinct() {
		if d != g.w.Base && !g.w.Stitched(d) {
			rules = append(rules, g.windowRatio(d))
		}
	}
	// The tiles group's latest period values, within two tiles (one evaluation may be late).
	latest := func(name string) string {
		return "last_over_time(" + rangeOf(name+g.sel, 2*g.w.Tile) + ")"
	}
	budget := float(g.s.Objective.Budget)
	rules = append(rules,
		g.record(c.ErrorRatePeriod, latest(c.ErrorRatePeriodTile)),
		g.record(c.TotalRatePeriod, latest(c.TotalRatePeriodTile)),
		// No traffic over the whole period burns no budget: ratio 0.
		g.record(c.ErrorRatioPeriod, ratio(c.ErrorRatePeriod+g.outSel, c.TotalRatePeriod+g.outSel)+
			" or 0 * "+c.TotalRatePeriod+g.outSel),
		g.record(c.BudgetRemaining, "1 - "+c.ErrorRatioPeriod+g.outSel+" / "+budget),
		g.record(c.PeriodCoverage, latest(c.PeriodCoverageTile)),
		g.constant(c.Objective, float(g.s.Objective.Ratio)),
		g.constant(c.ErrorBudget, budget),
		g.constant(c.PeriodSeconds, seconds(g.s.Period)),
		g.info(),
	)
	rules = append(rules, g.alerts(slo.TierTicket)...)
	rules = append(rules, g.reviewRules()...)
	return rulefmt.RuleGroup{
		Name:     name,
		Interval: model.Duration(c.BudgetInterval),
		Rules:    rules,
	}
}

// info is the metadata series: value 1, descriptive labels for dashboards.
func (g *builder) info() rulefmt.Rule {
	l := maps.Clone(g.sloLabels)
	l[c.LabelObjective] = g.s.Objective.Percent
	l[c.LabelPeriod] = window(g.s.Period)
	l[c.LabelSLIKind] = string(g.s.SLI.Kind)
	if g.s.Description != "" {
		l[c.LabelDescription] = g.s.Description
	}
	if g.s.Rationale != "" {
		l[c.LabelRationale] = g.s.Rationale
	}
	return rulefmt.Rule{Record: c.Info, Expr: "vector(1)", Labels: l}
}

// alerts are the multi-window multi-burn-rate alerts of one tier: the long
// window's burn rate above the factor, confirmed by the short window's.
func (g *builder) alerts(t slo.Tier) []rulefmt.Rule {
	cfg := g.s.Alerting.ForTier(t)
	if cfg.Disabled {
		return nil
	}
	budget := float(g.s.Objective.Budget)
	var out []rulefmt.Rule
	for _, a := range g.w.Alerts {
		if a.Tier != t {
			continue
		}
		factor := float(a.BurnFactor)
		expr := c.ErrorRatio(a.Long) + g.outSel + " / " + budget + " > " + factor + "\nand\n" +
			c.ErrorRatio(a.Short) + g.outSel + " / " + budget + " > " + factor
		if g.s.MinEvents > 0 {
			// The events are counted from rates, which carry the revision the ratios do not.
			expr += "\nand ignoring(" + c.LabelRevision + ")\n" + g.events(a.Long) + " >= " + strconv.FormatInt(g.s.MinEvents, 10)
		}
		labels := make(map[string]string, len(g.sloLabels)+len(g.s.Alerting.Labels)+5)
		maps.Copy(labels, g.sloLabels)
		maps.Copy(labels, g.s.Alerting.Labels)
		labels[c.LabelSeverity] = cfg.Severity
		labels[c.LabelTier] = string(t)
		labels[c.LabelLongWindow] = window(a.Long)
		labels[c.LabelShortWindow] = window(a.Short)
		labels[c.LabelBurnFactor] = factor
		out = append(out, rulefmt.Rule{
			Alert:       c.AlertBurn,
			Expr:        expr,
			Labels:      labels,
			Annotations: g.annotations(t, a),
		})
	}
	return out
}

// events counts the events of window d from the rates its fallback averages
// (or the base rate's), which are there whenever d's are.
func (g *builder) events(d time.Duration) string {
	src := g.w.Tile
	switch {
	case d == g.w.Base:
		src = d
	case !g.w.Tiled(d):
		unit, _ := g.w.Stitch(d)
		src = g.fallback(unit, d)
	}
	return "avg_over_time(" + rangeOf(c.TotalRate(src)+g.sel, d) + ") * " + seconds(d)
}

func (g *builder) annotations(t slo.Tier, a slo.AlertWindow) map[string]string {
	s := g.s
	ann := make(map[string]string, len(s.Alerting.Annotations)+3)
	maps.Copy(ann, s.Alerting.Annotations)
	exhaust := time.Duration(float64(s.Period) / a.BurnFactor)
	ann[c.AnnotationSummary] = s.Service + "/" + s.Name + " is burning its error budget " + float(a.BurnFactor) + "× too fast (" + string(t) + ")."
	// One concatenation: this runs for every alert of every SLO.
	ann[c.AnnotationDescription] = "The " + string(s.Layer) + " SLO " + s.Name + " of " + s.Service + " (" + s.Objective.Percent +
		"% over " + window(s.Period) + ") burned its error budget {{ $value | printf \"%.2f\" }}× faster than sustainable over the last " +
		window(a.Long) + ", confirmed over " + window(a.Short) + ". Above " + float(a.BurnFactor) + "× (" + percent(a.BudgetFraction) +
		" of the budget in " + window(a.Long) + ") the whole budget is gone within " + window(exhaust.Round(time.Minute)) + "."
	if s.Alerting.RunbookURL != "" {
		ann[c.AnnotationRunbookURL] = s.Alerting.RunbookURL
	}
	if g.gateURL != "" {
		ann[c.AnnotationGateURL] = strings.TrimSuffix(g.gateURL, "/") + c.GatePath(s.Service)
	}
	return ann
}

func percent(f float64) string {
	return strconv.FormatFloat(f*100, 'g', 4, 64) + "%"
}

func window(d time.Duration) string { return c.Window(d) }
