package demo

import (
	"math/rand/v2"
	"time"

	"github.com/prometheus/common/model"
)

const (
	// checkoutPeakPerSecond is the number of checkout journeys per second at the daily peak.
	checkoutPeakPerSecond = 40
	// checkoutFailedShare and checkoutErrorShare are the journeys ending in a payment failure or an error on
	// a good day; the live payments incident adds checkoutIncidentFailedShare (checkout retries a failed
	// capture once, and a few journeys fail twice), felt but not enough to page checkout.
	checkoutFailedShare         = 0.0012
	checkoutIncidentFailedShare = 0.0016
	checkoutErrorShare          = 0.0005
	// checkoutMedian is the median journey duration; checkoutSlowMedian the median during the old incident.
	checkoutMedian     = 1.2
	checkoutSlowMedian = 2.6
	checkoutSigma      = 0.35
	// checkoutIncidentAgo and checkoutIncidentLength place the old latency incident before the start.
	checkoutIncidentAgo    = 50 * time.Hour
	checkoutIncidentLength = 90 * time.Minute
)

// checkoutLatencyBounds are the upper bounds of the journey histogram; 3 is the SLO threshold.
var checkoutLatencyBounds = []float64{0.5, 1, 2, 3, 5, 10}

// checkout is the web checkout journey (examples/checkout.yaml): checkout_journey_total by outcome and the
// classic histogram checkout_journey_duration_seconds.
type checkout struct {
	rng                       *rand.Rand
	slow                      window // the old latency incident
	payments                  window // the live payments incident, felt through failed captures
	load                      *wander
	confirmed, failed, errors *counter
	duration                  *classicHistogram
}

func newCheckout(rng *rand.Rand, start time.Time, live window) *checkout {
	const help = "Checkout journeys by outcome."
	base := []string{"job", "checkout-web", "env", "prod"}
	outcome := func(o string) *counter {
		return &counter{series: newSeries("checkout_journey_total", model.MetricTypeCounter, help,
			append(append([]string(nil), base...), "outcome", o)...)}
	}
	from := start.Add(-checkoutIncidentAgo)
	return &checkout{
		rng:       rng,
		slow:      window{from: from, to: from.Add(checkoutIncidentLength)},
		payments:  live,
		load:      newWander(rng),
		confirmed: outcome("confirmed"),
		failed:    outcome("payment_failed"),
		errors:    outcome("error"),
		duration: newClassicHistogram("checkout_journey_duration_seconds",
			"Time from placing an order to the confirmation page.", checkoutLatencyBounds, base...),
	}
}

func (c *checkout) seriesCount() int { return 3 + c.duration.seriesCount() }

func (c *checkout) step(t time.Time, dt float64, out sink) {
	n := checkoutPeakPerSecond * diurnal(t) * (1 + 0.05*c.load.next(c.rng, dt)) * jitter(c.rng, 0.05) * dt
	failed := checkoutFailedShare
	if c.payments.contains(t) {
		failed += checkoutIncidentFailedShare
	}
	c.confirmed.add(n * (1 - failed - checkoutErrorShare))
	c.failed.add(n * failed)
	c.errors.add(n * checkoutErrorShare)
	median := checkoutMedian
	if c.slow.contains(t) {
		median = checkoutSlowMedian
	}
	c.duration.observe(n, latency{median: median, sigma: checkoutSigma})

	c.confirmed.emit(out)
	c.failed.emit(out)
	c.errors.emit(out)
	c.duration.emit(out)
}
