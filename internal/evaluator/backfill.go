package evaluator

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// Backfill.
//
// A daemon that starts fresh has no recorded history: its tiles, and so its period and long windows, would cover
// only the minutes since it started, and a budget computed over them would look intact when it is not. Backfill
// rebuilds the history the long windows need by evaluating the SLO's own recording rules over the past with
// range queries on the merged storage (so the raw series may come from remote read), and appends the results
// to the local TSDB. It only rebuilds what the rules read later:
//
//   - the base rates (the two rules of the sli group that read raw series), at the sli group's own evaluation
//     grid for the recent part the short windows average (12 tiles and one more), and at a step that tiles
//     divide exactly (the base window when it divides the tile) before that — so every tile is the exact
//     average of back-to-back rate windows;
//   - the block and span rates that windows are stitched from (slo.Windows), on the sli group's grid over the
//     same recent part, where the stitched windows read them at exact offsets;
//   - the tiles, on the tiles group's own evaluation grid, so that backfilled and live tiles never overlap.
//
// Everything else (window ratios, the period, the budget, alerts) is a function of these at evaluation time and
// is computed live from the first evaluation on. A restart re-uses the local TSDB and backfills only after the
// last recorded sample; an evaluation that fails (remote storage down) and then recovers is backfilled over the
// gap. Backfill runs beside live evaluation; until it is done, slo:period_coverage:ratio says how much of the
// period the budget stands on.

// BackfillOptions configures backfill.
type BackfillOptions struct {
	// Disabled turns backfill off: history then starts with the daemon.
	Disabled bool
	// MaxLookback caps how far back backfill reads; 0 means the SLO period.
	MaxLookback time.Duration
	// Local is the local TSDB alone, to find where its recorded history ends. Required unless Disabled.
	Local storage.Queryable
	// RetryInterval is the pause before a failed backfill is tried again. Default 30s.
	RetryInterval time.Duration
}

// job is one backfill to run: the history of target before `to` (exclusive), after `after` when set, or after
// the last recorded sample.
type job struct {
	target Target
	after  time.Time
	to     time.Time
}

// backfiller queues and runs backfill jobs, one at a time.
type backfiller struct {
	e       *Evaluator
	opts    BackfillOptions
	mtx     sync.Mutex
	targets map[string]Target   // by id
	byGroup map[string][]string // sli group key → the ids of its targets
	health  map[string]sliState // by id
	queue   []job
	wake    chan struct{}
}

func newBackfiller(e *Evaluator, opts BackfillOptions) *backfiller {
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = 30 * time.Second
	}
	return &backfiller{e: e, opts: opts, targets: map[string]Target{}, byGroup: map[string][]string{}, health: map[string]sliState{}, wake: make(chan struct{}, 1)}
}

// SetTargets declares the SLOs being evaluated. New and changed SLOs are queued for backfill of their history
// up to now; removed ones are dropped. Call it before the Update that starts their groups, so that the live
// evaluations all come after the backfilled history.
func (e *Evaluator) SetTargets(targets []Target) {
	b := e.backfill
	now := e.now()
	b.mtx.Lock()
	defer b.mtx.Unlock()
	next := make(map[string]Target, len(targets))
	b.byGroup = make(map[string][]string, len(targets))
	for _, t := range targets {
		next[t.id()] = t
		key := rules.GroupKey(t.File, t.SLIGroup)
		b.byGroup[key] = append(b.byGroup[key], t.id())
		if old, ok := b.targets[t.id()]; ok && old.equal(t) {
			continue
		}
		if !b.opts.Disabled {
			b.queue = slices.DeleteFunc(b.queue, func(j job) bool { return j.target.id() == t.id() })
			b.queue = append(b.queue, job{target: t, to: now})
		}
	}
	b.queue = slices.DeleteFunc(b.queue, func(j job) bool { _, ok := next[j.target.id()]; return !ok })
	for id, t := range b.targets {
		if _, ok := next[id]; !ok {
			e.metrics.backfillLastEnd.DeleteLabelValues(t.Service, t.SLO)
			delete(b.health, id)
		}
	}
	b.targets = next
	e.metrics.backfillPending.Set(float64(len(b.queue)))
	b.signal()
}

// sliState is whether an SLO's rules in its sli group failed at their last evaluation, and when they last
// all worked (an evaluation timestamp).
type sliState struct {
	failing     bool
	lastSuccess time.Time
}

// observed records an evaluation at ts of the group with key groupKey, in which the rules of the SLOs in failed
// (by id) failed. When it is an sli group, the SLOs whose rules failed before and work again have the gap since
// their last success queued for backfill.
func (b *backfiller) observed(groupKey string, ts time.Time, failed map[string]bool) {
	b.mtx.Lock()
	defer b.mtx.Unlock()
	queued := false
	for _, id := range b.byGroup[groupKey] {
		st := b.health[id]
		if failed[id] {
			st.failing = true
			b.health[id] = st
			continue
		}
		if st.failing && !st.lastSuccess.IsZero() && !b.opts.Disabled {
			b.e.logger.Info("SLO rules recovered, backfilling the gap", "slo", id, "since", st.lastSuccess)
			b.queue = append(b.queue, job{target: b.targets[id], after: st.lastSuccess, to: ts})
			queued = true
		}
		b.health[id] = sliState{lastSuccess: ts}
	}
	if queued {
		b.e.metrics.backfillPending.Set(float64(len(b.queue)))
		b.signal()
	}
}

