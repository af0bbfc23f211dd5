package spec_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/spec"
)

// limitSpec is a valid spec with top inserted at line 5 (a field of the
// file) and field at line 10 (a field of its one SLO).
func limitSpec(service, name, top, field string) []byte {
	return fmt.Appendf(nil, "apiVersion: slokeeper/v1\nservice: %s\nowner: o\nlayer: service\n%s\nslos:\n"+
		"  - name: %s\n    objective: 99.9\n    sli: {probe: {success: up}}\n%s\n", service, top, name, field)
}

// Every string that reaches a label, an annotation or an id is bounded: at
// its limit it loads, one byte more is an error naming line, field and limit.
func TestLengthLimits(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name  string
		limit int
		// top or field of the spec, holding a string of n bytes
		top, field func(n int) string
		line       int
		path, what string
	}{
		{"file description", spec.MaxDescriptionLen, func(n int) string { return "description: " + a(n) }, nil, 5, "description", "a description"},
		{"description", spec.MaxDescriptionLen, nil, func(n int) string { return "    description: " + a(n) }, 10,
			"slos[0].description", "a description (a label of the SLO's info series)"},
		{"rationale", spec.MaxDescriptionLen, nil, func(n int) string { return "    rationale: " + a(n) }, 10,
			"slos[0].rationale", "a rationale (a label of the SLO's info series)"},
		{"file label value", spec.MaxLabelValueLen, func(n int) string { return "labels: {team: " + a(n) + "}" }, nil, 5, "labels.team", "a label value"},
		{"label value", spec.MaxLabelValueLen, nil, func(n int) string { return "    labels: {team: " + a(n) + "}" }, 10, "slos[0].labels.team", "a label value"},
		{"label name", spec.MaxLabelNameLen, nil, func(n int) string { return "    labels: {" + a(n) + ": x}" }, 10, "slos[0].labels." + a(spec.MaxLabelNameLen+1), "a label name"},
		{"alert label value", spec.MaxLabelValueLen, nil, func(n int) string { return "    alerting: {labels: {team: " + a(n) + "}}" }, 10,
			"slos[0].alerting.labels.team", "a label value"},
		{"annotation value", spec.MaxAnnotationLen, nil, func(n int) string { return "    alerting: {annotations: {dashboard: " + a(n) + "}}" }, 10,
			"slos[0].alerting.annotations.dashboard", "an annotation value"},
		{"annotation name", spec.MaxLabelNameLen, nil, func(n int) string { return "    alerting: {annotations: {" + a(n) + ": x}}" }, 10,
			"slos[0].alerting.annotations." + a(spec.MaxLabelNameLen+1), "an annotation name"},
		{"runbook URL", spec.MaxURLLen, nil, func(n int) string {
			return "    alerting: {runbookURL: https://r.example/" + a(n-len("https://r.example/")) + "}"
		}, 10,
			"slos[0].alerting.runbookURL", "a runbook URL"},
		{"severity", spec.MaxLabelValueLen, nil, func(n int) string { return "    alerting: {page: {severity: " + a(n) + "}}" }, 10,
			"slos[0].alerting.page.severity", "a severity (a label value)"},
		{"grouping", spec.MaxLabelNameLen, nil, func(n int) string { return "    grouping: [" + a(n) + "]" }, 10, "slos[0].grouping[0]", "a label name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func(n int) []byte {
				top, field := "policy: p", ""
				if tc.top != nil {
					top = tc.top(n)
				}
				if tc.field != nil {
					field = tc.field(n)
				}
				return limitSpec("s", "a", top, field)
			}
			_, err := spec.Parse("inline.yaml", build(tc.limit))
			require.NoError(t, err, "at the limit")
			_, err = spec.Parse("inline.yaml", build(tc.limit+1))
			require.EqualError(t, err, fmt.Sprintf("inline.yaml:%d: %s: %s must be at most %d bytes, got %d: shorten it",
				tc.line, tc.path, tc.what, tc.limit, tc.limit+1))
		})
	}
}

// Names (service, owner, policy, SLO) are bounded by their pattern; an error
// about a long value quotes only its start.
func TestNameLimits(t *testing.T) {
	name := strings.Repeat("n", spec.MaxNameLen)
	_, err := spec.Parse("inline.yaml", limitSpec(name, name, "policy: "+name, ""))
	require.NoError(t, err)

	long := strings.Repeat("n", spec.MaxNameLen+1)
	rule := `must be 1-64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got "` + long + `"`
	_, err = spec.Parse("inline.yaml", limitSpec(long, long, "policy: "+long, ""))
	require.EqualError(t, err, "inline.yaml:2: service: "+rule+"\ninline.yaml:5: policy: "+rule+"\ninline.yaml:7: slos[0].name: "+rule)

	huge := strings.Repeat("x", 10<<20)
	_, err = spec.Parse("inline.yaml", limitSpec("s", "a", "policy: p", "    dependsOn: ["+huge+"]"))
	require.EqualError(t, err, `inline.yaml:10: slos[0].dependsOn[0]: must be an SLO id service/name (or a name of this file), got "`+
		strings.Repeat("x", 80)+`"… (10485760 bytes)`)
}

// review.reviewer is bounded in characters, not bytes: names are written in
// every script.
func TestReviewerLimit(t *testing.T) {
	review := func(n int) string {
		return `    review: {lastReviewed: "2026-01-02", reviewer: ` + strings.Repeat("é", n) + "}"
	}
	_, err := spec.Parse("inline.yaml", limitSpec("s", "a", "policy: p", review(spec.MaxReviewerLen)))
	require.NoError(t, err)
	_, err = spec.Parse("inline.yaml", limitSpec("s", "a", "policy: p", review(spec.MaxReviewerLen+1)))
	require.EqualError(t, err, "inline.yaml:10: slos[0].review.reviewer: must be at most 100 characters, got 101")
}
