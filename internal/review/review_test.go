package review

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// reviewAll reviews every synthetic SLO over the six months.
func reviewAll(t *testing.T, mod func(*Options)) (*Report, map[string]*SLOReport) {
	t.Helper()
	_, slos := writeSpecs(t, t.TempDir())
	opts := Options{Queryable: history(t), SLOs: slos, Until: histUntil, Since: reviewFrom, PeakWindow: 15 * time.Minute}
	if mod != nil {
		mod(&opts)
	}
	rep, err := Review(t.Context(), opts)
	require.NoError(t, err)
	byID := map[string]*SLOReport{}
	for _, r := range rep.SLOs {
		byID[r.ID] = r
	}
	return rep, byID
}

// shared is the review of every synthetic SLO, made once for the tests that only read it (they do not run
// in parallel).
var shared *Report

func sharedReport(t *testing.T) (*Report, map[string]*SLOReport) {
	t.Helper()
	if shared == nil {
		shared, _ = reviewAll(t, nil)
	}
	byID := map[string]*SLOReport{}
	for _, r := range shared.SLOs {
		byID[r.ID] = r
	}
	return shared, byID
}

func finding(r *SLOReport, k Kind) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Kind == k {
			return &r.Findings[i]
		}
	}
	return nil
}

// A service ten times faster than its SLO (p95 ≈ 50ms against 500ms) gets "tighten", with a threshold
// that is the smallest bucket boundary at least 1.5 times its p95, and the budget that threshold would
// have used.
func TestReviewTighten(t *testing.T) {
	_, got := sharedReport(t)
	r := got["fast/latency"]
	require.Equal(t, KindTighten, r.Decision)
	require.Equal(t, ConfidenceHigh, r.Confidence)

	// p95 by histogram_quantile's linear interpolation inside (25ms, 50ms].
	p95 := 0.025 + (0.95-fastCDF(0.025))/(fastCDF(0.05)-fastCDF(0.025))*0.025
	require.Greater(t, 0.5/p95, 9.0, "the service is about ten times faster than its SLO")
	want := math.Inf(1)
	for _, b := range fastBounds {
		if b >= 1.5*p95 && b < want {
			want = b
		}
	}
	f := finding(r, KindTighten)
	require.NotNil(t, f.Proposal)
	require.Equal(t, slo.Seconds(want), f.Proposal.Threshold)
	require.Equal(t, "95", f.Proposal.Objective, "the objective stays")
	require.Len(t, r.Slices, 6)
	require.Len(t, f.Proposal.BudgetConsumed, 6)
	for i, sl := range r.Slices {
		require.InDelta(t, p95, float64(sl.QuantileSeconds), 1e-3, sl.Label)
		require.InDelta(t, 0, float64(sl.BudgetConsumed), 1e-3, sl.Label)
		// At the new threshold the requests above it are bad: 0.5% of them, a tenth of a 5% budget.
		require.InDelta(t, (1-fastCDF(want))/0.05, float64(f.Proposal.BudgetConsumed[i]), 0.01, sl.Label)
	}
	require.Zero(t, f.Proposal.Breaches)
	require.Zero(t, f.Proposal.EstimatedPages)
	require.Contains(t, f.Summary, "tighten the threshold to "+slo.Seconds(want))
}

// A native histogram's threshold may be any value: the proposal is the smallest 1-2-2.5-5 value at least
// 1.5 times the worst weekly p99.
func TestReviewTightenNative(t *testing.T) {
	_, got := sharedReport(t)
	r := got["db/query-latency"]
	require.Equal(t, KindTighten, r.Decision)
	require.Equal(t, string(SlicingWeeks), r.Slicing)
	worst := 0.0
	for _, sl := range r.Slices {
		if !sl.Partial {
			require.Equal(t, time.Monday, sl.Start.Weekday(), "weekly slices start on Monday: %s", sl.Start)
		}
		q := float64(sl.QuantileSeconds)
		// Every query is in the bucket (2^-9, 2^-8].
		require.Greater(t, q, math.Exp2(dbBucket-1))
		require.LessOrEqual(t, q, math.Exp2(dbBucket))
		worst = max(worst, q)
	}
	f := finding(r, KindTighten)
	d, err := time.ParseDuration(f.Proposal.Threshold)
	require.NoError(t, err)
	th := d.Seconds()
	require.GreaterOrEqual(t, th, 1.5*worst)
	nice := niceThresholds()
	i := slices.Index(nice, th)
	require.Positive(t, i, "a nice value, not the first one")
	require.Less(t, nice[i-1], 1.5*worst, "the smallest nice value above")
	require.Less(t, th, 0.05)
}

