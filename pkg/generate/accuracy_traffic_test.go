package generate_test

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// trafficModel describes the synthetic service of the accuracy test: a
// diurnal request rate, a low background error share and one incident.
type trafficModel struct {
	start, end time.Time     // first and last scrape
	scrape     time.Duration // scrape interval
	// minRate and maxRate are the request rates (per second) at the trough
	// (02:00 UTC) and at the peak (14:00 UTC); the rate follows a cosine.
	minRate, maxRate float64
	// background and incident are the mean shares of failed requests
	// outside and inside [incStart, incEnd).
	background, incident float64
	incStart, incEnd     time.Time
	seed                 uint64
}

// rateAt is the mean request rate at t.
func (m trafficModel) rateAt(t time.Time) float64 {
	day := t.Sub(t.Truncate(24 * time.Hour)).Hours()
	return m.minRate + (m.maxRate-m.minRate)*(1-math.Cos(2*math.Pi*(day-2)/24))/2
}

// errorShareAt is the mean share of failed requests at t.
func (m trafficModel) errorShareAt(t time.Time) float64 {
	if !t.Before(m.incStart) && t.Before(m.incEnd) {
		return m.incident
	}
	return m.background
}

// traffic is the synthesized data: the two counters as scraped.
type traffic struct {
	trafficModel
	// total[i] and errors[i] are the counters of all and of failed requests
	// scraped at start + i×scrape.
	total, errors []float64
}

// synthesize draws integer request counts per scrape interval: the model's
// rate with ±20% noise, each interval's error share with ±50% noise. Carries
// keep the fractional parts, so that long sums follow the model exactly.
func synthesize(m trafficModel) *traffic {
	rnd := rand.New(rand.NewPCG(m.seed, 0x5105))
	n := int(m.end.Sub(m.start)/m.scrape) + 1
	tr := &traffic{trafficModel: m, total: make([]float64, n), errors: make([]float64, n)}
	var reqCarry, errCarry float64
	for i := 1; i < n; i++ {
		mid := m.start.Add(time.Duration(i)*m.scrape - m.scrape/2)
		reqCarry += m.rateAt(mid) * m.scrape.Seconds() * (0.8 + 0.4*rnd.Float64())
		reqs := math.Floor(reqCarry)
		reqCarry -= reqs
		errCarry += reqs * m.errorShareAt(mid) * (0.5 + rnd.Float64())
		errs := math.Min(math.Floor(errCarry), reqs)
		errCarry -= errs
		tr.total[i] = tr.total[i-1] + reqs
		tr.errors[i] = tr.errors[i-1] + errs
	}
	return tr
}

// index is the index of the last scrape at or before t.
func (tr *traffic) index(t time.Time) int {
	i := int(t.Sub(tr.start) / tr.scrape)
	return min(max(i, 0), len(tr.total)-1)
}

// timeOf is the timestamp of scrape i.
func (tr *traffic) timeOf(i int) time.Time { return tr.start.Add(time.Duration(i) * tr.scrape) }

// exact is the share of failed requests among all requests counted by the
// scrapes in (from, to]: a ratio of event sums.
func (tr *traffic) exact(from, to time.Time) float64 {
	i, j := tr.index(from), tr.index(to)
	return (tr.errors[j] - tr.errors[i]) / (tr.total[j] - tr.total[i])
}

// blocks is the share of failed requests among all requests counted between
// the scrapes inside each of n back-to-back blocks of length unit, the newest
// ending at ts: what a window stitched from rates over those blocks measures
// (each rate sees the increase between its first and last scrape).
func (tr *traffic) blocks(ts time.Time, unit time.Duration, n int) float64 {
	var errs, total float64
	for k := range n {
		hi := ts.Add(-time.Duration(k) * unit)
		first, last := tr.index(hi.Add(-unit))+1, tr.index(hi)
		errs += tr.errors[last] - tr.errors[first]
		total += tr.total[last] - tr.total[first]
	}
	return errs / total
}

// perSecond is the request rate over (from, to].
func (tr *traffic) perSecond(from, to time.Time) float64 {
	return (tr.total[tr.index(to)] - tr.total[tr.index(from)]) / to.Sub(from).Seconds()
}

// naive is the mean over time of the error ratios of consecutive buckets
// that tile (from, to], ending at to: what a period SLI computed as
// avg_over_time of a short-window ratio recording gives. Every bucket weighs
// the same, however much traffic it saw.
func (tr *traffic) naive(from, to time.Time, bucket time.Duration) float64 {
	var sum float64
	var n int
	for hi := to; !hi.Add(-bucket).Before(from); hi = hi.Add(-bucket) {
		sum += tr.exact(hi.Add(-bucket), hi)
		n++
	}
	return sum / float64(n)
}

// series are the scraped series: successful and failed requests.
var (
	okSeries  = labels.FromStrings("__name__", "http_requests_total", "job", "api", "code", "200")
	errSeries = labels.FromStrings("__name__", "http_requests_total", "job", "api", "code", "500")
)
