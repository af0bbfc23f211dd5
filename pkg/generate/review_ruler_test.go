package generate_test

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// reviewClock follows the review ticket of one SLO through the evaluations of its budget group.
type reviewClock struct {
	budget      string    // the budget group's name
	first, last time.Time // the group's first and last evaluations
	firing      time.Time // the first evaluation with the ticket firing
	description string    // the ticket's description then
}

func (rc *reviewClock) observe(g *rules.Group, ts time.Time) {
	if g.Name() != rc.budget {
		return
	}
	if rc.first.IsZero() {
		rc.first = ts
	}
	rc.last = ts
	for _, ar := range g.AlertingRules() {
		for _, a := range ar.ActiveAlerts() {
			if ar.Name() == c.AlertReviewOverdue && a.State == rules.StateFiring && rc.firing.IsZero() {
				rc.firing, rc.description = ts, a.Annotations.Get("description")
			}
		}
	}
}

// runReviewClock evaluates the rules of an SLO without a review date, of review cadence cadence, with Prometheus'
// rules manager every minute (the daemon's grouping by service) from start to end, its budget group paused in
// [pauseFrom, pauseTo) when they are set. No traffic: the review ticket reads none, and the SLI and tiles groups,
// which would only read that there is none, are never evaluated.
func runReviewClock(t *testing.T, cadence time.Duration, start, end, pauseFrom, pauseTo time.Time) (*ruler, *reviewClock) {
	s := workbookSLO()
	s.Review = slo.Review{Cadence: cadence}
	body := generate.RuleFile([]*slo.SLO{s}, generate.Options{GroupBy: generate.GroupByService}, generate.FormatPrometheus, "review")
	require.NoError(t, generate.Check(body))
	r := newRuler(t, body, time.Minute, &traffic{})
	rc := &reviewClock{budget: c.ServiceGroupBudget(s.Service)}
	for i, g := range r.groups {
		if g.Name() == rc.budget {
			r.paused[i].from, r.paused[i].to = pauseFrom, pauseTo
		} else {
			r.paused[i].from, r.paused[i].to = start, end.Add(time.Nanosecond) // no traffic for them to read
		}
	}
	r.observe = rc.observe
	r.run(start, end) // fails the test on any rule's error, e.g. two series of one label set
	return r, rc
}

const reviewSinceSel = c.ReviewSince + `{service="api",slo="availability"}`

// An SLO without a review date, through the real rules engine: its first evaluation starts the review clock and
// raises nothing; the clock keeps that time (the rule reads its own last sample back, long after the first one
// has left the range it reads); the ticket fires at the first evaluation after one cadence, saying when the clock
// started. A cadence of 2d keeps the test to about 3000 evaluations of the group, minute by minute (2 s).
func TestReviewClockStartsAtFirstEvaluation(t *testing.T) {
	t.Parallel()
	const cadence = 48 * time.Hour
	start := time.Date(2030, time.January, 7, 12, 0, 0, 0, time.UTC)
	r, rc := runReviewClock(t, cadence, start, start.Add(cadence+time.Hour), time.Time{}, time.Time{})

	require.False(t, rc.first.IsZero())
	require.Equal(t, rc.first.Add(cadence+time.Minute), rc.firing, "due one cadence after the first evaluation, not before")
	first := float64(rc.first.UnixMilli()) / 1000
	require.InDelta(t, first, r.sample(reviewSinceSel, rc.first), 1e-3, "the first evaluation records its time")
	require.InDelta(t, first, r.sample(reviewSinceSel, rc.firing), 1e-3, "and keeps it")
	v, ok := r.query(reviewSinceSel, rc.firing).(promql.Vector)
	require.True(t, ok)
	require.Len(t, v, 1)
	require.Equal(t, `{__name__="slo:review_since:timestamp_seconds", layer="service", owner="team-api", service="api", slo="availability"}`,
		v[0].Metric.String(), "the rule's labels, once")
	require.Contains(t, rc.description, "first evaluated by slokeeper's rules at "+rc.first.Format("2006-01-02 15:04:05"))
	require.Contains(t, rc.description, "due for its review one cadence later")
	require.Contains(t, rc.description, "review cadence is 2d")
}

// Rules not evaluated for a while: a gap shorter than the range the clock's rule reads keeps the clock; a longer
// one restarts it, so that the ticket comes later, never earlier.
func TestReviewClockAfterAGap(t *testing.T) {
	t.Parallel()
	const cadence = 24 * time.Hour
	start := time.Date(2030, time.January, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		gap     time.Duration
		restart bool
	}{{gap: 20 * time.Hour}, {gap: 25 * time.Hour, restart: true}} {
		t.Run(tc.gap.String(), func(t *testing.T) {
			t.Parallel()
			pause := start.Add(time.Hour)
			end := pause.Add(tc.gap + cadence + time.Hour)
			r, rc := runReviewClock(t, cadence, start, end, pause, pause.Add(tc.gap))
			since := time.UnixMilli(int64(math.Round(r.sample(reviewSinceSel, rc.last) * 1000))).UTC()
			if !tc.restart {
				require.Equal(t, rc.first.UnixMilli(), since.UnixMilli(), "the clock kept its start")
				require.Equal(t, rc.first.Add(cadence+time.Minute), rc.firing)
				return
			}
			resumed := pause.Add(tc.gap)
			require.True(t, !since.Before(resumed) && since.Before(resumed.Add(time.Minute)),
				"the clock restarted at the first evaluation after the gap, %s: %s", resumed, since)
			require.Equal(t, since.Add(cadence+time.Minute).UnixMilli(), rc.firing.UnixMilli(), "the ticket comes a gap later")
			require.Contains(t, rc.description, since.Format("2006-01-02 15:04:05"))
		})
	}
}
