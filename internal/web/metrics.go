package web

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics instruments every route. The vectors exist whether or not they are registered, so handlers need no
// nil checks.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	panics   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_http_requests_total",
			Help: "Number of HTTP requests answered, by route and status code.",
		}, []string{"handler", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "slokeeper_http_request_duration_seconds",
			Help: "Time taken to answer HTTP requests, by route.",
			// Remote-write batches and reloads can take seconds; probes take microseconds.
			Buckets:                         []float64{.005, .025, .1, .25, 1, 3, 8, 20, 60},
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  100,
			NativeHistogramMinResetDuration: time.Hour,
		}, []string{"handler"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_http_panics_total",
			Help: "Number of panics recovered in HTTP handlers, by route: each is a bug, answered with a 500.",
		}, []string{"handler"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.panics)
	}
	return m
}

// instrument counts and times next's requests under the handler label name.
func (m *metrics) instrument(name string, next http.Handler) http.Handler {
	l := prometheus.Labels{"handler": name}
	return promhttp.InstrumentHandlerDuration(m.duration.MustCurryWith(l),
		promhttp.InstrumentHandlerCounter(m.requests.MustCurryWith(l), next))
}