// One that breached in 3 of 6 slices gets "loosen or invest", with an objective that every slice but the
// worst met.
func TestReviewLoosen(t *testing.T) {
	_, got := sharedReport(t)
	r := got["flaky/availability"]
	require.Equal(t, KindLoosenOrInvest, r.Decision)
	require.Equal(t, ConfidenceHigh, r.Confidence)
	var breached, wantBreached []string
	var ratios []float64
	for _, sl := range r.Slices {
		if sl.Breached {
			breached = append(breached, sl.Label)
		}
		ratio := flakyRatio(sl.Start)
		ratios = append(ratios, ratio)
		if ratio > 0.001 {
			wantBreached = append(wantBreached, sl.Label)
		}
		require.InDelta(t, 1-ratio, float64(sl.SLI), 2e-5, sl.Label)
	}
	require.Equal(t, wantBreached, breached)
	require.Equal(t, 3, r.Breaches)
	require.Equal(t, 6, r.Judged)

	slices.Sort(ratios)
	second := ratios[len(ratios)-2]
	var want string
	for _, o := range []string{"99.9", "99.8", "99.5", "99", "98"} { // strictest first
		if slo.MustObjective(o).Budget >= second {
			want = o
			break
		}
	}
	f := finding(r, KindLoosenOrInvest)
	require.NotNil(t, f.Proposal)
	require.Equal(t, want, f.Proposal.Objective)
	require.Empty(t, f.Proposal.Threshold)
	require.Zero(t, f.Proposal.Breaches)
	require.Contains(t, f.Summary, "3 of 6 slices breached")
	require.Contains(t, f.Summary, "invest to meet 99.9%")
}

// A product SLO's bad slices are attributed to the dependency that breached in the same slice.
func TestReviewAttribution(t *testing.T) {
	_, got := sharedReport(t)
	r := got["shop/checkout"]
	require.Equal(t, KindLoosenOrInvest, r.Decision)
	var slicesAttributed []string
	for _, at := range r.Attribution {
		slicesAttributed = append(slicesAttributed, at.Slice)
		require.Len(t, at.Dependencies, 1)
		require.Equal(t, "flaky/availability", at.Dependencies[0].ID)
		require.True(t, at.Dependencies[0].Breached, at.Slice)
		require.Greater(t, float64(at.Dependencies[0].BudgetConsumed), 1.0)
	}
	var breached []string
	for _, sl := range r.Slices {
		if sl.Breached {
			breached = append(breached, sl.Label)
		}
	}
	require.Equal(t, breached, slicesAttributed)
	require.NotEmpty(t, breached)
}

// Peak traffic above the declared capacity is capacity drift, the most urgent finding after breaches; the
// tighten proposal beside it is reported too.
func TestReviewCapacityDrift(t *testing.T) {
	_, got := sharedReport(t)
	r := got["busy/availability"]
	require.Equal(t, KindCapacityDrift, r.Decision)
	f := finding(r, KindCapacityDrift)
	require.Equal(t, ConfidenceHigh, f.Confidence)
	tp := r.Throughput
	days := int(histUntil.Sub(reviewFrom) / day)
	require.Equal(t, days, tp.Days)
	require.Equal(t, days, tp.DaysAboveCapacity)
	require.InDelta(t, 150, float64(tp.PeakPerSecond), 2)
	require.InDelta(t, 100, float64(tp.TypicalPerSecond), 5)
	// The hours whose average rate is above 100/s: those within six hours of 15:00.
	above := 0
	for h := range 24 {
		sum := 0.0
		for m := 0; m < 60; m += 5 {
			sum += busyRate(reviewFrom.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute))
		}
		if sum/12 > 100 {
			above++
		}
	}
	require.InDelta(t, above*days, tp.HoursAboveCapacity, float64(days))
	require.Contains(t, f.Summary, "exceeded the declared capacity of 100/s")

	tight := finding(r, KindTighten)
	require.NotNil(t, tight, "every slice used a tenth of its budget")
	require.Equal(t, "99.98", tight.Proposal.Objective)
	for _, c := range tight.Proposal.BudgetConsumed {
		require.InDelta(t, 0.5, float64(c), 0.02, "the worst slice would use half the new budget")
	}
}

