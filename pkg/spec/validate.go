package spec

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"
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

var promql = parser.NewParser(parser.Options{})

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
		v.at("apiVersion", "unsupported version %s: this release reads %s", quote(f.APIVersion), APIVersion)
	}
	v.name("service", f.Service)
	v.name("owner", f.Owner)
	layer := slo.Layer(f.Layer)
	if f.Layer == "" {
		v.at("layer", "required: one of product, service, infrastructure")
	} else if !layer.Valid() {
		v.at("layer", "must be one of product, service, infrastructure, got %s", quote(f.Layer))
	}
	v.maxLen("description", "a description", f.Description, MaxDescriptionLen)
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
		v.at(path, "%s, got %s", nameRule, quote(s))
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
	v.maxLen(p+".description", "a description (a label of the SLO's info series)", s.Description, MaxDescriptionLen)
	v.maxLen(p+".rationale", "a rationale (a label of the SLO's info series)", s.Rationale, MaxDescriptionLen)
	out.Policy = f.Policy
	if s.Policy != "" {
		v.name(p+".policy", s.Policy)
		out.Policy = s.Policy
	}
	out.Labels = mergeLabels(f.Labels, s.Labels)
	v.labels(p+".labels", s.Labels)
	out.Objective = v.objective(p+".objective", s.Objective)
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
	if s.Review != nil {
		v.review(p+".review", s.Review, out)
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
	v.grouping(p, s.Grouping)
	v.alerting(p+".alerting", s.Alerting, out)
	v.exclusions(p+".exclusions", s.Exclusions, out)
	return out
}

// objective checks the objective, a percentage in (0,100) that stays in it
// as a float64 ratio.
func (v *validator) objective(p string, n Number) slo.Objective {
	if !n.Set {
		v.at(p, "required: the target in percent, e.g. 99.9")
		return slo.Objective{}
	}
	o, err := slo.ParseObjective(n.Text)
	switch {
	case err != nil:
		v.at(p, "%s", err)
	case o.Ratio <= 0 || o.Ratio >= 1 || o.Budget <= 0:
		// In (0,100) as a decimal, but not as a float64 ratio.
		to := "100"
		if o.Ratio <= 0 {
			to = "0"
		}
		v.at(p, "must be in (0,100), got %s, which rounds to %s in floating point: use fewer digits", n.Text, to)
	case o.Ratio*100 < MinObjective:
		hint := ""
		if o.Ratio < 0.01 {
			hint = fmt.Sprintf(": objectives are percentages; for the ratio %s, write %s", n.Text, asPercent(n.Text))
		}
		v.at(p, "must be at least %d (percent), got %s%s", MinObjective, n.Text, hint)
	default:
		return o
	}
	return slo.Objective{}
}

// asPercent writes the decimal ratio text (e.g. "0.999") as a percentage with no needless digits ("99.9").
func asPercent(ratio string) string {
	r, ok := new(big.Rat).SetString(ratio)
	if !ok {
		return ratio
	}
	digits := 0
	if _, frac, found := strings.Cut(ratio, "."); found {
		digits = max(0, len(frac)-2)
	}
	return r.Mul(r, big.NewRat(100, 1)).FloatString(digits)
}

// grouping checks the labels an SLO is grouped by.
func (v *validator) grouping(p string, grouping []string) {
	seen := map[string]bool{}
	for i, g := range grouping {
		gp := fmt.Sprintf("%s.grouping[%d]", p, i)
		switch {
		case !v.maxLen(gp, "a label name", g, MaxLabelNameLen):
		case !model.LabelName(g).IsValidLegacy() || strings.HasPrefix(g, "__"):
			v.at(gp, "invalid label name %q", g)
		case conventions.Reserved[g]:
			v.at(gp, "cannot group by %q: slokeeper sets that label", g)
		case seen[g]:
			v.at(gp, "label %q is listed twice", g)
		}
		seen[g] = true
	}
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
		v.at(dp+".relation", "must be serial (every event needs the dependency) or parallel (one of redundant alternatives), got %s", quote(d.Relation))
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
		v.at(idPath, "must be an SLO id service/name (or a name of this file), got %s", quote(d.SLO))
		return slo.Dependency{}, false
	}
	return slo.Dependency{ID: id, Relation: rel}, ok
}

// review checks an SLO's review bookkeeping and fills out.Review.
func (v *validator) review(p string, r *Review, out *slo.SLO) {
	v.reviewRecord(p, r, out)
	out.Review.LastReviewed, _ = v.date(p+".lastReviewed", r.LastReviewed)
	if agreed, ok := v.date(p+".agreed", r.Agreed); ok {
		last := out.Review.LastReviewed
		switch {
		// Today anywhere on Earth: east of UTC, today may be tomorrow in UTC.
		case agreed.After(time.Now().Add(maxUTCOffset)):
			v.at(p+".agreed", "%s is in the future: set the date this SLO was agreed, today or earlier", r.Agreed)
		case !last.IsZero() && agreed.After(last):
			v.at(p+".agreed", "%s is after lastReviewed %s: an SLO is reviewed after it is agreed; correct either date", r.Agreed, r.LastReviewed)
		}
		out.Review.Agreed = agreed
	}
	if r.Cadence != nil {
		c := time.Duration(*r.Cadence)
		if c < 24*time.Hour || c > 366*24*time.Hour {
			v.at(p+".cadence", "must be from 1d to 366d, got %s", days(c))
		}
		out.Review.Cadence = c
	}
}

// maxUTCOffset is the largest offset of a time zone from UTC (Kiribati's, UTC+14).
const maxUTCOffset = 14 * time.Hour

// date parses the date text at path p, YYYY-MM-DD; ok is false when text is empty or not a date (reported).
func (v *validator) date(p, text string) (t time.Time, ok bool) {
	if text == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, text)
	if err != nil {
		var why string // e.g. ": day out of range" for 2026-02-30
		if pe, ok := err.(*time.ParseError); ok {
			why = pe.Message
		}
		v.at(p, "must be a date YYYY-MM-DD, got %s%s", quote(text), why)
		return time.Time{}, false
	}
	return t, true
}

// reviewRecord checks the decision and the reviewer of a review record.
func (v *validator) reviewRecord(p string, r *Review, out *slo.SLO) {
	if r.Decision != "" {
		d := slo.Decision(r.Decision)
		if !d.Valid() {
			names := make([]string, len(slo.Decisions))
			for i, x := range slo.Decisions {
				names[i] = string(x)
			}
			v.at(p+".decision", "must be one of %s, got %s", strings.Join(names, ", "), quote(r.Decision))
		}
		out.Review.Decision = d
	}
	if r.Reviewer != "" {
		switch {
		case utf8.RuneCountInString(r.Reviewer) > MaxReviewerLen:
			v.at(p+".reviewer", "must be at most %d characters, got %d", MaxReviewerLen, utf8.RuneCountInString(r.Reviewer))
		case strings.TrimSpace(r.Reviewer) != r.Reviewer || strings.ContainsFunc(r.Reviewer, unicode.IsControl):
			v.at(p+".reviewer", "must be one line without leading or trailing spaces, got %q", r.Reviewer)
		}
		out.Review.Reviewer = r.Reviewer
	}
	if (r.Decision != "" || r.Reviewer != "") && r.LastReviewed == "" {
		v.at(p, "a decision or a reviewer records a review: set lastReviewed, the date of that review")
	}
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

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
