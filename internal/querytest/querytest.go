// Package querytest runs PromQL queries for tests: an instant query whose errors and warnings fail the test, and
// whose result outlives the query. It owns no part of what the daemon runs and must not know the engine's
// configuration (its callers pass their engine) or what the results mean; no non-test code imports it.
package querytest

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/require"
)

// Instant runs expr at ts with engine over q; an error or any annotation (a warning, an info) fails t. A matrix is
// copied: closing the query returns its points to the engine's pools, where other queries would reuse them.
func Instant(t testing.TB, engine promql.QueryEngine, q storage.Queryable, expr string, ts time.Time) parser.Value {
	t.Helper()
	qry, err := engine.NewInstantQuery(t.Context(), q, nil, expr, ts)
	require.NoError(t, err, expr)
	defer qry.Close()
	res := qry.Exec(t.Context())
	require.NoError(t, res.Err, expr)
	require.Empty(t, res.Warnings.AsErrors(), "query %s", expr)
	if m, ok := res.Value.(promql.Matrix); ok {
		out := make(promql.Matrix, len(m))
		for i, s := range m {
			out[i] = promql.Series{Metric: s.Metric, Floats: slices.Clone(s.Floats), Histograms: slices.Clone(s.Histograms)}
		}
		return out
	}
	return res.Value
}

// Vector is Instant for a query whose result is an instant vector; any other result fails t.
func Vector(t testing.TB, engine promql.QueryEngine, q storage.Queryable, expr string, ts time.Time) promql.Vector {
	t.Helper()
	v, ok := Instant(t, engine, q, expr, ts).(promql.Vector)
	require.True(t, ok, "query %s: not an instant vector", expr)
	return v
}
