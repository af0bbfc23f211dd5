package evaluator

import (
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/parser/posrange"
)

// textExpr is a rule's expression as the rules manager keeps it: its text and its type, not its syntax tree.
// The manager uses a rule's expression only as text (it prints it at every evaluation for the query function,
// which the engine parses again, and in the rule's YAML); the tree the validation parsed is dropped. At 1,000
// SLOs the trees of the stitched windows, a vector selector with its matchers per back-to-back rate, were the
// largest thing in the daemon's heap (about 50 MiB). Nothing may walk it (parser.Inspect panics on it): the only
// walker in the manager, the analysis of dependencies between rules, is off (noDependencies).
type textExpr struct {
	text string
	typ  parser.ValueType
}

func (e textExpr) String() string    { return e.text }
func (e textExpr) Pretty(int) string { return e.text }
func (e textExpr) PositionRange() posrange.PositionRange {
	return posrange.PositionRange{End: posrange.Pos(len(e.text))}
}
func (e textExpr) Type() parser.ValueType { return e.typ }
func (textExpr) PromQLExpr()              {}
