package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/promslog"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// blockingGatherer counts its Gather calls, each of which waits for a token on release (one per call, so that the
// test decides when each rendering finishes).
type blockingGatherer struct {
	calls   atomic.Int64
	release chan struct{}
	inner   prometheus.Gatherer
}

func (g *blockingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.calls.Add(1)
	<-g.release
	return g.inner.Gather()
}

// However many scrapes come while a rendering is being made, or while it is fresh, the registry is gathered once;
// a stale rendering is made again in the background while the stale one is served.
func TestMetricsCacheSharesRenderings(t *testing.T) {
	reg := prometheus.NewRegistry()
	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "A test counter."})
	reg.MustRegister(counter)
	g := &blockingGatherer{release: make(chan struct{}), inner: reg}
	c := newMetricsCache(g, time.Minute, promslog.NewNopLogger(), nil)
	key := renderKey{format: expfmt.NewFormat(expfmt.TypeTextPlain)}
	t0 := time.Now()

	first := c.get(key, t0)
	for range 10 {
		require.Same(t, first, c.get(key, t0), "a scrape during the rendering waits for it")
	}
	g.release <- struct{}{}
	<-first.done
	require.Contains(t, string(first.body), "test_total 0")
	counter.Inc()
	require.Same(t, first, c.get(key, t0.Add(59*time.Second)), "fresh: served as it is")
	require.Equal(t, int64(1), g.calls.Load())

	other := c.get(renderKey{format: key.format, gzip: true}, t0)
	require.NotSame(t, first, other, "each format and compression has its own rendering")
	g.release <- struct{}{}
	<-other.done
	later := t0.Add(2 * time.Minute)
	require.Same(t, first, c.get(key, later), "stale: still served while the next is made")
	c.mtx.Lock()
	next := c.making[key]
	c.mtx.Unlock()
	require.NotNil(t, next)
	require.Same(t, first, c.get(key, later), "one rendering made at a time")
	g.release <- struct{}{}
	<-next.done
	fresh := c.get(key, later)
	require.Same(t, next, fresh)
	require.Contains(t, string(fresh.body), "test_total 1")
	require.Equal(t, int64(3), g.calls.Load())
}

// /metrics negotiates the format and gzip as promhttp does.
func TestMetricsCacheNegotiates(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "A test counter."}))
	srv := httptest.NewServer(New(Options{Gatherer: reg, MetricsMaxAge: -1}))
	t.Cleanup(srv.Close)
	get := func(accept, encoding string) (*http.Response, string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+conventions.PathMetrics, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", encoding) // set: Go's transport then leaves the body compressed
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(resp.Body)
			require.NoError(t, err)
			body = gz
		}
		b, err := io.ReadAll(body)
		require.NoError(t, err)
		return resp, string(b)
	}
	resp, body := get("", "gzip")
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), resp.Header.Get("Content-Type"))
	require.Contains(t, body, "test_total 0")
	resp, body = get("application/openmetrics-text;version=1.0.0", "identity")
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text"), resp.Header.Get("Content-Type"))
	require.True(t, strings.HasSuffix(body, "# EOF\n"), body)
	for accept, want := range map[string]bool{"gzip": true, "deflate, gzip;q=1.0": true, "gzip;q=0": false, "identity": false, "": false} {
		require.Equal(t, want, acceptsGzip(accept), accept)
	}
}

// With a negative age, every scrape sees what was gathered after it came.
func TestMetricsCacheNoAge(t *testing.T) {
	reg := prometheus.NewRegistry()
	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "A test counter."})
	reg.MustRegister(counter)
	c := newMetricsCache(reg, -1, promslog.NewNopLogger(), nil)
	key := renderKey{format: expfmt.NewFormat(expfmt.TypeTextPlain)}
	for i := range 3 {
		counter.Inc()
		ren := c.get(key, time.Now())
		<-ren.done
		require.Contains(t, string(ren.body), "test_total "+strconv.Itoa(i+1))
	}
}
