package evaluator

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// writeGappedHistory writes two days of 15s scrapes ending at end with a constant 5% of errors, except in gaps,
// where nothing was scraped (a Prometheus that was down).
func writeGappedHistory(t *testing.T, dir string, end time.Time, gaps [][2]time.Time) {
	w, err := tsdb.NewBlockWriter(promslog.NewNopLogger(), dir, 2*time.Hour.Milliseconds())
	require.NoError(t, err)
	defer w.Close()
	app := w.AppenderV2(t.Context())
	errLs := labels.FromStrings("__name__", "http_requests_total", "code", "500")
	okLs := labels.FromStrings("__name__", "http_requests_total", "code", "200")
	var e, ok float64
scrapes:
	for ts := end.Add(-48 * time.Hour); !ts.After(end); ts = ts.Add(scrape) {
		e, ok = e+5, ok+95
		for _, g := range gaps {
			if !ts.Before(g[0]) && ts.Before(g[1]) {
				continue scrapes
			}
		}
		_, err := app.Append(0, errLs, 0, ts.UnixMilli(), e, nil, nil, promstorage.AOptions{})
		require.NoError(t, err)
		_, err = app.Append(0, okLs, 0, ts.UnixMilli(), ok, nil, nil, promstorage.AOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, app.Commit())
	_, err = w.Flush(t.Context())
	require.NoError(t, err)
}

// Backfill over raw series with holes (issue 19, row 3) records what the live groups would: an error base rate
// only beside its total, and staleness where they stop. A hole then neither adds errors nor takes them away: with
// 5% errors throughout, the period's error ratio from the backfilled tiles is 5%, as for history without holes.
func TestBackfillOverHolesPairsAndStales(t *testing.T) {
	s := availabilitySLO() // 99% over 1d
	w := generate.Options{}.Windows(s.Period)
	dir := t.TempDir()
	now := time.Now()
	// One hole in the coarse part of the backfill, one in the recent part the short windows read.
	writeGappedHistory(t, dir, now, [][2]time.Time{{now.Add(-10 * time.Hour), now.Add(-9*time.Hour - 20*time.Minute)}, {now.Add(-time.Hour), now.Add(-40 * time.Minute)}})
	st := openStorage(t, dir)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	ev := startBackfilling(t, st, s, prometheus.NewRegistry())
	t.Cleanup(ev.Stop)
	f := &fixture{st: st, ev: ev}
	target, err := TargetFor(specID, s, w, generate.SLOGroups(s, generate.Options{}))
	require.NoError(t, err)
	last, err := ev.lastSample(t.Context(), target, c.TotalRate(w.Tile), now.Add(-time.Hour), now.Add(time.Millisecond))
	require.NoError(t, err)

	sel := `{slo="availability"}[2d]`
	errs := f.query(t, "count_over_time("+c.ErrorRate(w.Base)+sel+")", last)
	totals := f.query(t, "count_over_time("+c.TotalRate(w.Base)+sel+")", last)
	require.Len(t, errs, 1)
	require.Len(t, totals, 1)
	require.Equal(t, totals[0].F, errs[0].F, "every backfilled error base rate has its total beside it")

	// The last base rate before the recent hole is followed by a staleness marker: an instant read a minute into
	// the hole finds nothing, where the lookback would otherwise return the last rate for 5 minutes.
	inHole := now.Add(-time.Hour + 6*time.Minute)
	require.Empty(t, f.query(t, c.TotalRate(w.Base)+`{slo="availability"}`, inHole))

	period := c.Window(s.Period)
	v := f.query(t, "avg_over_time("+c.ErrorRate(w.Tile)+`{slo="availability"}[`+period+"]) / avg_over_time("+c.TotalRate(w.Tile)+`{slo="availability"}[`+period+"])", last)
	require.Len(t, v, 1)
	require.InEpsilon(t, 0.05, v[0].F, 0.001, "period error ratio %g over holes, want 5%%", v[0].F)
}

// The case: the live sli group recorded a total base rate, then failed (remote read down: a failed rule
// writes no staleness marker), and the raw series have a hole from then on. Backfilling that gap after recovery,
// the error rule's fallback (`or 0 * total`) still finds the live total within the lookback; without pairing it
// would record zero error rates with no total beside them, and refill the budget.
func TestGapBackfillRecordsNoErrorWithoutItsTotal(t *testing.T) {
	s := availabilitySLO()
	w := generate.Options{}.Windows(s.Period)
	dir := t.TempDir()
	now := time.Now().Truncate(time.Minute)
	writeGappedHistory(t, dir, now, [][2]time.Time{{now.Add(-30 * time.Minute), now.Add(time.Minute)}})
	st := openStorage(t, dir)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	ev := startBackfilling(t, st, s, prometheus.NewRegistry())
	t.Cleanup(ev.Stop)
	target, err := TargetFor(specID, s, w, generate.SLOGroups(s, generate.Options{}))
	require.NoError(t, err)

	// What the live group recorded before it started failing.
	lastLive := now.Add(-20 * time.Minute)
	app := st.Appendable().AppenderV2(t.Context())
	_, err = app.Append(0, labels.FromStrings("__name__", c.TotalRate(w.Base), "layer", "service", "owner", "team", "service", "api", "slo", "availability"),
		0, lastLive.UnixMilli(), 95, nil, nil, promstorage.AOptions{})
	require.NoError(t, err)
	require.NoError(t, app.Commit())

	_, err = ev.backfillOne(t.Context(), job{target: target, after: lastLive, to: now})
	require.NoError(t, err)
	f := &fixture{st: st, ev: ev}
	got := f.query(t, "count_over_time("+c.ErrorRate(w.Base)+`{slo="availability"}[19m])`, now.Add(-time.Minute))
	require.Empty(t, got, "error base rates recorded in the gap, with no total beside them")
}

// A raw SLI's total base rate is derived from its error ratio (evaluated after it): backfill pairs them in that
// order too, and records both.
func TestBackfillPairsARawSLI(t *testing.T) {
	s := availabilitySLO()
	s.SLI = slo.SLI{Kind: slo.SLIRaw, ErrorRatio: `sum(rate(http_requests_total{code="500"}[{{.window}}])) / sum(rate(http_requests_total[{{.window}}]))`}
	w := generate.Options{}.Windows(s.Period)
	dir := t.TempDir()
	now := time.Now()
	writeGappedHistory(t, dir, now, [][2]time.Time{{now.Add(-time.Hour), now.Add(-40 * time.Minute)}})
	st := openStorage(t, dir)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	ev := startBackfilling(t, st, s, prometheus.NewRegistry())
	t.Cleanup(ev.Stop)
	f := &fixture{st: st, ev: ev}
	sel := `{slo="availability"}[2d])`
	errs := f.query(t, "count_over_time("+c.ErrorRate(w.Base)+sel, now)
	totals := f.query(t, "count_over_time("+c.TotalRate(w.Base)+sel, now)
	require.Len(t, errs, 1)
	require.Len(t, totals, 1)
	require.Greater(t, totals[0].F, 400.0, "a day of 5m steps and the recent part at 30s")
	require.Equal(t, errs[0].F, totals[0].F)
}
