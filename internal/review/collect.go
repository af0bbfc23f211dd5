package review

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// grid is the review's time grid: events are counted per hour, the resolution of every per-slice number and
// of the paging estimate.
const grid = time.Hour

// hourly holds an SLO's bad and total events per hour; hour i is (from+i·grid, from+(i+1)·grid]. NaN marks
// an hour without data.
type hourly struct {
	from       time.Time
	bad, total []float64
}

func newHourly(from, until time.Time) *hourly {
	n := int(until.Sub(from) / grid)
	h := &hourly{from: from, bad: make([]float64, n), total: make([]float64, n)}
	for i := range n {
		h.bad[i], h.total[i] = math.NaN(), math.NaN()
	}
	return h
}

// index is the hour that ends at t.
func (h *hourly) index(t time.Time) int { return int(t.Sub(h.from)/grid) - 1 }

// span is the hours of [from, until) that h holds.
func (h *hourly) span(from, until time.Time) (int, int) {
	i, j := int(from.Sub(h.from)/grid), int(until.Sub(h.from)/grid)
	return max(i, 0), min(j, len(h.bad))
}

// sum adds up the events of [from, until) and counts the hours with data.
func (h *hourly) sum(bad []float64, from, until time.Time) (b, t float64, hours int) {
	i, j := h.span(from, until)
	for k := i; k < j; k++ {
		if math.IsNaN(h.total[k]) {
			continue
		}
		b += bad[k]
		t += h.total[k]
		hours++
	}
	return b, t, hours
}

// exprs are the queries of one SLO, built by the generator's own base-rate builder so that the review
// measures what the alerts measure. They are taken over the whole SLO (no grouping).
type exprs struct {
	errRate, totalRate string // per second over one grid step
	peakRate           string // total per second over the peak window; empty when throughput means nothing
	raw                bool   // errRate is a ratio of time; every second is an event
	histogram          func(r time.Duration) string
}

func exprsFor(s *slo.SLO, peakWindow time.Duration) (exprs, error) {
	whole := *s
	whole.Grouping = nil
	var e exprs
	e.errRate, e.totalRate = generate.BaseRates(&whole, grid)
	switch s.SLI.Kind {
	case slo.SLIRaw:
		e.raw, e.totalRate = true, ""
	case slo.SLIEvents, slo.SLILatency, slo.SLINativeLatency:
		_, e.peakRate = generate.BaseRates(&whole, peakWindow)
	}
	switch s.SLI.Kind {
	case slo.SLILatency:
		bucket, err := renamed(s.SLI.Histogram, "_bucket")
		if err != nil {
			return exprs{}, err
		}
		e.histogram = func(r time.Duration) string {
			return "sum by (le) (increase(" + bucket + "[" + model.Duration(r).String() + "]))"
		}
	case slo.SLINativeLatency:
		e.histogram = func(r time.Duration) string {
			return "sum(increase(" + s.SLI.Histogram + "[" + model.Duration(r).String() + "]))"
		}
	}
	return e, nil
}

// renamed returns a classic histogram's base selector with suffix added to the metric name.
func renamed(sel, suffix string) (string, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(sel)
	if err != nil {
		return "", fmt.Errorf("histogram selector %s: %w", sel, err)
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok {
		return "", fmt.Errorf("histogram selector %s is not a series selector", sel)
	}
	vs.Name += suffix
	for i, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName {
			vs.LabelMatchers[i] = labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, vs.Name)
		}
	}
	return vs.String(), nil
}

// sliceData is what is read of one slice besides the hourly events.
type sliceData struct {
	Slice
	// peak is the highest total rate over the peak window; NaN when not read.
	peak float64
	// classic maps a classic histogram's bucket boundaries to their observations in the slice.
	classic map[float64]float64
	// native is the native histogram of the slice's observations.
	native *histogram.FloatHistogram
}

// sloData is everything read of one SLO.
type sloData struct {
	s        *slo.SLO
	reviewed bool // reported; otherwise only read for the attribution of an SLO depending on it
	// from, until are the review window; fetchFrom ≤ from is where its hourly events start, early enough
	// for the windows of the SLOs that depend on it.
	from, until, fetchFrom time.Time
	slicing                Slicing
	slices                 []*sliceData
	h                      *hourly
	e                      exprs
	// dayPeaks are the highest rates of each day of the window, for capacity drift.
	dayPeaks []dayPeak
}

type dayPeak struct {
	day  time.Time
	rate float64
}

func (d *sloData) sliceAt(t time.Time) *sliceData {
	for _, s := range d.slices {
		if !t.Before(s.Start) && t.Before(s.End) {
			return s
		}
	}
	return nil
}

// chunkCount is the number of day queries collect runs for d.
func (d *sloData) chunkCount() int { return len(chunks(d.fetchFrom, d.until)) }

