package generate

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	promqlengine "github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/teststorage"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

const day = 24 * time.Hour

// reviewRulesOf are the review rules of s, checking that they end its budget group and are its only ones.
func reviewRulesOf(t *testing.T, s *slo.SLO) []rulefmt.Rule {
	t.Helper()
	groups := SLOGroups(s, Options{})
	for _, g := range groups[:2] {
		for _, r := range g.Rules {
			require.NotEqual(t, c.AlertReviewOverdue, r.Alert, "in the budget group only")
			require.NotEqual(t, c.ReviewSince, r.Record, "in the budget group only")
		}
	}
	budget := groups[2].Rules
	n := 0
	for _, r := range budget {
		if r.Alert == c.AlertReviewOverdue || r.Record == c.ReviewSince {
			n++
		}
	}
	out := budget[len(budget)-n:]
	for _, r := range out[:n-1] {
		require.Equal(t, c.ReviewSince, r.Record, "the review rules end the group, the clock first")
	}
	require.Equal(t, c.AlertReviewOverdue, out[n-1].Alert, "one ticket, last")
	return out
}

type reviewEngine struct {
	t      *testing.T
	engine *promqlengine.Engine
	db     storage.Storage
}

func newReviewEngine(t *testing.T) *reviewEngine {
	return &reviewEngine{t: t, db: teststorage.New(t), engine: promqlengine.NewEngine(promqlengine.EngineOpts{
		MaxSamples: 10000, Timeout: time.Minute, Parser: parser.NewParser(parser.Options{}),
	})}
}

func (e *reviewEngine) eval(expr string, at time.Time) promqlengine.Vector {
	v, err := rules.EngineQueryFunc(e.engine, e.db)(e.t.Context(), expr, at)
	require.NoError(e.t, err, expr)
	return v
}

// record evaluates the recording rule r at ts as the rules manager does (its labels applied, the result checked
// for duplicate label sets), and appends its result.
func (e *reviewEngine) record(r rulefmt.Rule, ts time.Time) promqlengine.Vector {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(r.Expr)
	require.NoError(e.t, err)
	v, err := rules.NewRecordingRule(r.Record, expr, labels.FromMap(r.Labels)).Eval(e.t.Context(), 0, ts, rules.EngineQueryFunc(e.engine, e.db), nil, 0)
	require.NoError(e.t, err, r.Expr)
	for _, s := range v {
		e.append(s.Metric, ts, s.F)
	}
	return v
}

func (e *reviewEngine) append(l labels.Labels, ts time.Time, v float64) {
	app := e.db.Appender(e.t.Context())
	_, err := app.Append(0, l, ts.UnixMilli(), v)
	require.NoError(e.t, err)
	require.NoError(e.t, app.Commit())
}

// The review ticket of an SLO with a review date, evaluated by the real engine at real dates: quiet until the
// cadence has passed since lastReviewed, else since agreed, then firing with the time since that date as its
// value. One per SLO, in the budget group, with the labels routing needs, and no series to read.
func TestReviewOverdueAlertWithADate(t *testing.T) {
	e := newReviewEngine(t)
	s := testSLO(slo.SLIEvents, 30*day)
	s.Grouping = []string{"route"}
	s.Alerting.RunbookURL = "https://runbooks.example.com/x"
	last := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	agreed := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		review       slo.Review
		since        time.Time
		wantDescribe []string
	}{
		{"lastReviewed", slo.Review{LastReviewed: last, Cadence: 90 * day}, last, []string{"last reviewed on 2026-09-01", "cadence is 90d"}},
		{"lastReviewed wins over agreed", slo.Review{LastReviewed: last, Agreed: agreed, Cadence: 90 * day}, last, []string{"last reviewed on 2026-09-01"}},
		{"agreed", slo.Review{Agreed: agreed, Cadence: 30 * day}, agreed, []string{"agreed on 2026-06-01", "not been reviewed since", "cadence is 30d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Review = tc.review
			rs := reviewRulesOf(t, s)
			require.Len(t, rs, 1, "no clock to keep")
			r := rs[0]
			require.Equal(t, map[string]string{"slo": "s", "service": "svc", "layer": "service", "owner": "team", "severity": "warning", "slo_tier": "ticket"}, r.Labels)
			require.Equal(t, "https://runbooks.example.com/x", r.Annotations["runbook_url"])
			for _, want := range tc.wantDescribe {
				require.Contains(t, r.Annotations["description"], want)
			}
			require.Contains(t, r.Annotations["description"], "{{ $value | humanizeDuration }} ago")
			due := tc.since.Add(tc.review.Cadence)
			require.Empty(t, e.eval(r.Expr, due), "not before the cadence has passed")
			v := e.eval(r.Expr, due.Add(time.Hour))
			require.Len(t, v, 1)
			require.InDelta(t, (tc.review.Cadence + time.Hour).Seconds(), v[0].F, 1e-6, "the value is the time since the date")
		})
	}
}

// Without a review date, the clock's rule records the time of its first evaluation and then its own last sample,
// under the rule's labels: after a change of those labels (owner, here), or with a second ruler's series, one
// series with the earliest time, not an error for two series of one label set. The ticket's value is that time.
func TestReviewOverdueAlertWithoutADate(t *testing.T) {
	e := newReviewEngine(t)
	s := testSLO(slo.SLIEvents, 30*day)
	s.Review = slo.Review{Cadence: 90 * day}
	rs := reviewRulesOf(t, s)
	require.Len(t, rs, 2)
	record, alert := rs[0], rs[1]
	require.Equal(t, c.ReviewSince, record.Record)
	require.Equal(t, seriesLabels(s, ""), record.Labels)
	require.Contains(t, alert.Annotations["description"], "first evaluated by slokeeper's rules at {{ $value | humanizeTimestamp }}")
	require.Contains(t, alert.Annotations["description"], "due for its review one cadence later")

	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	v := e.record(record, t0)
	require.Len(t, v, 1)
	require.Equal(t, labels.FromMap(map[string]string{"__name__": c.ReviewSince, "slo": "s", "service": "svc", "layer": "service", "owner": "team"}), v[0].Metric)
	require.InDelta(t, float64(t0.Unix()), v[0].F, 1e-9, "the first evaluation's time")
	require.InDelta(t, float64(t0.Unix()), e.record(record, t0.Add(time.Minute))[0].F, 1e-9, "kept")

	s.Owner = "new-team"
	moved := reviewRulesOf(t, s)[0]
	for _, ts := range []time.Time{t0.Add(2 * time.Minute), t0.Add(3 * time.Minute)} {
		v = e.record(moved, ts)
		require.Len(t, v, 1, "one series, both in range")
		require.Equal(t, "new-team", v[0].Metric.Get(c.LabelOwner))
		require.InDelta(t, float64(t0.Unix()), v[0].F, 1e-9, "the clock survives the change")
	}

	// The clock as kept until one cadence later (TestReviewClockStartsAtFirstEvaluation evaluates every minute).
	due := t0.Add(90 * day)
	e.append(v[0].Metric, due, v[0].F)
	require.Empty(t, e.eval(alert.Expr, due), "not before the cadence has passed")
	v = e.eval(alert.Expr, due.Add(time.Minute))
	require.Len(t, v, 1)
	require.InDelta(t, float64(t0.Unix()), v[0].F, 1e-9, "the value is when the clock started")
}
