package generate

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The promtool unit-test file format (cmd/promtool/unittest.go), the parts
// slokeeper writes.
type (
	testGroup struct {
		Name        string
		Interval    model.Duration
		InputSeries []inputSeries
		PromQLTests []promqlTestCase
	}
	inputSeries struct {
		Series string
		Values string
	}
	promqlTestCase struct {
		Expr       string
		EvalTime   model.Duration
		ExpSamples []expSample
	}
	expSample struct {
		Labels string
		Value  float64
	}
)

// testEvalInterval is the evaluation interval of the main test file: the
// base window, a fifth of the evaluations of 1 minute, so that the tests of a
// file of many SLOs stay quick.
const testEvalInterval = 5 * time.Minute

// Suite is one of the two promtool test files written for a rule file.
type Suite struct {
	// Suffix follows the spec file's base name in the test file's name.
	Suffix string
	eval   time.Duration
	fast   bool
}

var (
	// MainTests holds every scenario but the fastest page's detection,
	// evaluated every 5 minutes.
	MainTests = Suite{Suffix: ".test.yml", eval: testEvalInterval}
	// FastPageTests holds the fastest page's detection, evaluated every minute
	// as a ruler does: at 5 minutes, a page window averaging overlapping base
	// rates would be as prompt as a stitched one, and a test could not tell them
	// apart.
	FastPageTests = Suite{Suffix: ".fast.test.yml", eval: time.Minute, fast: true}
	// Suites are the test files of a rule file.
	Suites = []Suite{MainTests, FastPageTests}
)

// groups are the test groups of one SLO in suite u.
func (u Suite) groups(t *scenarios) []testGroup {
	if u.fast {
		return t.detection(u.eval, true)
	}
	gs := t.detection(u.eval, false)
	gs = append(gs, t.steadyBurn()...)
	gs = append(gs, t.slowBurn()...)
	gs = append(gs, t.zeroTraffic())
	return append(gs, t.reviewOverdue()...)
}

// TestFile renders the promtool unit-test file of suite u for the rule file
// rulesName of slos: TestHead followed by TestChunk of all of slos. Per SLO
// the suites prove: each page fires by the SRE Workbook's detection time
// plus a scrape and a minute, and not at the evaluation before; a steady
// burn exactly at the objective never pages (and spends exactly the
// budget); a slow burn tickets without paging; zero traffic raises nothing
// and records no NaN or ±Inf; the review ticket of an SLO without a review
// date waits one cadence from the first evaluation.
func TestFile(slos []*slo.SLO, o Options, rulesName string, u Suite) []byte {
	return append(TestHead(slos, o, rulesName, u), TestChunk(slos, o, u)...)
}

// TestHead is the start of the unit-test file of suite u for the rule file
// rulesName of slos, up to its list of test groups. It orders the groups as
// the rule file does (promtool evaluates groups in an order of its own
// choosing otherwise, a new one each run): each SLO's sli, tiles, then budget
// group.
func TestHead(slos []*slo.SLO, o Options, rulesName string, u Suite) []byte {
	var e emitter
	e.b.WriteString(Header)
	e.line(0, "rule_files:")
	e.item(2, rulesName)
	e.line(0, "evaluation_interval: "+model.Duration(u.eval).String())
	e.line(0, "group_eval_order:")
	seen := map[string]bool{}
	for _, s := range slos {
		sli, tiles, budget := o.GroupNames(s)
		for _, name := range []string{sli, tiles, budget} {
			if !seen[name] { // grouped by service, SLOs share their groups
				seen[name] = true
				e.item(2, name)
			}
		}
	}
	e.line(0, "tests:")
	return e.b.Bytes()
}

// TestChunk renders the test groups of slos in suite u as items of the tests
// list. promtool evaluates every rule of the file in every test group, so the
// SLOs whose input series no other SLO of the batch reads share their test
// groups (see batches): give it every SLO of the file at once, or the tests
// cost the square of the SLOs per file.
func TestChunk(slos []*slo.SLO, o Options, u Suite) []byte {
	all := make([]*scenarios, len(slos))
	for i, s := range slos {
		all[i] = newScenarios(s, o)
	}
	var e emitter
	for _, batch := range batches(all, u) {
		per := make([][]testGroup, len(batch))
		n := 0
		for i, t := range batch {
			per[i] = u.groups(t)
			n = max(n, len(per[i]))
		}
		for j := range n {
			var parts []testGroup
			for _, gs := range per {
				if j < len(gs) {
					parts = append(parts, gs[j])
				}
			}
			e.testGroup(mergeGroups(parts))
		}
	}
	return e.b.Bytes()
}

// mergeGroups joins test groups of different SLOs (with the same input interval) into one.
func mergeGroups(parts []testGroup) testGroup {
	if len(parts) == 1 {
		return parts[0]
	}
	names := make([]string, len(parts))
	out := testGroup{Interval: parts[0].Interval}
	for i, p := range parts {
		names[i] = p.Name
		out.InputSeries = append(out.InputSeries, p.InputSeries...)
		out.PromQLTests = append(out.PromQLTests, p.PromQLTests...)
	}
	out.Name = strings.Join(names, "; ")
	return out
}

// testGroup writes one item of the tests list.
func (e *emitter) testGroup(g testGroup) {
	e.field(2, "- ", "name", g.Name)
	e.line(4, "interval: "+g.Interval.String())
	if len(g.InputSeries) == 0 {
		e.line(4, "input_series: []")
	} else {
		e.line(4, "input_series:")
		for _, s := range g.InputSeries {
			e.field(6, "- ", "series", s.Series)
			e.field(8, "", "values", s.Values)
		}
	}
	e.line(4, "promql_expr_test:")
	for _, c := range g.PromQLTests {
		e.field(6, "- ", "expr", c.Expr)
		e.line(8, "eval_time: "+c.EvalTime.String())
		if len(c.ExpSamples) == 0 {
			e.line(8, "exp_samples: []")
			continue
		}
		e.line(8, "exp_samples:")
		for _, x := range c.ExpSamples {
			e.field(10, "- ", "labels", x.Labels)
			e.line(12, "value: "+strconv.FormatFloat(x.Value, 'g', -1, 64))
		}
	}
}
