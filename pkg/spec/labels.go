package spec

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The labels and annotations a spec adds to what slokeeper generates: label
// values label recorded series and alerts, annotations are alert templates.

var severityRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// generatedAnnotations are the annotations slokeeper writes itself.
var generatedAnnotations = map[string]bool{
	conventions.AnnotationSummary: true, conventions.AnnotationDescription: true, conventions.AnnotationRunbookURL: true,
}

func (v *validator) labels(path string, m map[string]string) {
	for k, val := range m {
		p := path + "." + k
		switch {
		case !v.maxLen(p, "a label name", k, MaxLabelNameLen):
		case !model.LabelName(k).IsValidLegacy():
			v.at(p, "invalid label name %q: use letters, digits and '_', not starting with a digit", k)
		case strings.HasPrefix(k, "__"):
			v.at(p, "label names starting with __ are reserved for Prometheus")
		case conventions.Reserved[k]:
			v.at(p, "label %q is set by slokeeper and cannot be overridden", k)
		case !model.LabelValue(val).IsValid():
			v.at(p, "label value is not valid UTF-8")
		case !v.maxLen(p, "a label value", val, MaxLabelValueLen):
		default:
			if err := templateError(val); err != nil {
				v.at(p, "alerts expand {{ }} in label values as Prometheus templates, and this one does not parse: %s", oneLine(err))
			}
		}
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

// alerting checks the alerting overrides of an SLO and fills out.Alerting,
// defaults included.
func (v *validator) alerting(p string, a *Alerting, out *slo.SLO) {
	out.Alerting = slo.Alerting{
		Page:   slo.TierAlerting{Severity: conventions.DefaultPageSeverity},
		Ticket: slo.TierAlerting{Severity: conventions.DefaultTicketSeverity},
	}
	if a == nil {
		return
	}
	if a.RunbookURL != "" {
		v.runbookURL(p+".runbookURL", a.RunbookURL)
		out.Alerting.RunbookURL = a.RunbookURL
	}
	v.labels(p+".labels", a.Labels)
	out.Alerting.Labels = a.Labels
	v.annotations(p+".annotations", a.Annotations)
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
			sp := p + "." + t.name + ".severity"
			if v.maxLen(sp, "a severity (a label value)", t.in.Severity, MaxLabelValueLen) && !severityRE.MatchString(t.in.Severity) {
				v.at(sp, "must be a lower-case word such as critical, warning or info, got %q", t.in.Severity)
			}
			t.out.Severity = t.in.Severity
		}
	}
	if out.Alerting.Page.Disabled && out.Alerting.Ticket.Disabled {
		v.at(p, "both page and ticket alerts are disabled: the SLO would never alert; enable one of them")
	}
}

// runbookURL checks alerting.runbookURL, which becomes the runbook_url
// annotation of every alert.
func (v *validator) runbookURL(p, s string) {
	if !v.maxLen(p, "a runbook URL", s, MaxURLLen) {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.at(p, "must be an absolute http(s) URL, got %q", s)
	} else if err := templateError(s); err != nil {
		v.at(p, "becomes the runbook_url annotation, a Prometheus template, and does not parse: %s", oneLine(err))
	}
}

// annotations checks alerting.annotations, Prometheus templates added to
// every alert.
func (v *validator) annotations(path string, m map[string]string) {
	for k, val := range m {
		p := path + "." + k
		switch {
		case !v.maxLen(p, "an annotation name", k, MaxLabelNameLen):
		case !model.LabelName(k).IsValidLegacy():
			v.at(p, "invalid annotation name %q", k)
		case generatedAnnotations[k]:
			v.at(p, "annotation %q is generated; use alerting.runbookURL for the runbook or another name", k)
		case !v.maxLen(p, "an annotation value", val, MaxAnnotationLen):
		default:
			if err := templateError(val); err != nil {
				v.at(p, "annotations are Prometheus templates, and this one does not parse: %s", oneLine(err))
			}
		}
	}
}
