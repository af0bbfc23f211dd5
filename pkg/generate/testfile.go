package generate

import (
	"strconv"
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

// testEvalInterval is the evaluation interval of the test files.
const testEvalInterval = time.Minute

// TestFile renders a promtool unit-test file for the rule file rulesName of
// slos: TestHead followed by TestChunk of all of slos. Per SLO it proves:
// each page fires no earlier than an evaluation before the SRE Workbook's
// detection time and by two scrapes and an evaluation after it; a steady
// burn exactly at the objective never pages (and spends exactly the
// budget); a slow burn tickets without paging; zero traffic raises nothing
// and records no NaN or ±Inf; the review ticket fires for an SLO never
// reviewed.
func TestFile(slos []*slo.SLO, o Options, rulesName string) []byte {
	return append(TestHead(rulesName), TestChunk(slos, o)...)
}

// TestHead is the start of the unit-test file of the rule file rulesName, up
// to its list of test groups.
func TestHead(rulesName string) []byte {
	var e emitter
	e.b.WriteString(Header)
	e.line(0, "rule_files:")
	e.item(2, rulesName)
	e.line(0, "evaluation_interval: "+model.Duration(testEvalInterval).String())
	e.line(0, "tests:")
	return e.b.Bytes()
}

// TestChunk renders the test groups of slos as items of the tests list.
// Chunks of consecutive SLOs concatenated after TestHead make the file.
func TestChunk(slos []*slo.SLO, o Options) []byte {
	var e emitter
	for _, s := range slos {
		t := newScenarios(s, o)
		var groups []testGroup
		groups = append(groups, t.detection()...)
		groups = append(groups, t.steadyBurn()...)
		groups = append(groups, t.slowBurn()...)
		groups = append(groups, t.zeroTraffic(), t.reviewOverdue())
		for _, g := range groups {
			e.testGroup(g)
		}
	}
	return e.b.Bytes()
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
