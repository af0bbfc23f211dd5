package web

import (
	"bytes"
	"compress/gzip"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// DefaultMetricsMaxAge is how old a rendering of /metrics may be when it is served. Far below any scrape interval,
// it bounds the work of /metrics to one gathering and encoding per format every DefaultMetricsMaxAge, however many
// clients scrape at once (at 1,000 SLOs a rendering takes a few hundred milliseconds of CPU).
const DefaultMetricsMaxAge = 2 * time.Second

// metricsCache serves /metrics from renderings at most maxAge old, one per exposition format and compression.
// Concurrent scrapes that find no fresh rendering wait for the one being made rather than each making their own.
type metricsCache struct {
	gatherer prometheus.Gatherer
	maxAge   time.Duration
	logger   *slog.Logger
	errors   *prometheus.CounterVec

	mtx        sync.Mutex
	renderings map[renderKey]*rendering // the newest done rendering of each key
	making     map[renderKey]*rendering // the one being made, if any
}

type renderKey struct {
	format expfmt.Format
	gzip   bool
}

// rendering is one encoded /metrics body, made from a gathering started at `at`; done is closed once body is set.
type rendering struct {
	done chan struct{}
	at   time.Time
	body []byte
}

func newMetricsCache(g prometheus.Gatherer, maxAge time.Duration, logger *slog.Logger, reg prometheus.Registerer) *metricsCache {
	c := &metricsCache{gatherer: g, maxAge: maxAge, logger: logger, renderings: map[renderKey]*rendering{}, making: map[renderKey]*rendering{},
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "promhttp_metric_handler_errors_total",
			Help: "Total number of internal errors encountered by the /metrics handler, by cause: gathering or encoding.",
		}, []string{"cause"}),
	}
	if reg != nil {
		reg.MustRegister(c.errors)
	}
	return c
}

func (c *metricsCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := renderKey{format: expfmt.NegotiateIncludingOpenMetrics(r.Header), gzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}
	ren := c.get(key, time.Now())
	select {
	case <-ren.done:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", string(key.format))
	if key.gzip {
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Add("Vary", "Accept-Encoding")
	_, _ = w.Write(ren.body)
}

// get returns the rendering to serve for key at now. A fresh one (at most maxAge old) is served as it is. When it
// is older, a new one is started and the old one served meanwhile (a scrape never waits for a rendering while
// there is one, as a cache revalidating in the background); with none yet, the scrape waits for the first. With
// a maxAge that is not positive, every scrape waits for a rendering made after it came (concurrent ones share it).
func (c *metricsCache) get(key renderKey, now time.Time) *rendering {
	c.mtx.Lock()
	defer c.mtx.Unlock()
	cur, next := c.renderings[key], c.making[key]
	if next != nil {
		select {
		case <-next.done:
			cur, next = next, nil
			c.renderings[key] = cur
			delete(c.making, key)
		default:
		}
	}
	if cur != nil && now.Sub(cur.at) < c.maxAge {
		return cur
	}
	if next == nil {
		next = &rendering{done: make(chan struct{}), at: now}
		c.making[key] = next
		go c.render(key, next)
	}
	if cur != nil && c.maxAge > 0 {
		return cur
	}
	return next // the first rendering, or every one when maxAge is not positive
}

// render gathers and encodes into ren. Like promhttp with ContinueOnError, what could be gathered is served and
// the errors are logged and counted.
func (c *metricsCache) render(key renderKey, ren *rendering) {
	defer close(ren.done)
	mfs, err := c.gatherer.Gather()
	if err != nil {
		c.errors.WithLabelValues("gathering").Inc()
		c.logger.Error("Error gathering metrics", "err", err)
	}
	var buf bytes.Buffer
	var gz *gzip.Writer
	enc := expfmt.NewEncoder(&buf, key.format)
	if key.gzip {
		gz = gzip.NewWriter(&buf)
		enc = expfmt.NewEncoder(gz, key.format)
	}
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			c.errors.WithLabelValues("encoding").Inc()
			c.logger.Error("Error encoding a metric family", "family", mf.GetName(), "err", err)
		}
	}
	if closer, ok := enc.(expfmt.Closer); ok {
		_ = closer.Close()
	}
	if gz != nil {
		_ = gz.Close()
	}
	ren.body = buf.Bytes()
}

// acceptsGzip tells whether an Accept-Encoding header value accepts gzip (not with q=0).
func acceptsGzip(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(coding) != "gzip" {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
