package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
)

const (
	// queriesPerRequest relates the database's traffic to the payment API's.
	queriesPerRequest = 4
	// queryMedian is the median query duration at the trough; it grows by a fifth at the peak. With
	// querySigma the p99 is about 5 ms, ten times faster than the 50 ms threshold.
	queryMedian = 0.0011
	querySigma  = 0.6
	// A handful of queries (one in ten thousand) hit a slow plan around 80 ms.
	slowQueryShare  = 0.0001
	slowQueryMedian = 0.08
	slowQuerySigma  = 0.4

	// querySchema is the native histogram's resolution: 8 buckets per power of two (factor 1.09), what
	// client libraries pick for a bucket factor of 1.1. The buckets span [firstBucket, lastBucket]: from about
	// 0.12 ms to 125 ms; anything outside lands in the first or last bucket.
	querySchema = 3
	firstBucket = -104
	lastBucket  = -24

	// probeFailure is the chance that a blackbox probe of the primary fails on a good day.
	probeFailure = 0.0004

	// lagIncidentAgo and lagIncidentLength place the old replication incident before the start.
	lagIncidentAgo    = 30 * time.Hour
	lagIncidentLength = 25 * time.Minute
)

type dbInstance struct {
	name  string
	share float64 // of the queries
}

var dbInstances = []dbInstance{
	{name: "payments-db-0", share: 0.5}, // the primary
	{name: "payments-db-1", share: 0.25},
	{name: "payments-db-2", share: 0.25},
}

// nativeHistogram is an integer native histogram with a fixed bucket layout, accumulated from expected counts.
type nativeHistogram struct {
	*series
	buckets []float64 // cumulative expected observations per bucket
	sum     float64
}

// bucketUpper is the upper bound of bucket i in querySchema.
func bucketUpper(i int) float64 { return math.Exp2(float64(i) / (1 << querySchema)) }

func (h *nativeHistogram) observe(n float64, d latency) {
	prev := 0.0 // everything below the first bucket is counted in it
	for j := range h.buckets {
		c := 1.0 // everything above the last bucket is counted in it
		if j < len(h.buckets)-1 {
			c = d.cdf(bucketUpper(firstBucket + j))
		}
		h.buckets[j] += n * (c - prev)
		prev = c
	}
	h.sum += n * d.mean()
}

// snapshot is the histogram as a scrape would see it: whole counts, delta-encoded buckets.
func (h *nativeHistogram) snapshot() *histogram.Histogram {
	out := &histogram.Histogram{
		Schema:          querySchema,
		ZeroThreshold:   math.Ldexp(1, -128), // the client libraries' default
		Sum:             h.sum,
		PositiveSpans:   []histogram.Span{{Offset: firstBucket, Length: uint32(len(h.buckets))}},
		PositiveBuckets: make([]int64, len(h.buckets)),
	}
	var prev int64
	for j, b := range h.buckets {
		c := int64(math.Floor(b))
		out.PositiveBuckets[j] = c - prev
		out.Count += uint64(c)
		prev = c
	}
	return out
}

// database is the payments database (examples/payments-db.yaml): the native histogram
// pg_query_duration_seconds per instance, the blackbox probe of the primary and the replicas' lag.
type database struct {
	rng     *rand.Rand
	lagging window // the old replication incident, on the last replica
	load    *wander
	queries []*nativeHistogram
	probe   *series
	lag     []*series // one per replica
}

func newDatabase(rng *rand.Rand, start time.Time) *database {
	from := start.Add(-lagIncidentAgo)
	d := &database{
		rng:     rng,
		lagging: window{from: from, to: from.Add(lagIncidentLength)},
		load:    newWander(rng),
		probe: newSeries("probe_success", model.MetricTypeGauge, "Whether the probe succeeded.",
			"job", "blackbox", "instance", "blackbox-exporter:9115", "target", "payments-db-primary"),
	}
	for i, inst := range dbInstances {
		d.queries = append(d.queries, &nativeHistogram{
			series: newSeries("pg_query_duration_seconds", model.MetricTypeHistogram, "Time to run a query.",
				"job", "postgres", "cluster", "payments", "instance", inst.name),
			buckets: make([]float64, lastBucket-firstBucket+1),
		})
		if i > 0 {
			d.lag = append(d.lag, newSeries("pg_replication_lag_seconds", model.MetricTypeGauge,
				"How far the replica's replay is behind the primary.",
				"job", "postgres", "cluster", "payments", "instance", inst.name))
		}
	}
	return d
}

func (d *database) seriesCount() int { return len(d.queries) + 1 + len(d.lag) }

func (d *database) step(t time.Time, dt float64, out sink) {
	load := diurnal(t) * (1 + 0.04*d.load.next(d.rng, dt))
	qps := paymentsPeakRPS * queriesPerRequest * load
	dist := latency{
		median: queryMedian * (1 + 0.2*load), sigma: querySigma,
		slowShare: slowQueryShare, slowMedian: slowQueryMedian, slowSigma: slowQuerySigma,
	}
	for i, q := range d.queries {
		q.observe(qps*dbInstances[i].share*jitter(d.rng, 0.03)*dt, dist)
		out.histogram(q.series, q.snapshot())
	}

	up := 1.0
	if d.rng.Float64() < probeFailure {
		up = 0
	}
	out.float(d.probe, up)

	for i, s := range d.lag {
		lag := 0.1 + 0.5*load + 0.1*math.Abs(d.rng.NormFloat64())
		if i == len(d.lag)-1 && d.lagging.contains(t) {
			lag = 6 + 30*math.Sin(math.Pi*d.lagging.progress(t))
		}
		out.float(s, lag)
	}
}
