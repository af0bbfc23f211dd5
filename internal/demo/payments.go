package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/prometheus/common/model"
)

const (
	// paymentsPeakRPS is the payment API's traffic at the daily peak, above its declared capacity.
	paymentsPeakRPS = 540
	// paymentsCapacityRPS is the capacity declared in examples/payments.yaml; above it requests slow down.
	paymentsCapacityRPS = 500
	// incidentRoute is the route of the live incident.
	incidentRoute = "/v1/payments/{id}/capture"
	// incidentErrorsPerSecond is how many of the incident route's requests fail with 5xx each second during
	// the live incident (a broken downstream rejects a steady stream of captures, whatever the load): 7% of the
	// route's traffic at the daily peak, 23% at the trough, a 70× to 230× burn of a 99.9% objective, far above
	// the 14.4× page threshold in both of its windows. Three days of history hold about 13.6 million capture
	// requests, a budget of 13,600 failures; the good days spend a fifth of it and the hour of incident before
	// the start (19,800 failures) the rest and two thirds more, whatever the time of day the demo starts. The
	// budget is overspent by about 0.65 at the start; the daemon's first evaluation sees at least -0.38 (its
	// newest 10-minute tile may not hold the last minutes yet), so the payments service is frozen at once,
	// and the budget sinks to about -1.4 while the incident goes on.
	incidentErrorsPerSecond = 5.5
	// incidentMaxShare caps the share of failing requests at the quietest moments.
	incidentMaxShare = 0.5
	// serverErrorShare is the share of requests failing with 5xx on a good day.
	serverErrorShare = 0.0002
	// clientErrorShare is the share of requests refused with 400: not the service's fault, not in the SLI.
	clientErrorShare = 0.008
	// paymentsSigma is the spread of the API's log-normal latency.
	paymentsSigma = 0.55
)

// paymentsLatencyBounds are the upper bounds of the API's duration histogram; 0.4 is the SLO threshold.
var paymentsLatencyBounds = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5, 1, 2.5, 5}

var paymentsInstances = []string{"payments-api-0:8080", "payments-api-1:8080"}

type route struct {
	path, method, okCode string
	share                float64 // of the API's traffic
	median               float64 // latency, seconds
}

var paymentsRoutes = []route{
	{path: "/v1/payments", method: "POST", okCode: "201", share: 0.45, median: 0.120},
	{path: "/v1/payments/{id}", method: "GET", okCode: "200", share: 0.30, median: 0.035},
	{path: incidentRoute, method: "POST", okCode: "200", share: 0.15, median: 0.100},
	{path: "/v1/refunds", method: "POST", okCode: "201", share: 0.10, median: 0.090},
}

// endpoint is one route served by one instance.
type endpoint struct {
	route                       route
	ok, refused, err500, err503 *counter
	duration                    *classicHistogram
}

// payments is the payment API (examples/payments.yaml): http_requests_total by route and code, and the
// classic histogram http_request_duration_seconds.
type payments struct {
	rng       *rand.Rand
	live      window
	load      *wander
	endpoints []*endpoint
}

func newPayments(rng *rand.Rand, live window) *payments {
	p := &payments{rng: rng, live: live, load: newWander(rng)}
	const (
		reqHelp = "Requests served by the payment API."
		durHelp = "Time to serve a payment API request."
	)
	for _, r := range paymentsRoutes {
		for _, inst := range paymentsInstances {
			base := []string{"job", "payments-api", "instance", inst, "route", r.path, "method", r.method}
			code := func(c string) *counter {
				return &counter{series: newSeries("http_requests_total", model.MetricTypeCounter, reqHelp,
					append(append([]string(nil), base...), "code", c)...)}
			}
			p.endpoints = append(p.endpoints, &endpoint{
				route:    r,
				ok:       code(r.okCode),
				refused:  code("400"),
				err500:   code("500"),
				err503:   code("503"),
				duration: newClassicHistogram("http_request_duration_seconds", durHelp, paymentsLatencyBounds, base...),
			})
		}
	}
	return p
}

func (p *payments) seriesCount() int {
	n := 0
	for _, e := range p.endpoints {
		n += 4 + e.duration.seriesCount()
	}
	return n
}

// serverErrors is the share of a route's requests failing with 5xx at t, when the route serves rps requests
// per second over all instances.
func (p *payments) serverErrors(path string, t time.Time, rps float64) float64 {
	if path == incidentRoute && p.live.contains(t) && rps > 0 {
		return min(incidentMaxShare, incidentErrorsPerSecond/rps)
	}
	return serverErrorShare
}

func (p *payments) step(t time.Time, dt float64, out sink) {
	rps := paymentsPeakRPS * diurnal(t) * (1 + 0.04*p.load.next(p.rng, dt))
	// Past its capacity the API queues: latency grows with the overload.
	slowdown := 1 + 4*math.Max(0, rps/paymentsCapacityRPS-1)
	for _, e := range p.endpoints {
		n := rps * e.route.share / float64(len(paymentsInstances)) * jitter(p.rng, 0.03) * dt
		bad := p.serverErrors(e.route.path, t, rps*e.route.share)
		e.ok.add(n * (1 - clientErrorShare - bad))
		e.refused.add(n * clientErrorShare)
		e.err500.add(n * bad * 0.7)
		e.err503.add(n * bad * 0.3)
		e.duration.observe(n, latency{median: e.route.median * slowdown, sigma: paymentsSigma})

		e.ok.emit(out)
		e.refused.emit(out)
		e.err500.emit(out)
		e.err503.emit(out)
		e.duration.emit(out)
	}
}
