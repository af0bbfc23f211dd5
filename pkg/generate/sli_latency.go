package generate

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

var promql = parser.NewParser(parser.Options{})

// latencyRates reads a classic histogram: all events from _count, good events
// from the bucket whose le is the threshold.
func latencyRates(s *slo.SLO, w time.Duration, recTotal string) (string, string) {
	count := renamed(s.SLI.Histogram, "_count", nil)
	bucket := renamed(s.SLI.Histogram, "_bucket", labels.MustNewMatcher(labels.MatchRegexp, "le", LeRegexp(s.SLI.Threshold)))
	total := sumBy("sum", s.Grouping, "rate("+rangeOf(count, w)+")")
	good := sumBy("sum", s.Grouping, "rate("+rangeOf(bucket, w)+")")
	like := cmp.Or(recTotal, total)
	// A missing bucket makes every request slow: loud, not silently green.
	return "clamp_min(" + like + " - (" + orZero(good, like) + "), 0)", total
}

// LeRegexp matches every way the bucket boundary v has been written: the
// shortest float form ("0.4"), Prometheus 3's normalised form ("1.0" for 1),
// and trailing zeros of older or other exporters ("0.40", "1.000").
func LeRegexp(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		return regexp.QuoteMeta(s) + `(\.0*)?`
	}
	return regexp.QuoteMeta(s) + `0*`
}

// renamed returns the base selector with suffix added to its metric name and
// an optional extra matcher.
func renamed(sel, suffix string, extra *labels.Matcher) string {
	e, err := promql.ParseExpr(sel)
	if err != nil {
		panic("generate: unvalidated histogram selector " + sel + ": " + err.Error())
	}
	vs := e.(*parser.VectorSelector)
	name := vs.Name + suffix
	var ms []*labels.Matcher
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName {
			ms = append(ms, m)
		}
	}
	if extra != nil {
		ms = append(ms, extra)
	}
	ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name))
	return (&parser.VectorSelector{Name: name, LabelMatchers: ms}).String()
}
