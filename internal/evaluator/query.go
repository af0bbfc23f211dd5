package evaluator

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// QueryFunc is rules.EngineQueryFunc with one difference that matters to an SLO daemon: a query that returns
// warnings fails. Over merged storage, a remote that cannot be read (down, refusing, a chunk over the read
// limit) is only a warning of the merge querier, and the query answers from what is left — for a rule over
// remote series, an empty vector. Recording that as "no errors, no traffic" would silently refill budgets;
// failing the rule instead keeps the last recorded values, counts the failure and lets backfill repair the gap.
func QueryFunc(engine promql.QueryEngine, q storage.Queryable) rules.QueryFunc {
	return routedQueryFunc(engine, func(string) storage.Queryable { return q })
}

func routedQueryFunc(engine promql.QueryEngine, route func(string) storage.Queryable) rules.QueryFunc {
	return func(ctx context.Context, qs string, t time.Time) (promql.Vector, error) {
		query, err := engine.NewInstantQuery(ctx, route(qs), nil, qs, t)
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

// LocalFirst routes a query to local when every series it selects is a recorded slo:* series (or ALERTS), which
// only the daemon itself writes, and to merged otherwise. Rules over recorded series (tiles, long windows, the
// period, the budget) then never wait for, or fail with, remote storage: when a remote is down only the base rates
// fail, and budgets go on from the recorded history.
func LocalFirst(local, merged storage.Queryable, p parser.Parser) func(query string) storage.Queryable {
	// Rule expressions are fixed, so each is parsed once: the cache maps the hash of a query (not the query: tens
	// of thousands of strings at 1,000 SLOs) to whether it reads only local series. A 64-bit hash collision among
	// that many queries has odds of about 10⁻¹¹.
	var cache sync.Map // uint64 → bool
	seed := maphash.MakeSeed()
	return func(qs string) storage.Queryable {
		key := maphash.String(seed, qs)
		if v, ok := cache.Load(key); ok {
			if v.(bool) {
				return local
			}
			return merged
		}
		onlyLocal := false
		if expr, err := p.ParseExpr(qs); err == nil {
			onlyLocal = true
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok && !recordedName(vs) {
					onlyLocal = false
				}
				return nil
			})
		}
		cache.Store(key, onlyLocal)
		if onlyLocal {
			return local
		}
		return merged
	}
}

func recordedName(vs *parser.VectorSelector) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return strings.HasPrefix(m.Value, "slo:") || m.Value == conventions.SeriesAlerts || m.Value == conventions.SeriesAlertsForState
		}
	}
	return false
}

// RangeQuery runs a range query, fails on warnings like QueryFunc, and hands the matrix to use. The matrix is
// only valid during use: closing the query returns its points to the engine's pools.
func RangeQuery(ctx context.Context, engine promql.QueryEngine, q storage.Queryable, qs string, start, end time.Time, step time.Duration, use func(promql.Matrix) error) error {
	query, err := engine.NewRangeQuery(ctx, q, nil, qs, start, end, step)
	if err != nil {
		return err
	}
	defer query.Close()
	res := query.Exec(ctx)
	if err := resultError(res); err != nil {
		return err
	}
	m, ok := res.Value.(promql.Matrix)
	if !ok {
		return fmt.Errorf("range query result is a %s, not a matrix", res.Value.Type())
	}
	return use(m)
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
