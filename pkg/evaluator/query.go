package evaluator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
)

// QueryFunc is rules.EngineQueryFunc with one difference that matters to an SLO daemon: a query that returns
// warnings fails. Over merged storage, a remote that cannot be read (down, refusing, a chunk over the read
// limit) is only a warning of the merge querier, and the query answers from what is left — for a rule over
// remote series, an empty vector. Recording that as "no errors, no traffic" would silently refill budgets;
// failing the rule instead keeps the last recorded values, counts the failure and lets backfill repair the gap.
func QueryFunc(engine promql.QueryEngine, q storage.Queryable) rules.QueryFunc {
	return func(ctx context.Context, qs string, t time.Time) (promql.Vector, error) {
		query, err := engine.NewInstantQuery(ctx, q, nil, qs, t)
		if err != nil {
			return nil, err
		}
		defer query.Close()
		res := query.Exec(ctx)
		if err := resultError(res); err != nil {
			return nil, err
		}
		switch v := res.Value.(type) {
		case promql.Vector:
			return v, nil
		case promql.Scalar:
			return promql.Vector{promql.Sample{T: v.T, F: v.V, Metric: labels.EmptyLabels()}}, nil
		default:
			return nil, errors.New("rule result is not a vector or scalar")
		}
	}
}

// RangeQuery runs a range query and fails on warnings, like QueryFunc.
func RangeQuery(ctx context.Context, engine promql.QueryEngine, q storage.Queryable, qs string, start, end time.Time, step time.Duration) (promql.Matrix, error) {
	query, err := engine.NewRangeQuery(ctx, q, nil, qs, start, end, step)
	if err != nil {
		return nil, err
	}
	defer query.Close()
	res := query.Exec(ctx)
	if err := resultError(res); err != nil {
		return nil, err
	}
	m, ok := res.Value.(promql.Matrix)
	if !ok {
		return nil, fmt.Errorf("range query result is a %s, not a matrix", res.Value.Type())
	}
	return m, nil
}

func resultError(res *promql.Result) error {
	if res.Err != nil {
		return res.Err
	}
	// Infos (such as "metric might not be a counter") are advice; warnings mean missing data.
	if ws, _ := res.Warnings.AsStrings("", 1, 0); len(ws) > 0 {
		return fmt.Errorf("query returned a warning, treated as a failure: %s", ws[0])
	}
	return nil
}
