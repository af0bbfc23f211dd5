package generate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/util/teststorage"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/querytest"
)

// ruler evaluates rule groups the way a Prometheus server does, on simulated
// time: every group on its own interval, at the slots Prometheus would pick
// (rules.Group.EvalTimestamp), with the raw samples "scraped" into the same
// TSDB as time passes and the recorded samples written back into it.
type ruler struct {
	t      *testing.T
	db     *teststorage.TestStorage
	engine *promql.Engine
	tr     *traffic
	loaded int // scrapes of tr appended so far

	groups []*rules.Group  // in the file's order, which is dependency order
	next   []time.Time     // each group's next evaluation
	last   []time.Time     // each group's last evaluation
	evals  []int           // evaluations per group
	spent  []time.Duration // wall time spent evaluating, per group
	// paused, when set, is a span [from, to) in which a group's slots are
	// skipped, as if it were taken out of the configuration and put back.
	paused []struct{ from, to time.Time }
	// observe, when set, is called after every group evaluation.
	observe func(g *rules.Group, ts time.Time)
}

// ruleFileID names the rule file inside the ruler. Prometheus spreads group
// evaluations over the interval by a hash of the group and file names: a
// fixed name keeps the schedule, and so the test, deterministic.
const ruleFileID = "slokeeper/accuracy.rules.yml"

// newRuler writes body (a generated rule file) to disk and loads it with
// Prometheus' rules manager; groups without an interval get interval, like
// global.evaluation_interval.
func newRuler(t *testing.T, body []byte, interval time.Duration, tr *traffic) *ruler {
	path := filepath.Join(t.TempDir(), "accuracy.rules.yml")
	require.NoError(t, os.WriteFile(path, body, 0o644))

	p := parser.NewParser(parser.Options{})
	// No WAL: nothing here survives a restart, and its writes would
	// dominate the run time.
	db := teststorage.New(t, func(o *tsdb.Options) { o.WALSegmentSize = -1 })
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:               promslog.NewNopLogger(),
		MaxSamples:           50e6,
		Timeout:              time.Minute,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
		Parser:               p,
	})
	m := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    strictQueryFunc(engine, db),
		AppendableV2: db,
		Queryable:    db,
		Context:      t.Context(),
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       promslog.NewNopLogger(),
		Parser:       p,
		GroupLoader:  namedFileLoader{paths: map[string]string{ruleFileID: path}, parser: p},
	})
	loaded, errs := m.LoadGroups(interval, labels.EmptyLabels(), "", nil, false, ruleFileID)
	require.Empty(t, errs)

	rgs, errs := rulefmt.ParseFile(path, false, model.UTF8Validation, p, promslog.NewNopLogger())
	require.Empty(t, errs)
	r := &ruler{t: t, db: db, engine: engine, tr: tr}
	for _, rg := range rgs.Groups {
		g := loaded[rules.GroupKey(ruleFileID, rg.Name)]
		require.NotNil(t, g, rg.Name)
		for _, ar := range g.AlertingRules() {
			ar.SetRestored(true) // no "for" state to restore; promtool does the same
		}
		r.groups = append(r.groups, g)
	}
	require.Len(t, r.groups, len(loaded))
	r.next = make([]time.Time, len(r.groups))
	r.last = make([]time.Time, len(r.groups))
	r.evals = make([]int, len(r.groups))
	r.spent = make([]time.Duration, len(r.groups))
	r.paused = make([]struct{ from, to time.Time }, len(r.groups))
	return r
}

// run evaluates every group at each of its slots in [from, to], in time
// order; groups due at the same instant run in file order. Before each
// evaluation, the scrapes up to its timestamp are appended.
func (r *ruler) run(from, to time.Time) {
	for i, g := range r.groups {
		first := g.EvalTimestamp(from.UnixNano())
		if first.Before(from) {
			first = first.Add(g.Interval())
		}
		r.next[i] = first
	}
	for {
		i := 0
		for j := range r.groups {
			if r.next[j].Before(r.next[i]) {
				i = j
			}
		}
		ts := r.next[i]
		if ts.After(to) {
			return
		}
		g := r.groups[i]
		if p := r.paused[i]; !ts.Before(p.from) && ts.Before(p.to) {
			r.next[i] = ts.Add(g.Interval())
			continue
		}
		r.scrapeUntil(ts)
		began := time.Now()
		g.Eval(r.t.Context(), ts)
		r.spent[i] += time.Since(began)
		for _, rule := range g.Rules() {
			if err := rule.LastError(); err != nil {
				r.t.Fatalf("group %s at %s: rule %s: %v", g.Name(), ts.Format(time.RFC3339), rule.Name(), err)
			}
		}
		if r.observe != nil {
			r.observe(g, ts)
		}
		r.evals[i]++
		r.last[i] = ts
		r.next[i] = ts.Add(g.Interval())
	}
}

// scrapeUntil appends the scrapes at or before ts not appended yet.
func (r *ruler) scrapeUntil(ts time.Time) {
	app := r.db.Appender(r.t.Context())
	for ; r.loaded < len(r.tr.total) && !r.tr.timeOf(r.loaded).After(ts); r.loaded++ {
		i := r.loaded
		ms := r.tr.timeOf(i).UnixMilli()
		_, err := app.Append(0, okSeries, ms, r.tr.total[i]-r.tr.errors[i])
		require.NoError(r.t, err)
		_, err = app.Append(0, errSeries, ms, r.tr.errors[i])
		require.NoError(r.t, err)
	}
	require.NoError(r.t, app.Commit())
}

// query runs an instant query; errors and warnings both fail the test (querytest.Instant).
func (r *ruler) query(qs string, ts time.Time) parser.Value {
	r.t.Helper()
	return querytest.Instant(r.t, r.engine, r.db, qs, ts)
}

// strictQueryFunc is rules.EngineQueryFunc, except that a query's warnings
// (and infos) make the rule fail instead of vanishing: a merge querier turns
// some storage failures into mere warnings with an empty result.
func strictQueryFunc(engine promql.QueryEngine, q storage.Queryable) rules.QueryFunc {
	return func(ctx context.Context, qs string, t time.Time) (promql.Vector, error) {
		query, err := engine.NewInstantQuery(ctx, q, nil, qs, t)
		if err != nil {
			return nil, err
		}
		defer query.Close()
		res := query.Exec(ctx)
		if res.Err != nil {
			return nil, res.Err
		}
		if len(res.Warnings) > 0 {
			return nil, fmt.Errorf("query %q returned warnings: %w", qs, errors.Join(res.Warnings.AsErrors()...))
		}
		switch v := res.Value.(type) {
		case promql.Vector:
			return v, nil
		case promql.Scalar:
			return promql.Vector{promql.Sample{T: v.T, F: v.V, Metric: labels.Labels{}}}, nil
		default:
			return nil, errors.New("rule result is not a vector or scalar")
		}
	}
}

// namedFileLoader is Prometheus' file loader (rulefmt.ParseFile) for files
// known under a stable identifier.
type namedFileLoader struct {
	paths  map[string]string
	parser parser.Parser
}

func (l namedFileLoader) Load(id string, ignoreUnknownFields bool, scheme model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	path, ok := l.paths[id]
	if !ok {
		return nil, []error{fmt.Errorf("unknown rule file %q", id)}
	}
	return rulefmt.ParseFile(path, ignoreUnknownFields, scheme, l.parser, promslog.NewNopLogger())
}

func (l namedFileLoader) Parse(query string) (parser.Expr, error) { return l.parser.ParseExpr(query) }