func (b *backfiller) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Pending is the number of SLO backfills queued or running.
func (e *Evaluator) Pending() int {
	e.backfill.mtx.Lock()
	defer e.backfill.mtx.Unlock()
	return len(e.backfill.queue)
}

// run works the queue until ctx is done. A failed job goes back to the end of the queue and is retried after
// RetryInterval, so backfill resumes on its own when remote storage comes back.
func (b *backfiller) run(ctx context.Context) {
	for {
		b.mtx.Lock()
		var (
			j  job
			ok = len(b.queue) > 0
		)
		if ok {
			j = b.queue[0]
		}
		b.mtx.Unlock()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-b.wake:
				continue
			}
		}
		start := time.Now()
		n, err := b.e.backfillOne(ctx, j)
		if ctx.Err() != nil {
			return
		}
		b.e.metrics.backfillSamples.Add(float64(n))
		b.mtx.Lock()
		// The job may have been replaced or dropped while it ran.
		if len(b.queue) > 0 && b.queue[0].target.id() == j.target.id() && b.queue[0].to.Equal(j.to) {
			b.queue = b.queue[1:]
			if err != nil {
				if _, live := b.targets[j.target.id()]; live {
					b.queue = append(b.queue, j)
				}
			}
		}
		b.e.metrics.backfillPending.Set(float64(len(b.queue)))
		b.mtx.Unlock()
		if err != nil {
			b.e.metrics.backfillRuns.WithLabelValues("failure").Inc()
			b.e.logger.Warn("Backfill failed, will retry", "slo", j.target.id(), "retry_in", b.opts.RetryInterval, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(b.opts.RetryInterval):
			}
			continue
		}
		b.e.metrics.backfillRuns.WithLabelValues("success").Inc()
		b.e.metrics.backfillDuration.Observe(time.Since(start).Seconds())
		b.e.metrics.backfillLastEnd.WithLabelValues(j.target.Service, j.target.SLO).SetToCurrentTime()
		b.e.logger.Info("Backfilled SLO history", "slo", j.target.id(), "samples", n, "duration", time.Since(start))
	}
}

// maxSteps keeps each range query under the engine's 11,000 points per series.
const maxSteps = 10000