// Too few events to judge: insufficient data, saying how many.
func TestReviewInsufficientData(t *testing.T) {
	_, got := sharedReport(t)
	r := got["quiet/availability"]
	require.Equal(t, KindInsufficientData, r.Decision)
	require.Len(t, r.Findings, 1)
	events := float64(r.Events)
	require.Less(t, events, 10/0.001)
	// Counted from hourly rates, whose extrapolation makes sparse counts approximate.
	require.InEpsilon(t, histUntil.Sub(reviewFrom).Seconds()*quietRate, events, 0.3)
	require.Contains(t, r.Findings[0].Summary, "only "+count(events)+" events")
}

// A target that fits is kept.
func TestReviewKeep(t *testing.T) {
	_, got := sharedReport(t)
	r := got["fast/availability"]
	require.Equal(t, KindKeep, r.Decision)
	require.InDelta(t, 0.6, float64(r.BudgetConsumed), 0.02)
}

// The report: sorted by layer, owner and urgency; the achievability section; JSON that reads back.
func TestReport(t *testing.T) {
	rep, _ := sharedReport(t)
	var order []string
	for _, r := range rep.SLOs {
		order = append(order, r.ID)
	}
	require.Equal(t, []string{
		"shop/checkout", "shop/premium", // product
		"busy/availability", "fast/latency", "fast/availability", "flaky/availability", "quiet/availability", // service, by owner
		"db/query-latency", // infrastructure
	}, order)
	require.Len(t, rep.Achievability, 1)
	require.Equal(t, "shop/premium", rep.Achievability[0].SLO)
	require.Contains(t, rep.Achievability[0].Message, "at most 99.8%")

	var md strings.Builder
	require.NoError(t, rep.WriteMarkdown(&md))
	out := md.String()
	for _, s := range []string{"## product layer", "### team-shop", "#### fast/latency: tighten (high confidence)", "## Achievability",
		"| 2026-02 | 24.2M | 99.8% |", "breached along with flaky/availability"} {
		require.Contains(t, out, s)
	}
	require.Less(t, strings.Index(out, "## product layer"), strings.Index(out, "## service layer"))

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(b, &back))
	require.Len(t, back.SLOs, len(rep.SLOs))
	require.Equal(t, rep.SLOs[0].Decision, back.SLOs[0].Decision)
	// No data is null, not NaN (which JSON cannot hold).
	require.Contains(t, string(b), `"quantileSeconds":null`)
}

// A review reads a day of one SLO per query: the most samples a query loads does not grow with the window.
func TestReviewMemoryBound(t *testing.T) {
	month, _ := reviewAll(t, func(o *Options) {
		o.Since = histUntil.Add(-30 * day)
		o.Only = []string{"fast/latency", "db/query-latency"}
	})
	half, _ := reviewAll(t, func(o *Options) { o.Only = []string{"fast/latency", "db/query-latency"} })
	require.Positive(t, month.Stats.MaxQuerySamples)
	require.Equal(t, month.Stats.MaxQuerySamples, half.Stats.MaxQuerySamples)
	require.Greater(t, half.Stats.Queries, 5*month.Stats.Queries)
}

// Without Since, a review starts at the SLO's lastReviewed when that is within the window; Only limits
// the review to some SLOs, and progress counts every day read.
func TestReviewSinceLastReviewed(t *testing.T) {
	_, slos := writeSpecs(t, t.TempDir())
	var fast *slo.SLO
	for _, s := range slos {
		if s.ID() == "fast/availability" {
			fast = s
		}
	}
	fast.Review.LastReviewed = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var progress []Progress
	rep, err := Review(t.Context(), Options{
		Queryable: history(t), SLOs: slos, Until: histUntil, Only: []string{"fast/availability"},
		Progress: func(p Progress) { progress = append(progress, p) },
	})
	require.NoError(t, err)
	require.Len(t, rep.SLOs, 1)
	r := rep.SLOs[0]
	require.Equal(t, fast.Review.LastReviewed, r.From)
	var labels []string
	for _, sl := range r.Slices {
		labels = append(labels, sl.Label)
	}
	require.Equal(t, []string{"2026-04", "2026-05", "2026-06"}, labels)
	require.Len(t, progress, 91)
	for i, p := range progress {
		require.Equal(t, i+1, p.Done)
		require.Equal(t, 91, p.Total)
	}

	// Reviewed today: nothing to judge yet.
	fast.Review.LastReviewed = histUntil
	rep, err = Review(t.Context(), Options{Queryable: history(t), SLOs: slos, Until: histUntil, Only: []string{"fast/availability"}})
	require.NoError(t, err)
	require.Equal(t, KindInsufficientData, rep.SLOs[0].Decision)
	require.Empty(t, rep.SLOs[0].Slices)
	var md strings.Builder
	require.NoError(t, rep.WriteMarkdown(&md))

	_, err = Review(t.Context(), Options{Queryable: history(t), SLOs: slos, Only: []string{"nope/x"}})
	require.ErrorContains(t, err, `no loaded SLO has the id "nope/x"`)
}

