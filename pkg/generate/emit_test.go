package generate

import (
	"log/slog"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The emitter's output decodes to exactly the groups it was given, with
// every kind of awkward string a spec can put into a label or annotation.
func TestEmitterRoundTrip(t *testing.T) {
	awkward := []string{
		"true", "no", "null", "~", "14.4", "1e3", "0x10", "5m", "1h30m", "-", "- x", "a: b", "a #b", "#x",
		"'quoted'", `"double"`, "tab\there", "new\nline", "trailing ", " leading", "ünïcödé ✓", "{{ $value }}",
		"[list]", "{map}", "&anchor", "*alias", "!tag", "%", "@", "`", "|", ">", "a\\b", "\x00bin", "",
	}
	ann := map[string]string{}
	lbl := map[string]string{}
	for i, s := range awkward {
		ann["a"+string(rune('a'+i))] = s
		if s != "" && !containsControl(s) {
			lbl["l"+string(rune('a'+i))] = s
		}
	}
	groups := []rulefmt.RuleGroup{{
		Name:     "g: 'x' #1",
		Interval: model.Duration(600e9),
		Rules: []rulefmt.Rule{
			{Record: "slo:x:rate5m", Expr: `sum(rate(x{a="b",c=~"5.."}[5m])) or vector(0)`, Labels: lbl},
			{Alert: "A", Expr: "x > 1\nand\ny > 2", Labels: map[string]string{"severity": "critical"}, Annotations: ann},
			{Alert: "B", Expr: "x > 1\n  and y", For: model.Duration(300e9)},
		},
	}}
	body := append(Head(FormatPrometheus, "x"), emitGroups(FormatPrometheus, groups)...)
	got, errs := rulefmt.Parse(body, false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
	require.Empty(t, errs, string(body))
	require.Equal(t, groups, got.Groups, string(body))

	var op struct {
		Spec rulefmt.RuleGroups `yaml:"spec"`
		Meta struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	}
	require.NoError(t, yaml.Unmarshal(append(Head(FormatPrometheusOperator, "true"), emitGroups(FormatPrometheusOperator, groups)...), &op))
	require.Equal(t, groups, op.Spec.Groups)
	require.Equal(t, "true", op.Meta.Name)
}

func containsControl(s string) bool {
	for _, r := range s {
		if r < 0x20 {
			return true
		}
	}
	return false
}
