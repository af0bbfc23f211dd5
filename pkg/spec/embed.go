package spec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	promqlengine "github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The generator embeds what a spec says into rules without parsing the rules
// again: every string that reaches a rule is checked here, the way
// Prometheus' rule loader (rulefmt) checks it, so that a rule file written
// from valid specs always loads. The shapes around these strings are proven
// by pkg/generate's tests.

// templateError is the error Prometheus' rule loader reports for text used
// as an alert's label or annotation value, or nil. Text without "{{" is
// plain text and always valid.
func templateError(text string) error {
	if !strings.Contains(text, "{{") {
		return nil
	}
	// The variables rulefmt defines before parsing, so that templates may use them.
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(map[string]string{}, map[string]string{}, "", promqlengine.Sample{})
	return template.NewTemplateExpander(context.Background(), defs+text, "__alert_check", data, model.Time(0), nil, nil, nil).ParseTest()
}

// hasComment reports whether PromQL text holds a # comment, which would
// comment out the rest of any expression it is embedded in.
func hasComment(text string) bool {
	if !strings.Contains(text, "#") {
		return false
	}
	l := parser.Lex(text)
	var it parser.Item
	for {
		l.NextItem(&it)
		switch it.Typ {
		case parser.COMMENT:
			return true
		case parser.EOF, parser.ERROR:
			return false
		}
	}
}

// selector parses s as a plain series selector with a metric name.
func selector(s string) (*parser.VectorSelector, error) {
	if strings.Contains(s, "{{") {
		return nil, fmt.Errorf("must be a series selector, not a template")
	}
	if hasComment(s) {
		return nil, errComment
	}
	e, err := promql.ParseExpr(s)
	if err != nil {
		return nil, fmt.Errorf("invalid PromQL: %s", oneLine(err))
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok {
		return nil, fmt.Errorf("must be a series selector such as metric{label=\"value\"}, got %s expression", describeExpr(e))
	}
	if vs.Name == "" {
		return nil, fmt.Errorf("must name the metric, e.g. http_requests_total{...}")
	}
	if vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		return nil, fmt.Errorf("must not use offset or @")
	}
	return vs, nil
}

// errComment rejects a # comment in a selector or query.
var errComment = errors.New("must not contain a # comment: slokeeper embeds it in larger expressions, where it would comment out the rest of the line")

func describeExpr(e parser.Expr) string {
	switch e.(type) {
	case *parser.MatrixSelector:
		return "a range"
	case *parser.Call:
		return "a function call"
	case *parser.AggregateExpr:
		return "an aggregation"
	case *parser.BinaryExpr:
		return "a binary"
	}
	return "a " + string(e.Type())
}

// checkWindow is the range {{.window}} stands for when a query is checked.
const checkWindow = 5 * time.Minute

// selectorOrQuery accepts a plain selector (slokeeper wraps it in
// sum(rate(…))) or a query over {{.window}} that returns per-second rates.
// It returns the rate the generator sums, as PromQL prints it (whitespace,
// matcher order and parentheses around the whole do not change it), or ""
// when s is not valid.
func (v *validator) selectorOrQuery(p, s string) string {
	if slo.HasWindow(s) || strings.Contains(s, "{{") {
		return v.query(p, s)
	}
	vs, err := selector(s)
	if err != nil {
		if _, perr := promql.ParseExpr(s); perr != nil || errors.Is(err, errComment) {
			v.at(p, "%s", err) // a syntax error: alternatives would not help
			return ""
		}
		v.at(p, "%s, or a query that contains {{.window}}", err)
		return ""
	}
	return "rate(" + vs.String() + "[" + model.Duration(checkWindow).String() + "])"
}

// query parses a template query with a sample window. It returns the query
// with the window expanded, as PromQL prints it, or "" when it is not valid.
func (v *validator) query(p, q string) string {
	expanded := slo.ExpandWindow(q, checkWindow)
	if strings.Contains(expanded, "{{") {
		v.at(p, "only the {{.window}} placeholder is supported")
		return ""
	}
	if hasComment(expanded) {
		v.at(p, "%s", errComment)
		return ""
	}
	e, err := promql.ParseExpr(expanded)
	if err != nil {
		v.at(p, "invalid PromQL (with {{.window}} as %s): %s", model.Duration(checkWindow), oneLine(err))
		return ""
	}
	if e.Type() != parser.ValueTypeVector {
		v.at(p, "must return an instant vector, got %s", e.Type())
		return ""
	}
	for {
		pe, ok := e.(*parser.ParenExpr)
		if !ok {
			return e.String()
		}
		e = pe.Expr
	}
}
