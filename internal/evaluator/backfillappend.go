package evaluator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// seenAt holds, per series of a base rate (its labels without the name), the timestamps backfill recorded it at.
type seenAt map[string]map[int64]bool

// pairing says what appendMatrix does with the two base rates. The live sli group records both in one evaluation,
// and the second reads the first: an events SLI's error rate falls back on `or 0 * total`. A range query does not
// pair them: at a step where the raw series have just stopped, the fallback still finds the total within the
// lookback (a live one that a failing evaluation left without a staleness marker) and records a zero error rate
// with no total beside it; every window and tile averaging it then counts a stretch without errors that had no
// traffic at all, and refills the budget. So the first base rate is backfilled first (note records where), and
// the second only where the first is (keep).
type pairing struct {
	note seenAt
	keep seenAt
}

// appendMatrix appends what r recorded at each step of a range query ending at end, as the live group would have:
// where a series has no point at a step after one it had (and at end), the live group would have written a
// staleness marker, so backfill writes one too; a series that stopped does not linger for the lookback in the
// rules that read it.
func (e *Evaluator) appendMatrix(ctx context.Context, r rulefmt.Rule, m promql.Matrix, step time.Duration, end time.Time, pairs pairing) (int, error) {
	app := e.opts.Appendable.AppenderV2(ctx)
	lb := labels.NewBuilder(labels.EmptyLabels())
	stale := math.Float64frombits(value.StaleNaN)
	stepMs, endMs := step.Milliseconds(), end.UnixMilli()
	n := 0
	for _, s := range m {
		lb.Reset(s.Metric)
		lb.Set(labels.MetricName, r.Record)
		for k, v := range r.Labels {
			lb.Set(k, v)
		}
		ls := lb.Labels()
		key := lb.Del(labels.MetricName).Labels().String()
		var ref storage.SeriesRef
		last := int64(math.MinInt64)
		add := func(t int64, v float64) error {
			var err error
			ref, err = app.Append(ref, ls, 0, t, v, nil, nil, storage.AOptions{})
			switch {
			case err == nil:
				if !value.IsStaleNaN(v) {
					n++
				}
			case errors.Is(err, storage.ErrDuplicateSampleForTimestamp), errors.Is(err, storage.ErrOutOfOrderSample),
				errors.Is(err, storage.ErrTooOldSample), errors.Is(err, storage.ErrOutOfBounds):
				// Already recorded live, or older than the TSDB keeps: nothing to repair.
			default:
				return err
			}
			return nil
		}
		for _, p := range s.Floats {
			if pairs.keep != nil && !pairs.keep[key][p.T] {
				continue
			}
			if last != math.MinInt64 && p.T-last > stepMs {
				if err := add(last+stepMs, stale); err != nil {
					_ = app.Rollback()
					return n, fmt.Errorf("couldn't append backfilled %s: %w", r.Record, err)
				}
			}
			if err := add(p.T, p.F); err != nil {
				_ = app.Rollback()
				return n, fmt.Errorf("couldn't append backfilled %s: %w", r.Record, err)
			}
			last = p.T
			if pairs.note != nil {
				if pairs.note[key] == nil {
					pairs.note[key] = map[int64]bool{}
				}
				pairs.note[key][p.T] = true
			}
		}
		if last != math.MinInt64 && last+stepMs <= endMs {
			if err := add(last+stepMs, stale); err != nil {
				_ = app.Rollback()
				return n, fmt.Errorf("couldn't append backfilled %s: %w", r.Record, err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		return 0, fmt.Errorf("couldn't commit backfilled %s: %w", r.Record, err)
	}
	return n, nil
}
