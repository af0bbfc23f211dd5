package review

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/stats"
)

// querier runs the review's queries, fails on warnings like the daemon's rules do (over merged storage a
// remote that cannot be read is only a warning, and its series would silently count as no traffic), and
// keeps count of what they cost.
type querier struct {
	engine    *promql.Engine
	queryable storage.Queryable
	// Queries is the number of queries run; MaxSamples the most samples one of them loaded.
	Queries    int
	MaxSamples int64
}

func (q *querier) exec(ctx context.Context, query promql.Query) (*promql.Result, error) {
	res := query.Exec(ctx)
	q.Queries++
	if st := query.Stats(); st != nil {
		q.MaxSamples = max(q.MaxSamples, stats.NewQueryStats(st).Builtin().Samples.TotalQueryableSamples)
	}
	if res.Err != nil {
		return nil, res.Err
	}
	if ws, _ := res.Warnings.AsStrings("", 1, 0); len(ws) > 0 {
		return nil, fmt.Errorf("query returned a warning, treated as a failure: %s", ws[0])
	}
	return res, nil
}

// rangeQuery hands the matrix of qs over [start, end] to use; the matrix is valid only during use.
func (q *querier) rangeQuery(ctx context.Context, qs string, start, end time.Time, step time.Duration, use func(promql.Matrix)) error {
	return runQuery(ctx, q, qs, func() (promql.Query, error) {
		return q.engine.NewRangeQuery(ctx, q.queryable, nil, qs, start, end, step)
	}, use)
}

// instantQuery hands the vector of qs at t to use; the vector is valid only during use.
func (q *querier) instantQuery(ctx context.Context, qs string, t time.Time, use func(promql.Vector)) error {
	return runQuery(ctx, q, qs, func() (promql.Query, error) {
		return q.engine.NewInstantQuery(ctx, q.queryable, nil, qs, t)
	}, use)
}

// runQuery runs the query that newQuery makes and hands its result, of type T, to use.
func runQuery[T promql.Vector | promql.Matrix](ctx context.Context, q *querier, qs string, newQuery func() (promql.Query, error), use func(T)) error {
	query, err := newQuery()
	if err != nil {
		return fmt.Errorf("%s: %w", qs, err)
	}
	defer query.Close()
	res, err := q.exec(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", qs, err)
	}
	v, ok := res.Value.(T)
	if !ok {
		return fmt.Errorf("%s: the result is a %s", qs, res.Value.Type())
	}
	use(v)
	return nil
}
