package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/metadata"
	"github.com/prometheus/prometheus/storage"
)

const (
	// peakHour is the hour of the day (UTC) of the daily traffic peak; the trough is 12 hours away.
	peakHour = 15
	// troughShare is the traffic at the trough as a share of the peak.
	troughShare = 0.3
	// wanderTau is the time constant of the slow noise on the traffic: a few minutes, like real load.
	wanderTau = 10 * 60.0
)

// series is one series with its append options and the reference the storage gave it.
type series struct {
	labels labels.Labels
	opts   storage.AppendV2Options
	ref    storage.SeriesRef
}

func newSeries(family string, typ model.MetricType, help string, lbls ...string) *series {
	return &series{
		labels: labels.FromStrings(append([]string{labels.MetricName, family}, lbls...)...),
		opts: storage.AppendV2Options{
			MetricFamilyName: family,
			Metadata:         metadata.Metadata{Type: typ, Help: help},
		},
	}
}

// counter is a monotonic counter: it accumulates an exact expected count and exposes its floor, so that it
// reads like a real event counter (whole numbers) and never decreases.
type counter struct {
	*series
	total float64
}

func (c *counter) add(n float64) {
	if n > 0 {
		c.total += n
	}
}

func (c *counter) emit(out sink) { out.float(c.series, math.Floor(c.total)) }

// classicHistogram is a classic histogram's _bucket, _count and _sum series with Prometheus-3 style bucket
// labels ("0.4", "3.0", "+Inf").
type classicHistogram struct {
	bounds  []float64 // upper bounds, without +Inf
	buckets []*counter
	count   *counter
	sum     *counter
}

func newClassicHistogram(family, help string, bounds []float64, lbls ...string) *classicHistogram {
	h := &classicHistogram{bounds: bounds}
	for _, b := range append(append([]float64(nil), bounds...), math.Inf(1)) {
		ls := append(append([]string(nil), lbls...), labels.BucketLabel, labels.FormatOpenMetricsFloat(b))
		h.buckets = append(h.buckets, &counter{series: newSeries(family+"_bucket", model.MetricTypeHistogram, help, ls...)})
	}
	h.count = &counter{series: newSeries(family+"_count", model.MetricTypeHistogram, help, lbls...)}
	h.sum = &counter{series: newSeries(family+"_sum", model.MetricTypeHistogram, help, lbls...)}
	return h
}

// observe records n observations drawn from d.
func (h *classicHistogram) observe(n float64, d latency) {
	for i, b := range h.bounds {
		h.buckets[i].add(n * d.cdf(b))
	}
	h.buckets[len(h.bounds)].add(n)
	h.count.add(n)
	h.sum.add(n * d.mean())
}

func (h *classicHistogram) emit(out sink) {
	for _, b := range h.buckets {
		b.emit(out)
	}
	h.count.emit(out)
	out.float(h.sum.series, h.sum.total) // a sum of seconds is not a whole number
}

func (h *classicHistogram) seriesCount() int { return len(h.buckets) + 2 }

// window is a time interval [from, to).
type window struct{ from, to time.Time }

func (w window) contains(t time.Time) bool { return !t.Before(w.from) && t.Before(w.to) }

// progress is how far t is into the window, 0..1.
func (w window) progress(t time.Time) float64 {
	return float64(t.Sub(w.from)) / float64(w.to.Sub(w.from))
}

// diurnal is the share of the peak traffic at t: a cosine over the day between troughShare and 1.
func diurnal(t time.Time) float64 {
	const day = 24 * 60 * 60
	s := float64(((t.Unix()%day)+day)%day) / day // fraction of the UTC day
	mid := (1 + troughShare) / 2
	return mid + (1-mid)*math.Cos(2*math.Pi*(s-peakHour/24.0))
}

// wander is slow noise around 0 with unit variance: an Ornstein-Uhlenbeck process sampled at any spacing.
type wander struct{ x float64 }

func newWander(rng *rand.Rand) *wander { return &wander{x: rng.NormFloat64()} }

func (w *wander) next(rng *rand.Rand, dt float64) float64 {
	if dt > 0 {
		phi := math.Exp(-dt / wanderTau)
		w.x = phi*w.x + math.Sqrt(1-phi*phi)*rng.NormFloat64()
	}
	return w.x
}

// jitter is fast multiplicative noise of the given relative size, never below 0.
func jitter(rng *rand.Rand, size float64) float64 {
	return math.Max(0, 1+size*rng.NormFloat64())
}

// latency is a mixture of log-normal distributions of durations in seconds: most requests follow the
// main one, a share slowShare follows a slow one.
type latency struct {
	median, sigma         float64
	slowShare, slowMedian float64
	slowSigma             float64
}

func lognormalCDF(x, median, sigma float64) float64 {
	if x <= 0 {
		return 0
	}
	return 0.5 * math.Erfc(-(math.Log(x)-math.Log(median))/(sigma*math.Sqrt2))
}

// cdf is the share of observations ≤ x.
func (d latency) cdf(x float64) float64 {
	c := lognormalCDF(x, d.median, d.sigma)
	if d.slowShare > 0 {
		c = (1-d.slowShare)*c + d.slowShare*lognormalCDF(x, d.slowMedian, d.slowSigma)
	}
	return c
}

// mean is the mean duration.
func (d latency) mean() float64 {
	m := d.median * math.Exp(d.sigma*d.sigma/2)
	if d.slowShare > 0 {
		m = (1-d.slowShare)*m + d.slowShare*d.slowMedian*math.Exp(d.slowSigma*d.slowSigma/2)
	}
	return m
}
