package evaluator

import (
	"testing"

	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The rules manager keeps each rule's text, not its syntax tree (textExpr): the generated text, with the type the
// parser found, shared by rules of the same text.
func TestManagerKeepsRuleTextOnly(t *testing.T) {
	f := newFixture(t, nil)
	s := availabilitySLO()
	groups := generate.Groups([]*slo.SLO{s}, generate.Options{})
	require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{specID: groups}))
	texts := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			texts[r.Expr] = true
		}
	}
	n := 0
	for _, g := range f.ev.RuleGroups() {
		for _, r := range g.Rules() {
			e, ok := r.Query().(textExpr)
			require.True(t, ok, "rule %s holds a %T", r.Name(), r.Query())
			require.True(t, texts[e.String()], "rule %s: not a generated text: %s", r.Name(), e)
			parsed, err := parser.NewParser(parser.Options{}).ParseExpr(e.String())
			require.NoError(t, err)
			require.Equal(t, parsed.Type(), e.Type(), r.Name())
			n++
		}
	}
	require.Greater(t, n, 20)
}
