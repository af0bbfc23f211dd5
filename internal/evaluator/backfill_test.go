package evaluator

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/rules"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/storage"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// history is two days of 15s scrapes of http_requests_total ending at end, 100 requests per scrape, with an
// error share that changes every hour (0.2% … 6%), so that a budget over a wrong stretch of time is visibly wrong.
type history struct {
	end    time.Time
	start  time.Time
	errs   []float64 // cumulative errors at each scrape
	totals []float64
}

const scrape = 15 * time.Second

func errShare(i int) float64 { return 0.002 + 0.058*float64((i*7)%24)/23 }

func newHistory(end time.Time, d time.Duration) *history {
	h := &history{end: end, start: end.Add(-d)}
	var e, tot float64
	for ts := h.start; !ts.After(end); ts = ts.Add(scrape) {
		e += 100 * errShare(int(ts.Sub(h.start)/time.Hour))
		tot += 100
		h.errs = append(h.errs, e)
		h.totals = append(h.totals, tot)
	}
	return h
}

// writeBlocks writes the history as TSDB blocks into dir, before the TSDB opens: in bulk, as a Prometheus whose
// history the daemon reads would hold it, rather than days of samples at once in the head.
func (h *history) writeBlocks(t *testing.T, dir string) {
	w, err := tsdb.NewBlockWriter(promslog.NewNopLogger(), dir, 2*time.Hour.Milliseconds())
	require.NoError(t, err)
	defer w.Close()
	h.appendTo(t, w)
	_, err = w.Flush(t.Context())
	require.NoError(t, err)
}

