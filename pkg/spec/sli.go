package spec

import (
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// sli checks the one SLI kind of an SLO and fills out.SLI.
func (v *validator) sli(p string, s *SLI, out *slo.SLO) {
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{{"events", s.Events != nil}, {"latency", s.Latency != nil}, {"nativeLatency", s.NativeLatency != nil}, {"raw", s.Raw != nil}, {"probe", s.Probe != nil}} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	switch len(kinds) {
	case 0:
		v.at(p, "required: exactly one of events, latency, nativeLatency, raw, probe")
		return
	case 1:
	default:
		v.at(p, "exactly one SLI kind is allowed, got %s", strings.Join(kinds, " and "))
		return
	}
	sli := &out.SLI
	switch {
	case s.Events != nil:
		sli.Kind = slo.SLIEvents
		v.events(p+".events", s.Events)
		sli.Errors, sli.Good, sli.Total = s.Events.Errors, s.Events.Good, s.Events.Total
	case s.Latency != nil:
		sli.Kind = slo.SLILatency
		sli.Histogram, sli.Threshold = v.latency(p+".latency", s.Latency, true)
	case s.NativeLatency != nil:
		sli.Kind = slo.SLINativeLatency
		sli.Histogram, sli.Threshold = v.latency(p+".nativeLatency", s.NativeLatency, false)
	case s.Raw != nil:
		sli.Kind = slo.SLIRaw
		q := s.Raw.ErrorRatio
		switch {
		case q == "":
			v.at(p+".raw.errorRatio", "required: a query for the error ratio over {{.window}}")
		case !slo.HasWindow(q):
			v.at(p+".raw.errorRatio", "must contain the {{.window}} placeholder, e.g. rate(errors[{{.window}}]) / rate(total[{{.window}}])")
		default:
			v.query(p+".raw.errorRatio", q)
		}
		sli.ErrorRatio = q
	case s.Probe != nil:
		sli.Kind = slo.SLIProbe
		if s.Probe.Success == "" {
			v.at(p+".probe.success", "required: the selector of a 0/1 gauge such as probe_success{job=\"blackbox\"}")
		} else if _, err := selector(s.Probe.Success); err != nil {
			v.at(p+".probe.success", "%s", err)
		}
		sli.Success = s.Probe.Success
	}
}

// events checks an events SLI: errors or good, and total, each a selector or
// a {{.window}} query, and errors (or good) not the very events of total.
func (v *validator) events(p string, e *Events) {
	switch {
	case e.Errors == "" && e.Good == "":
		v.at(p, "one of errors or good is required")
	case e.Errors != "" && e.Good != "":
		v.at(p, "give errors or good, not both")
	}
	var errs, good, total string
	if e.Errors != "" {
		errs = v.selectorOrQuery(p+".errors", e.Errors)
	}
	if e.Good != "" {
		good = v.selectorOrQuery(p+".good", e.Good)
	}
	if e.Total == "" {
		v.at(p+".total", "required: the selector of all events")
	} else {
		total = v.selectorOrQuery(p+".total", e.Total)
	}
	if total == "" {
		return // missing or invalid: reported above
	}
	switch total {
	case errs:
		v.at(p+".errors", "is the same expression as total: every event would count as an error and the SLI would be 100%% bad; "+
			"select only the failed events, e.g. total's selector with a matcher such as code=~\"5..\"")
	case good:
		v.at(p+".good", "is the same expression as total: every event would count as good and the SLO could never spend its budget; "+
			"select only the successful events, e.g. total's selector with a matcher such as code!~\"5..\"")
	}
}

// latency checks a histogram SLI and returns its selector with the base
// metric name (without _bucket or _count) and the threshold in seconds.
func (v *validator) latency(p string, l *Latency, classic bool) (string, float64) {
	var sel string
	if l.Histogram == "" {
		v.at(p+".histogram", "required: the histogram's selector, e.g. http_request_duration_seconds{job=\"api\"}")
	} else if vs, err := selector(l.Histogram); err != nil {
		v.at(p+".histogram", "%s", err)
	} else {
		name := vs.Name
		if classic {
			name = strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count")
		}
		ok := true
		for _, m := range vs.LabelMatchers {
			if m.Name == "le" {
				v.at(p+".histogram", "must not match le: slokeeper selects the bucket of the threshold itself")
				ok = false
			}
		}
		if ok {
			sel = withName(vs, name)
		}
	}
	var th float64
	switch {
	case l.Threshold == nil:
		if classic {
			v.at(p+".threshold", "required: a duration that is one of the histogram's bucket boundaries (le), e.g. 400ms")
		} else {
			v.at(p+".threshold", "required: a duration, e.g. 400ms")
		}
	case *l.Threshold <= 0:
		v.at(p+".threshold", "must be greater than 0")
	default:
		th = time.Duration(*l.Threshold).Seconds()
	}
	return sel, th
}

// withName prints vs with its metric name replaced by name, matchers sorted.
func withName(vs *parser.VectorSelector, name string) string {
	var ms []*labels.Matcher
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName {
			ms = append(ms, m)
		}
	}
	out := &parser.VectorSelector{Name: name, LabelMatchers: append(ms, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name))}
	return out.String()
}