// The day an SLO was agreed shows in the report while it has never been reviewed.
func TestReportShowsAgreed(t *testing.T) {
	rep, byID := reviewAll(t, func(o *Options) {
		o.Only = []string{"fast/availability"}
		for _, s := range o.SLOs {
			if s.ID() == "fast/availability" {
				s.Review.Agreed = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
			}
		}
	})
	require.Equal(t, "2026-01-05", byID["fast/availability"].Agreed)
	require.Empty(t, byID["fast/availability"].LastReviewed)
	var md strings.Builder
	require.NoError(t, rep.WriteMarkdown(&md))
	require.Contains(t, md.String(), " · agreed 2026-01-05, never reviewed\n")
}

func TestSlices(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return v
	}
	type sl struct {
		label, start, end string
		partial           bool
	}
	for _, tc := range []struct {
		period   time.Duration
		from, to string
		want     []sl
	}{
		{30 * day, "2026-01-15", "2026-03-10", []sl{
			{"2026-01", "2026-01-15", "2026-02-01", true}, {"2026-02", "2026-02-01", "2026-03-01", false}, {"2026-03", "2026-03-01", "2026-03-10", true},
		}},
		{28 * day, "2026-02-01", "2026-03-01", []sl{{"2026-02", "2026-02-01", "2026-03-01", false}}},
		// 2026-01-05 is a Monday.
		{7 * day, "2026-01-07", "2026-01-20", []sl{
			{"2026-01-05", "2026-01-07", "2026-01-12", true}, {"2026-01-12", "2026-01-12", "2026-01-19", false}, {"2026-01-19", "2026-01-19", "2026-01-20", true},
		}},
		{90 * day, "2026-02-01", "2026-07-01", []sl{
			{"2026-Q1", "2026-02-01", "2026-04-01", true}, {"2026-Q2", "2026-04-01", "2026-07-01", false},
		}},
		// Two days, counted from the Unix epoch: 2026-01-01 is day 20454, an even one.
		{2 * day, "2026-01-01", "2026-01-05", []sl{
			{"2026-01-01", "2026-01-01", "2026-01-03", false}, {"2026-01-03", "2026-01-03", "2026-01-05", false},
		}},
	} {
		t.Run(days(tc.period), func(t *testing.T) {
			var got []sl
			for _, s := range Slices(tc.period, d(tc.from), d(tc.to)) {
				got = append(got, sl{s.Label, s.Start.Format(time.DateOnly), s.End.Format(time.DateOnly), s.Partial})
			}
			require.Equal(t, tc.want, got)
		})
	}
	require.Empty(t, Slices(30*day, d("2026-01-15"), d("2026-01-15")), "an empty window has no slices")
}

// The paging estimate: a burst that burns the budget 20 times as fast as a 30-day period allows, for two
// hours, fires the 1h window (14.4×) once; a steady burn at 2× fires nothing.
func TestPageStarts(t *testing.T) {
	s := &slo.SLO{Period: 30 * day, Objective: slo.MustObjective("99.9")}
	ws := pageWindows(s, 0)
	require.Equal(t, []pageWindow{{1, 14.4}, {6, 6}}, ws)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	until := from.Add(48 * time.Hour)
	h := newHourly(from, until)
	for i := range h.total {
		h.total[i], h.bad[i] = 1000, 2 // 2× the budget
	}
	require.Empty(t, pageStarts(h, h.bad, 0.001, ws, from, until))
	h.bad[10], h.bad[11] = 20, 20
	require.Equal(t, []int{10}, pageStarts(h, h.bad, 0.001, ws, from, until))
	h.bad[30] = 20
	require.Equal(t, []int{10, 30}, pageStarts(h, h.bad, 0.001, ws, from, until))
	// Hours without data neither page nor end a page.
	h.total[20], h.bad[20] = math.NaN(), math.NaN()
	require.Equal(t, []int{10, 30}, pageStarts(h, h.bad, 0.001, ws, from, until))
}