func (h *history) appendTo(t *testing.T, a promstorage.AppendableV2) {
	app := a.AppenderV2(t.Context())
	errLs := labels.FromStrings("__name__", "http_requests_total", "code", "500")
	okLs := labels.FromStrings("__name__", "http_requests_total", "code", "200")
	for i := range h.errs {
		ts := h.start.Add(time.Duration(i) * scrape).UnixMilli()
		_, err := app.Append(0, errLs, 0, ts, h.errs[i], nil, nil, promstorage.AOptions{})
		require.NoError(t, err)
		_, err = app.Append(0, okLs, 0, ts, h.totals[i]-h.errs[i], nil, nil, promstorage.AOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, app.Commit())
}

// ratio is the exact share of errors among the requests in (a, b], from the counters themselves.
func (h *history) ratio(a, b time.Time) float64 {
	idx := func(ts time.Time) int { return int(ts.Sub(h.start) / scrape) } // last scrape at or before ts
	i, j := idx(a), idx(b)
	return (h.errs[j] - h.errs[i]) / (h.totals[j] - h.totals[i])
}

func openStorage(t *testing.T, dir string) *storage.Storage {
	st, err := storage.Open(storage.Options{Dir: dir, OutOfOrderTimeWindow: 30 * 24 * time.Hour})
	require.NoError(t, err)
	return st
}

func startBackfilling(t *testing.T, st *storage.Storage, s *slo.SLO, reg prometheus.Registerer) *Evaluator {
	ev := New(Options{
		Queryable:  st.Queryable(),
		Appendable: st.Appendable(),
		Registerer: reg,
		Logger:     promslog.New(&promslog.Config{}),
		Backfill:   BackfillOptions{Local: st.Local(), RetryInterval: 100 * time.Millisecond},
	})
	o := generate.Options{}
	groups := generate.SLOGroups(s, o)
	target, err := TargetFor(specID, s, o.Windows(s.Period), groups)
	require.NoError(t, err)
	ev.SetTargets([]Target{target})
	require.Equal(t, 1, ev.Pending())
	require.NoError(t, ev.Update(map[string][]rulefmt.RuleGroup{specID: groups}))
	go ev.Run()
	require.Eventually(t, func() bool { return ev.Pending() == 0 }, time.Minute, 50*time.Millisecond)
	return ev
}

func TestBackfillRebuildsThePeriodExactly(t *testing.T) {
	s := availabilitySLO() // 99% over 1d
	w := generate.Options{}.Windows(s.Period)
	dir := t.TempDir()
	now := time.Now()
	h := newHistory(now, 50*time.Hour)
	h.writeBlocks(t, dir)
	st := openStorage(t, dir)
	_ = st

	reg := prometheus.NewRegistry()
	ev := startBackfilling(t, st, s, reg)
	f := &fixture{st: st, ev: ev}
	require.Equal(t, 1.0, testutil.ToFloat64(ev.metrics.backfillRuns.WithLabelValues("success")))
	firstRun := testutil.ToFloat64(ev.metrics.backfillSamples)
	require.Positive(t, firstRun)

	// The newest backfilled tile, and the period ratio the budget group computes from the tiles at that time.
	tileTotal := c.TotalRate(w.Tile) + `{slo="availability"}`
	target, err := TargetFor(specID, s, w, generate.SLOGroups(s, generate.Options{}))
	require.NoError(t, err)
	last, err := ev.lastSample(t.Context(), target, c.TotalRate(w.Tile), now.Add(-time.Hour), now.Add(time.Millisecond))
	require.NoError(t, err)
	require.WithinDuration(t, now, last, w.Tile+time.Second)

	period := c.Window(s.Period)
	v := f.query(t, "avg_over_time("+c.ErrorRate(w.Tile)+`{slo="availability"}[`+period+"]) / avg_over_time("+tileTotal+"["+period+"])", last)
	require.Len(t, v, 1)
	want := h.ratio(last.Add(-s.Period), last)
	require.InEpsilon(t, want, v[0].F, 0.005, "period ratio from backfilled tiles %g, exact %g", v[0].F, want)
	// A whole period of tiles, no more: the coverage rule reads 1 and no tile overlaps another.
	v = f.query(t, "count_over_time("+tileTotal+"["+period+"])", last)
	require.Len(t, v, 1)
	require.Equal(t, float64(s.Period/w.Tile), v[0].F)

	// The short windows read backfilled base rates on the sli group's evaluation grid (every 30s), as the live
	// group records them; the 1h ratio is their average (sliding 5m rates smooth the hourly steps a little).
	v = f.query(t, "count_over_time("+c.TotalRate(w.Base)+`{slo="availability"}[1h])`, last)
	require.Len(t, v, 1)
	require.Equal(t, float64(time.Hour/DefaultInterval), v[0].F)
	v = f.query(t, "avg_over_time("+c.ErrorRate(w.Base)+`{slo="availability"}[1h]) / avg_over_time(`+c.TotalRate(w.Base)+`{slo="availability"}[1h])`, last)
	require.Len(t, v, 1)
	require.InEpsilon(t, h.ratio(last.Add(-time.Hour), last), v[0].F, 0.05)

	// A restart re-uses the local TSDB and backfills only the gap since the last sample.
	ev.Stop()
	require.NoError(t, st.Close())
	st = openStorage(t, dir)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	reg = prometheus.NewRegistry()
	ev = startBackfilling(t, st, s, reg)
	t.Cleanup(ev.Stop)
	again := testutil.ToFloat64(ev.metrics.backfillSamples)
	require.Less(t, again, firstRun/50, "a restart backfilled %g samples, the first run %g", again, firstRun)
	f = &fixture{st: st, ev: ev}
	v = f.query(t, "count_over_time("+tileTotal+"["+period+"])", last)
	require.Len(t, v, 1)
	require.Equal(t, float64(s.Period/w.Tile), v[0].F, "a restart must not duplicate tiles")
	require.False(t, math.IsNaN(v[0].F))
}

// flakyQueryable fails every Select of one metric while fail is set, as remote storage that went away would.
type flakyQueryable struct {
	promstorage.Queryable
	metric string
	fail   *atomic.Bool
}

func (q flakyQueryable) Querier(mint, maxt int64) (promstorage.Querier, error) {
	inner, err := q.Queryable.Querier(mint, maxt)
	if err != nil {
		return nil, err
	}
	return flakyQuerier{Querier: inner, q: q}, nil
}

type flakyQuerier struct {
	promstorage.Querier
	q flakyQueryable
}

func (q flakyQuerier) Select(ctx context.Context, sorted bool, hints *promstorage.SelectHints, ms ...*labels.Matcher) promstorage.SeriesSet {
	for _, m := range ms {
		if m.Name == labels.MetricName && m.Value == q.q.metric && q.q.fail.Load() {
			return promstorage.ErrSeriesSet(errors.New("remote storage unreachable"))
		}
	}
	return q.Querier.Select(ctx, sorted, hints, ms...)
}

// TestSharedGroupRecoveryBackfillsTheSLOThatFailed: two SLOs of a service share their groups; while the raw
// series of one cannot be read, only its rules fail, and when they work again only its gap is queued, from its
// last successful evaluation.
func TestSharedGroupRecoveryBackfillsTheSLOThatFailed(t *testing.T) {
	st := openStorage(t, t.TempDir())
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	fail := &atomic.Bool{}
	ev := New(Options{
		Queryable:  flakyQueryable{Queryable: st.Queryable(), metric: "flaky_total", fail: fail},
		Appendable: st.Appendable(),
		Backfill:   BackfillOptions{Local: st.Local()},
	})
	t.Cleanup(ev.Stop)

	good := availabilitySLO()
	flaky := availabilitySLO()
	flaky.Name = "flaky"
	flaky.SLI.Errors, flaky.SLI.Total = `flaky_total{code="500"}`, "flaky_total"
	o := generate.Options{GroupBy: generate.GroupByService}
	var targets []Target
	for _, s := range []*slo.SLO{good, flaky} {
		tg, err := TargetFor(specID, s, o.Windows(s.Period), generate.SLOGroups(s, o))
		require.NoError(t, err)
		targets = append(targets, tg)
	}
	groups := generate.Groups([]*slo.SLO{good, flaky}, o)
	require.Len(t, groups, 3, "the two SLOs share an sli, a tiles and a budget group")
	ev.SetTargets(targets)
	require.NoError(t, ev.Update(map[string][]rulefmt.RuleGroup{specID: groups}))
	require.Equal(t, 2, ev.Pending(), "both SLOs are new")

	var sli *rules.Group
	for _, g := range ev.RuleGroups() {
		if g.Name() == c.ServiceGroupSLI(good.Service) {
			sli = g
		}
	}
	require.NotNil(t, sli)
	eval := func(ts time.Time) map[string]bool {
		rules.DefaultEvalIterationFunc(t.Context(), sli, ts)
		ev.observe(sli, ts, 0)
		failed := map[string]bool{}
		for _, r := range sli.Rules() {
			if r.LastError() != nil {
				failed[r.Labels().Get(c.LabelSLO)] = true
			}
		}
		return failed
	}
	t0 := time.Now().Truncate(time.Minute)
	require.Empty(t, eval(t0))
	fail.Store(true)
	require.Equal(t, map[string]bool{"flaky": true}, eval(t0.Add(30*time.Second)), "only the flaky SLO's rules fail")
	require.Equal(t, 2, ev.Pending(), "nothing to backfill while it fails")
	fail.Store(false)
	t2 := t0.Add(time.Minute)
	require.Empty(t, eval(t2))

	ev.backfill.mtx.Lock()
	queue := slices.Clone(ev.backfill.queue)
	ev.backfill.mtx.Unlock()
	require.Len(t, queue, 3)
	gap := queue[2]
	require.Equal(t, "api/flaky", gap.target.id())
	require.True(t, gap.after.Equal(t0), "from its last success %s, got %s", t0, gap.after)
	require.True(t, gap.to.Equal(t2), "to its recovery %s, got %s", t2, gap.to)
	require.Empty(t, eval(t2.Add(30*time.Second)))
	require.Equal(t, 3, ev.Pending(), "a recovery is queued once")
}
