package review

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/evaluator"
)

// The daemon's TSDB is read while the daemon runs: samples still in its head and write-ahead log are seen,
// nothing is locked, and the sandbox is gone after Close.
func TestReadOnlyWhileOpen(t *testing.T) {
	dir := t.TempDir()
	live, err := tsdb.Open(dir, promslog.NewNopLogger(), nil, tsdb.DefaultOptions(), nil)
	require.NoError(t, err)
	defer live.Close()
	end := time.Now().Truncate(time.Minute)
	app := live.Appender(t.Context())
	l := labels.FromStrings("__name__", "requests_total", "job", "x")
	for i := range 120 {
		_, err := app.Append(0, l, end.Add(time.Duration(i-119)*time.Minute).UnixMilli(), float64(60*i))
		require.NoError(t, err)
	}
	require.NoError(t, app.Commit())

	ro, err := OpenReadOnly(dir, nil)
	require.NoError(t, err)
	q := &querier{engine: evaluator.NewEngine(promslog.NewNopLogger(), nil, parser.NewParser(parser.Options{}), time.Minute), queryable: ro}
	var got float64
	require.NoError(t, q.instantQuery(t.Context(), "sum(rate(requests_total[1h]))", end, func(v promql.Vector) {
		require.Len(t, v, 1)
		got = v[0].F
	}))
	require.InDelta(t, 1, got, 1e-9)
	// The live TSDB still takes samples.
	app = live.Appender(t.Context())
	_, err = app.Append(0, l, end.Add(time.Minute).UnixMilli(), 7200)
	require.NoError(t, err)
	require.NoError(t, app.Commit())

	require.NoError(t, ro.Close())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "tmp_dbro_sandbox"), "sandbox %s left behind", e.Name())
	}
}