// collect reads d's history a day at a time, so that no query holds more than one day of the SLO's series:
// the hourly events from fetchFrom, and within the review window the peak rate and the histogram.
func (r *run) collect(ctx context.Context, d *sloData) error {
	d.h = newHourly(d.fetchFrom, d.until)
	for _, c := range chunks(d.fetchFrom, d.until) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.hours(ctx, d.h, d.h.bad, d.e.errRate, c); err != nil {
			return err
		}
		if d.e.raw {
			// Every second with a ratio is an event, as in the rules.
			i, j := d.h.span(c.Start, c.End)
			for k := i; k < j; k++ {
				if !math.IsNaN(d.h.bad[k]) {
					d.h.total[k] = float64(grid / time.Second)
				}
			}
		} else if err := r.hours(ctx, d.h, d.h.total, d.e.totalRate, c); err != nil {
			return err
		}
		fill(d.h, c)
		if !c.Start.Before(d.from) {
			if err := r.perSlice(ctx, d, c); err != nil {
				return err
			}
		}
		r.progress(d.s.ID(), c.End)
	}
	return nil
}

// hours runs a per-second rate query over chunk c on the hourly grid and stores events per hour in into.
func (r *run) hours(ctx context.Context, h *hourly, into []float64, q string, c Slice) error {
	return r.q.rangeQuery(ctx, q, c.Start.Add(grid), c.End, grid, func(m promql.Matrix) {
		for _, s := range m {
			for _, p := range s.Floats {
				i := h.index(time.UnixMilli(p.T))
				if i < 0 || i >= len(into) || math.IsNaN(p.F) {
					continue
				}
				if math.IsNaN(into[i]) {
					into[i] = 0
				}
				into[i] += p.F * grid.Seconds()
			}
		}
	})
}

// fill makes the hours of c consistent: no total, no data; a total without errors, no errors.
func fill(h *hourly, c Slice) {
	i, j := h.span(c.Start, c.End)
	for k := i; k < j; k++ {
		switch {
		case math.IsNaN(h.total[k]):
			h.bad[k] = math.NaN()
		case math.IsNaN(h.bad[k]):
			h.bad[k] = 0
		}
	}
}

// perSlice reads the peak rate and the histogram of chunk c into its slice.
func (r *run) perSlice(ctx context.Context, d *sloData, c Slice) error {
	sl := d.sliceAt(c.Start)
	if sl == nil {
		return nil
	}
	if d.e.peakRate != "" {
		peak := math.NaN()
		w := r.opts.PeakWindow
		if c.End.Sub(c.Start) >= w {
			err := r.q.rangeQuery(ctx, d.e.peakRate, c.Start.Add(w), c.End, w, func(m promql.Matrix) {
				for _, s := range m {
					for _, p := range s.Floats {
						if !math.IsNaN(p.F) && !(p.F <= peak) {
							peak = p.F
						}
					}
				}
			})
			if err != nil {
				return err
			}
		}
		// The hourly rates are a floor when the peak window holds too few samples.
		i, j := d.h.span(c.Start, c.End)
		for k := i; k < j; k++ {
			if rate := d.h.total[k] / grid.Seconds(); !math.IsNaN(rate) && !(rate <= peak) {
				peak = rate
			}
		}
		if !math.IsNaN(peak) {
			d.dayPeaks = append(d.dayPeaks, dayPeak{day: c.Start.Truncate(day), rate: peak})
			if !(peak <= sl.peak) {
				sl.peak = peak
			}
		}
	}
	if d.e.histogram == nil {
		return nil
	}
	return r.q.instantQuery(ctx, d.e.histogram(c.End.Sub(c.Start)), c.End, func(v promql.Vector) {
		for _, s := range v {
			if s.H != nil {
				if sl.native == nil {
					sl.native = s.H.Copy()
				} else if sum, _, _, err := sl.native.Add(s.H); err == nil {
					sl.native = sum
				}
				continue
			}
			le, err := strconv.ParseFloat(s.Metric.Get(labels.BucketLabel), 64)
			if err != nil || math.IsNaN(s.F) {
				continue
			}
			if sl.classic == nil {
				sl.classic = map[float64]float64{}
			}
			sl.classic[le] += s.F
		}
	})
}

// collectBad reads, for a proposed target (another latency threshold), the bad events per hour of d's
// review window.
func (r *run) collectBad(ctx context.Context, d *sloData, s *slo.SLO) ([]float64, error) {
	e, err := exprsFor(s, r.opts.PeakWindow)
	if err != nil {
		return nil, err
	}
	bad := make([]float64, len(d.h.bad))
	for i := range bad {
		bad[i] = math.NaN()
	}
	for _, c := range chunks(d.from, d.until) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := r.hours(ctx, d.h, bad, e.errRate, c); err != nil {
			return nil, err
		}
		r.progress(d.s.ID()+" (proposed target)", c.End)
	}
	for i := range bad {
		if math.IsNaN(d.h.total[i]) {
			bad[i] = math.NaN()
		} else if math.IsNaN(bad[i]) {
			bad[i] = 0
		}
	}
	return bad, nil
}