func (e *Evaluator) backfillOne(ctx context.Context, j job) (int, error) {
	t := j.target
	sliGroup, tilesGroup, err := e.waitGroups(ctx, t)
	if err != nil {
		return 0, err
	}
	lastBase, sliLast, tileFirst, tileLast, err := e.backfillGrid(ctx, j, sliGroup, tilesGroup)
	if err != nil {
		return 0, err
	}

	// Base rates: the evaluation grid over the recent part (13 tiles, or what the stitched windows read) before
	// the newest tile, a coarser grid that the tiles divide exactly before that, starting on a tile slot.
	split := tileLast.Add(-t.Recent)
	coarse := gcd(t.Base, t.Tile)
	n := 0
	// The base rules in evaluation order: the second reads the first (an events SLI's error rate falls back on its
	// total, a raw SLI's total is derived from its error ratio), and is recorded only beside it.
	first := seenAt{}
	for i, r := range t.BaseRules {
		pairs := pairing{note: first}
		if i > 0 {
			pairs = pairing{keep: first}
		}
		// Coarse part: (lastBase, split], enough to build the first tile.
		from := gridAfter(split, coarse, maxTime(lastBase, tileFirst.Add(-t.Tile)))
		k, err := e.backfillRule(ctx, r, from, split, coarse, pairs)
		n += k
		if err != nil {
			return n, err
		}
		from = gridAfter(sliLast, sliGroup.Interval(), maxTime(lastBase, split))
		k, err = e.backfillRule(ctx, r, from, sliLast, sliGroup.Interval(), pairs)
		n += k
		if err != nil {
			return n, err
		}
	}
	for _, r := range t.StitchRules {
		k, err := e.backfillRule(ctx, r, gridAfter(sliLast, sliGroup.Interval(), maxTime(lastBase, split)), sliLast, sliGroup.Interval(), pairing{})
		n += k
		if err != nil {
			return n, err
		}
	}
	for _, r := range t.TileRules {
		k, err := e.backfillRule(ctx, r, tileFirst, tileLast, t.Tile, pairing{})
		n += k
		if err != nil {
			return n, err
		}
	}
	// The period as of the newest tile, which the budget group reads until the live tiles group records its
	// own. (At every tile it would cost a period of tiles per step.)
	for _, r := range t.PeriodRules {
		k, err := e.backfillRule(ctx, r, tileLast, tileLast, t.Tile, pairing{})
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// backfillGrid is where backfill of j writes: after the last base rate there is (lastBase), the live groups' last
// slots at or before j.to (sliLast, tileLast) and the first tile to write (tileFirst).
func (e *Evaluator) backfillGrid(ctx context.Context, j job, sliGroup, tilesGroup *rules.Group) (lastBase, sliLast, tileFirst, tileLast time.Time, err error) {
	t := j.target
	lookback := t.Period
	if m := e.backfill.opts.MaxLookback; m > 0 && m < lookback {
		lookback = m
	}
	earliest := j.to.Add(-lookback - t.Tile)

	lastBase, lastTile := j.after, j.after
	if j.after.IsZero() {
		if lastBase, err = e.lastSample(ctx, t, conventions.TotalRate(t.Base), earliest, j.to); err != nil {
			return
		}
		if lastTile, err = e.lastSample(ctx, t, conventions.TotalRate(t.Tile), earliest, j.to); err != nil {
			return
		}
	}

	// The grids of the live groups: their last slot at or before `to`, and back by their interval. Live
	// evaluations come after those slots (their groups started after `to`, or recovered at `to`).
	sliLast = sliGroup.EvalTimestamp(j.to.UnixNano())
	if !sliLast.Before(j.to) && !j.after.IsZero() {
		sliLast = sliLast.Add(-sliGroup.Interval())
	}
	tileLast = tilesGroup.EvalTimestamp(j.to.UnixNano())
	if !tileLast.Before(j.to) && !j.after.IsZero() {
		tileLast = tileLast.Add(-t.Tile)
	}
	tileFirst = gridAfter(tileLast, t.Tile, maxTime(lastTile, earliest.Add(t.Tile)))
	return lastBase, sliLast, tileFirst, tileLast, nil
}

// waitGroups finds the live groups of t, waiting for the Update that starts them.
func (e *Evaluator) waitGroups(ctx context.Context, t Target) (sli, tiles *rules.Group, err error) {
	for {
		for _, g := range e.RuleGroups() {
			if g.File() != t.File {
				continue
			}
			switch g.Name() {
			case t.SLIGroup:
				sli = g
			case t.TilesGroup:
				tiles = g
			}
		}
		if sli != nil && tiles != nil {
			return sli, tiles, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lastSample is the newest timestamp of the SLO's recorded series name in the local TSDB within [from, to), or
// the zero time.
func (e *Evaluator) lastSample(ctx context.Context, t Target, name string, from, to time.Time) (time.Time, error) {
	q, err := e.backfill.opts.Local.Querier(from.UnixMilli(), to.UnixMilli()-1)
	if err != nil {
		return time.Time{}, err
	}
	defer q.Close()
	ss := q.Select(ctx, false, nil,
		labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name),
		labels.MustNewMatcher(labels.MatchEqual, conventions.LabelService, t.Service),
		labels.MustNewMatcher(labels.MatchEqual, conventions.LabelSLO, t.SLO),
		// Another revision's history is another definition's: a new one is backfilled over the whole lookback.
		labels.MustNewMatcher(labels.MatchEqual, conventions.LabelRevision, t.Revision))
	var last int64 = math.MinInt64
	var it chunkenc.Iterator
	for ss.Next() {
		it = ss.At().Iterator(it)
		for vt := it.Next(); vt != chunkenc.ValNone; vt = it.Next() {
			if ts := it.AtT(); ts > last && ts < to.UnixMilli() {
				last = ts
			}
		}
		if err := it.Err(); err != nil {
			return time.Time{}, err
		}
	}
	if err := ss.Err(); err != nil {
		return time.Time{}, err
	}
	if last == math.MinInt64 {
		return time.Time{}, nil
	}
	return time.UnixMilli(last), nil
}

// backfillRule evaluates a recording rule at from, from+step, …, to (inclusive) and appends what it records, as
// the live group would have: with staleness markers where a series stops (see appendMatrix), and, for the error
// base rate, only where the total base rate was recorded too (pairs).
func (e *Evaluator) backfillRule(ctx context.Context, r rulefmt.Rule, from, to time.Time, step time.Duration, pairs pairing) (int, error) {
	if from.After(to) {
		return 0, nil
	}
	qs := r.Expr
	n := 0
	for start := from; !start.After(to); start = start.Add(maxSteps * step) {
		end := minTime(to, start.Add((maxSteps-1)*step))
		var k int
		err := RangeQuery(ctx, e.engine, e.route(qs), qs, start, end, step, func(m promql.Matrix) error {
			var err error
			k, err = e.appendMatrix(ctx, r, m, step, end, pairs)
			return err
		})
		n += k
		if err != nil {
			return n, fmt.Errorf("couldn't backfill %s over [%s, %s]: %w", r.Record, start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), err)
		}
	}
	return n, nil
}

// gridAfter is the first time of the grid {last - k·step} that is after `after` (the zero time: the whole grid
// back to the far past is not wanted, so callers always pass a bound).
func gridAfter(last time.Time, step time.Duration, after time.Time) time.Time {
	if !last.After(after) {
		return last.Add(step) // empty range
	}
	k := last.Sub(after) / step
	if last.Add(-k * step).Equal(after) {
		k--
	}
	return last.Add(-k * step)
}

func gcd(a, b time.Duration) time.Duration {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
