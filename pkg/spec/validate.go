package spec

import (
	"fmt"
	"math"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Defaults applied to what a spec leaves out.
const (
	DefaultPeriod        = 30 * 24 * time.Hour
	MinPeriod            = 24 * time.Hour
	MaxPeriod            = 90 * 24 * time.Hour
	DefaultReviewCadence = 90 * 24 * time.Hour
)

var (
	promql = parser.NewParser(parser.Options{})
	// names of services, owners and SLOs: they appear in group names and IDs.
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]{0,62}[A-Za-z0-9])?$`)
	severityRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
)

type validator struct {
	*decoder
	// failed holds the paths the decoder already reported; checks of a
	// path at or below one of them would only repeat that error.
	failed map[string]bool
}

func newValidator(d *decoder) *validator {
	v := &validator{decoder: d, failed: map[string]bool{}}
	for _, e := range d.errs {
		v.failed[e.Path] = true
	}
	for _, p := range d.mistyped {
		v.failed[p] = true
	}
	return v
}

// at reports a problem at the line of path (or of its closest parent),
// unless the decoder already reported path or a parent of it.
func (v *validator) at(path, format string, args ...any) {
	for p := path; ; {
		if v.failed[p] {
			return
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			if v.failed[""] {
				return
			}
			break
		}
		p = p[:i]
	}
	v.errorf(v.line(path), path, format, args...)
}

func (v *validator) line(path string) int {
	for p := path; ; {
		if l, ok := v.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return v.lines[""]
		}
		p = p[:i]
	}
}

func (v *validator) file(f *File) []entry {
	switch {
	case f.APIVersion == "":
		v.at("apiVersion", "required: set apiVersion: %s", APIVersion)
	case f.APIVersion != APIVersion:
		v.at("apiVersion", "unsupported version %q: this release reads %s", f.APIVersion, APIVersion)
	}
	v.name("service", f.Service)
	v.name("owner", f.Owner)
	layer := slo.Layer(f.Layer)
	if f.Layer == "" {
		v.at("layer", "required: one of product, service, infrastructure")
	} else if !layer.Valid() {
		v.at("layer", "must be one of product, service, infrastructure, got %q", f.Layer)
	}
	v.labels("labels", f.Labels)
	if f.Policy != "" {
		v.name("policy", f.Policy)
	}
	if len(f.SLOs) == 0 {
		v.at("slos", "at least one SLO is required")
	}
	names := map[string]int{}
	var out []entry
	for i := range f.SLOs {
		p := fmt.Sprintf("slos[%d]", i)
		s := v.slo(p, f, &f.SLOs[i], layer)
		if j, dup := names[f.SLOs[i].Name]; dup && f.SLOs[i].Name != "" {
			v.at(p+".name", "SLO name %q is used twice in this file (also slos[%d])", f.SLOs[i].Name, j)
		}
		names[f.SLOs[i].Name] = i
		out = append(out, entry{slo: s, index: i, lines: v.lines})
	}
	return out
}

func (v *validator) name(path, s string) {
	switch {
	case s == "":
		v.at(path, "required")
	case !nameRE.MatchString(s):
		v.at(path, "must be 1-64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got %q", s)
	}
}

func (v *validator) labels(path string, m map[string]string) {
	for k, val := range m {
		p := path + "." + k
		switch {
		case !model.LabelName(k).IsValidLegacy():
			v.at(p, "invalid label name %q: use letters, digits and '_', not starting with a digit", k)
		case strings.HasPrefix(k, "__"):
			v.at(p, "label names starting with __ are reserved for Prometheus")
		case conventions.Reserved[k]:
			v.at(p, "label %q is set by slokeeper and cannot be overridden", k)
		case !model.LabelValue(val).IsValid():
			v.at(p, "label value is not valid UTF-8")
		default:
			if err := templateError(val); err != nil {
				v.at(p, "alerts expand {{ }} in label values as Prometheus templates, and this one does not parse: %s", oneLine(err))
			}
		}
	}
}

func (v *validator) slo(p string, f *File, s *SLO, layer slo.Layer) *slo.SLO {
	out := &slo.SLO{
		Name:        s.Name,
		Service:     f.Service,
		Owner:       f.Owner,
		Layer:       layer,
		Description: strings.TrimSpace(s.Description),
		Rationale:   strings.TrimSpace(s.Rationale),
		Grouping:    s.Grouping,
		Source:      slo.Source{File: v.decoder.file, Line: v.line(p)},
	}
	v.name(p+".name", s.Name)
	out.Policy = f.Policy
	if s.Policy != "" {
		v.name(p+".policy", s.Policy)
		out.Policy = s.Policy
	}
	out.Labels = mergeLabels(f.Labels, s.Labels)
	v.labels(p+".labels", s.Labels)

	if !s.Objective.Set {
		v.at(p+".objective", "required: the target in percent, e.g. 99.9")
	} else if o, err := slo.ParseObjective(s.Objective.Text); err != nil {
		v.at(p+".objective", "%s", err)
	} else if o.Ratio <= 0 || o.Ratio >= 1 || o.Budget <= 0 {
		// In (0,100) as a decimal, but not as a float64 ratio.
		to := "100"
		if o.Ratio <= 0 {
			to = "0"
		}
		v.at(p+".objective", "must be in (0,100), got %s, which rounds to %s in floating point: use fewer digits", s.Objective.Text, to)
	} else {
		out.Objective = o
	}

	out.Period = DefaultPeriod
	if s.Period != nil {
		d := time.Duration(*s.Period)
		if d < MinPeriod || d > MaxPeriod {
			v.at(p+".period", "must be from 1d to 90d, got %s", days(d))
		} else if d%time.Minute != 0 {
			v.at(p+".period", "must be whole minutes, got %s", s.Period)
		}
		out.Period = d
	}

	v.sli(p+".sli", &s.SLI, out)

	if s.Capacity != nil {
		c, err := positive(s.Capacity.EventsPerSecond)
		if err != nil {
			v.at(p+".capacity.eventsPerSecond", "%s", err)
		}
		out.Capacity = c
	}

	for i, d := range s.DependsOn {
		if dep, ok := v.dependency(fmt.Sprintf("%s.dependsOn[%d]", p, i), f.Service, d); ok {
			out.DependsOn = append(out.DependsOn, dep)
		}
	}

	out.Review.Cadence = DefaultReviewCadence
	if r := s.Review; r != nil {
		v.reviewRecord(p+".review", r, out)
		if r.LastReviewed != "" {
			t, err := time.Parse(time.DateOnly, r.LastReviewed)
			if err != nil {
				var why string // e.g. ": day out of range" for 2026-02-30
				if pe, ok := err.(*time.ParseError); ok {
					why = pe.Message
				}
				v.at(p+".review.lastReviewed", "must be a date YYYY-MM-DD, got %q%s", r.LastReviewed, why)
			}
			out.Review.LastReviewed = t
		}
		if r.Cadence != nil {
			c := time.Duration(*r.Cadence)
			if c < 24*time.Hour || c > 366*24*time.Hour {
				v.at(p+".review.cadence", "must be from 1d to 366d, got %s", days(c))
			}
			out.Review.Cadence = c
		}
	}

	if s.MinEvents != nil {
		switch {
		case *s.MinEvents < 0:
			v.at(p+".minEvents", "must not be negative, got %d", *s.MinEvents)
		case out.SLI.Kind == slo.SLIRaw:
			v.at(p+".minEvents", "a raw SLI has no events to count; remove minEvents or use an events SLI")
		}
		out.MinEvents = *s.MinEvents
	}

	seen := map[string]bool{}
	for i, g := range s.Grouping {
		gp := fmt.Sprintf("%s.grouping[%d]", p, i)
		switch {
		case !model.LabelName(g).IsValidLegacy() || strings.HasPrefix(g, "__"):
			v.at(gp, "invalid label name %q", g)
		case conventions.Reserved[g]:
			v.at(gp, "cannot group by %q: slokeeper sets that label", g)
		case seen[g]:
			v.at(gp, "label %q is listed twice", g)
		}
		seen[g] = true
	}

	v.alerting(p+".alerting", s.Alerting, out)
	return out
}

// dependency checks one dependsOn entry and returns it with its id completed (a bare name is of this file's
// service) and its relation defaulted to serial.
func (v *validator) dependency(dp, service string, d Dependency) (slo.Dependency, bool) {
	idPath := dp
	if d.mapping {
		idPath = dp + ".slo"
	}
	ok := true
	rel := slo.RelationSerial
	switch d.Relation {
	case "", string(slo.RelationSerial):
	case string(slo.RelationParallel):
		rel = slo.RelationParallel
	default:
		v.at(dp+".relation", "must be serial (every event needs the dependency) or parallel (one of redundant alternatives), got %q", d.Relation)
		ok = false
	}
	if d.mapping && d.SLO == "" {
		v.at(idPath, "required: the id service/name of the SLO depended on")
		return slo.Dependency{}, false
	}
	id := d.SLO
	if !strings.Contains(id, "/") {
		id = slo.ID(service, id)
	}
	svc, name, _ := strings.Cut(id, "/")
	if !nameRE.MatchString(svc) || !nameRE.MatchString(name) {
		v.at(idPath, "must be an SLO id service/name (or a name of this file), got %q", d.SLO)
		return slo.Dependency{}, false
	}
	return slo.Dependency{ID: id, Relation: rel}, ok
}

// maxReviewer bounds the length of review.reviewer.
const maxReviewer = 100

// reviewRecord checks the decision and the reviewer of a review record.
func (v *validator) reviewRecord(p string, r *Review, out *slo.SLO) {
	if r.Decision != "" {
		d := slo.Decision(r.Decision)
		if !d.Valid() {
			names := make([]string, len(slo.Decisions))
			for i, x := range slo.Decisions {
				names[i] = string(x)
			}
			v.at(p+".decision", "must be one of %s, got %q", strings.Join(names, ", "), r.Decision)
		}
		out.Review.Decision = d
	}
	if r.Reviewer != "" {
		switch {
		case strings.TrimSpace(r.Reviewer) != r.Reviewer || strings.ContainsFunc(r.Reviewer, unicode.IsControl):
			v.at(p+".reviewer", "must be one line without leading or trailing spaces, got %q", r.Reviewer)
		case utf8.RuneCountInString(r.Reviewer) > maxReviewer:
			v.at(p+".reviewer", "must be at most %d characters, got %d", maxReviewer, utf8.RuneCountInString(r.Reviewer))
		}
		out.Review.Reviewer = r.Reviewer
	}
	if (r.Decision != "" || r.Reviewer != "") && r.LastReviewed == "" {
		v.at(p, "a decision or a reviewer records a review: set lastReviewed, the date of that review")
	}
}

func mergeLabels(a, b map[string]string) map[string]string {
	if len(a)+len(b) == 0 {
		return nil
	}
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// days formats d in days when it is whole days, as the limits are stated
// (91d rather than model.Duration's 13w).
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return model.Duration(d).String()
}

func positive(n Number) (float64, error) {
	if !n.Set {
		return 0, fmt.Errorf("required: a number greater than 0")
	}
	// As YAML reads it (0x10, 0o17, 1_000, 1e3), not as fmt.Sscanf does.
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(n.Text, "_", ""))
	if !ok {
		return 0, fmt.Errorf("must be a finite number, got %q", n.Text)
	}
	f, _ := r.Float64()
	if math.IsInf(f, 0) {
		return 0, fmt.Errorf("must be a finite number, got %q", n.Text)
	}
	if f <= 0 {
		return 0, fmt.Errorf("must be greater than 0, got %s", n.Text)
	}
	return f, nil
}

func (v *validator) alerting(p string, a *Alerting, out *slo.SLO) {
	out.Alerting = slo.Alerting{
		Page:   slo.TierAlerting{Severity: conventions.DefaultPageSeverity},
		Ticket: slo.TierAlerting{Severity: conventions.DefaultTicketSeverity},
	}
	if a == nil {
		return
	}
	if a.RunbookURL != "" {
		u, err := url.Parse(a.RunbookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.at(p+".runbookURL", "must be an absolute http(s) URL, got %q", a.RunbookURL)
		} else if err := templateError(a.RunbookURL); err != nil {
			v.at(p+".runbookURL", "becomes the runbook_url annotation, a Prometheus template, and does not parse: %s", oneLine(err))
		}
		out.Alerting.RunbookURL = a.RunbookURL
	}
	v.labels(p+".labels", a.Labels)
	out.Alerting.Labels = a.Labels
	for k := range a.Annotations {
		if !model.LabelName(k).IsValidLegacy() {
			v.at(p+".annotations."+k, "invalid annotation name %q", k)
		}
		if k == "summary" || k == "description" || k == "runbook_url" {
			v.at(p+".annotations."+k, "annotation %q is generated; use alerting.runbookURL for the runbook or another name", k)
		}
		if err := templateError(a.Annotations[k]); err != nil {
			v.at(p+".annotations."+k, "annotations are Prometheus templates, and this one does not parse: %s", oneLine(err))
		}
	}
	out.Alerting.Annotations = a.Annotations
	for _, t := range []struct {
		name string
		in   *Tier
		out  *slo.TierAlerting
	}{{"page", a.Page, &out.Alerting.Page}, {"ticket", a.Ticket, &out.Alerting.Ticket}} {
		if t.in == nil {
			continue
		}
		t.out.Disabled = t.in.Disable
		if t.in.Severity != "" {
			if !severityRE.MatchString(t.in.Severity) {
				v.at(p+"."+t.name+".severity", "must be a lower-case word such as critical, warning or info, got %q", t.in.Severity)
			}
			t.out.Severity = t.in.Severity
		}
	}
	if out.Alerting.Page.Disabled && out.Alerting.Ticket.Disabled {
		v.at(p, "both page and ticket alerts are disabled: the SLO would never alert; enable one of them")
	}
}

func (v *validator) sli(p string, s *SLI, out *slo.SLO) {
	var kinds []string
	if s.Events != nil {
		kinds = append(kinds, "events")
	}
	if s.Latency != nil {
		kinds = append(kinds, "latency")
	}
	if s.NativeLatency != nil {
		kinds = append(kinds, "nativeLatency")
	}
	if s.Raw != nil {
		kinds = append(kinds, "raw")
	}
	if s.Probe != nil {
		kinds = append(kinds, "probe")
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
		e := s.Events
		switch {
		case e.Errors == "" && e.Good == "":
			v.at(p+".events", "one of errors or good is required")
		case e.Errors != "" && e.Good != "":
			v.at(p+".events", "give errors or good, not both")
		}
		if e.Errors != "" {
			v.selectorOrQuery(p+".events.errors", e.Errors)
		}
		if e.Good != "" {
			v.selectorOrQuery(p+".events.good", e.Good)
		}
		if e.Total == "" {
			v.at(p+".events.total", "required: the selector of all events")
		} else {
			v.selectorOrQuery(p+".events.total", e.Total)
		}
		sli.Errors, sli.Good, sli.Total = e.Errors, e.Good, e.Total
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

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
