package sliprobe

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Selector is one series selector an SLI reads, as the generated rules read it: a classic histogram's _count and
// its threshold's _bucket rather than the base name.
type Selector struct {
	// Key is the selector's canonical text (sorted matchers, without offset or @): the same selector written
	// twice, or by two SLOs, is probed once.
	Key string
	// Matchers select its series.
	Matchers []*labels.Matcher
}

var promql = parser.NewParser(parser.Options{})

// anyWindow expands {{.window}} in SLI queries: only their selectors matter here.
const anyWindow = 5 * time.Minute

// Selectors returns the selectors whose series s's SLI needs, each once: without any series of one of them the
// SLI has no data, or counts every event as bad (a good-events selector, a histogram's threshold bucket). An
// events SLI's errors selector is left out: an error counter without series means no errors yet, not missing
// data. Every selector of a query (a raw SLI, or events given as {{.window}} queries) counts.
func Selectors(s *slo.SLO) ([]Selector, error) {
	var queries []string
	switch s.SLI.Kind {
	case slo.SLIEvents:
		queries = append(queries, s.SLI.Total)
		if s.SLI.Good != "" {
			queries = append(queries, s.SLI.Good)
		}
	case slo.SLILatency:
		count, err := renamed(s.SLI.Histogram, "_count", nil)
		if err != nil {
			return nil, err
		}
		le := labels.MustNewMatcher(labels.MatchRegexp, "le", generate.LeRegexp(s.SLI.Threshold))
		bucket, err := renamed(s.SLI.Histogram, "_bucket", le)
		if err != nil {
			return nil, err
		}
		return []Selector{count, bucket}, nil
	case slo.SLINativeLatency:
		queries = append(queries, s.SLI.Histogram)
	case slo.SLIProbe:
		queries = append(queries, s.SLI.Success)
	case slo.SLIRaw:
		queries = append(queries, s.SLI.ErrorRatio)
	default:
		return nil, fmt.Errorf("SLI kind %q has no selectors to probe", s.SLI.Kind)
	}
	var out []Selector
	for _, q := range queries {
		sels, err := selectorsOf(q)
		if err != nil {
			return nil, err
		}
		for _, sel := range sels {
			if !slices.ContainsFunc(out, func(o Selector) bool { return o.Key == sel.Key }) {
				out = append(out, sel)
			}
		}
	}
	return out, nil
}

// selectorsOf returns the selectors of a selector or a {{.window}} query.
func selectorsOf(query string) ([]Selector, error) {
	e, err := promql.ParseExpr(slo.ExpandWindow(query, anyWindow))
	if err != nil {
		return nil, fmt.Errorf("couldn't parse the SLI query %q: %w", query, err)
	}
	var out []Selector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, selectorOf(vs.Name, vs.LabelMatchers))
		}
		return nil
	})
	return out, nil
}

// renamed is the selector sel with suffix added to its metric name and an optional extra matcher, as the
// generator reads a classic histogram.
func renamed(sel, suffix string, extra *labels.Matcher) (Selector, error) {
	e, err := promql.ParseExpr(sel)
	if err != nil {
		return Selector{}, fmt.Errorf("couldn't parse the histogram selector %q: %w", sel, err)
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok {
		return Selector{}, fmt.Errorf("the histogram %q is not a series selector", sel)
	}
	name := vs.Name + suffix
	ms := make([]*labels.Matcher, 0, len(vs.LabelMatchers)+1)
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName {
			ms = append(ms, m)
		}
	}
	if extra != nil {
		ms = append(ms, extra)
	}
	return selectorOf(name, append(ms, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name))), nil
}

func selectorOf(name string, ms []*labels.Matcher) Selector {
	return Selector{Key: (&parser.VectorSelector{Name: name, LabelMatchers: ms}).String(), Matchers: ms}
}
