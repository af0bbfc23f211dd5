package budget_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// The selectors that match no series and the problem are in the JSON under the conventions' names: [] and ""
// when nothing is missing.
func TestStatusJSONMissingSeries(t *testing.T) {
	decode := func(s budget.Status) map[string]any {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	m := decode(budget.Status{SLO: "a", MissingSeries: []string{`x_total{job="a"}`}, Problem: "no series match x_total"})
	require.Equal(t, []any{`x_total{job="a"}`}, m[conventions.APIMissingSeries])
	require.Equal(t, "no series match x_total", m[conventions.APIProblem])
	m = decode(budget.Status{SLO: "a"})
	require.Equal(t, []any{}, m[conventions.APIMissingSeries])
	require.Equal(t, "", m[conventions.APIProblem])
}
