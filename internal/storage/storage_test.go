package storage

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	remoteapi "github.com/prometheus/client_golang/exp/api/remote"
	config_util "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/storage/remote"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/slokeeper/slokeeper/internal/querytest"
)

// base is the evaluation time of every query; samples sit on whole minutes before it.
var base = time.Now().Truncate(time.Minute)

func ms(d time.Duration) int64 { return base.Add(d).UnixMilli() }

func openStorage(t *testing.T) *Storage {
	t.Helper()
	s, err := Open(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// query runs expr at base through the real PromQL engine; warnings fail the test, as a failing remote only
// shows up as a warning.
func query(t *testing.T, q storage.Queryable, expr string) parser.Value {
	t.Helper()
	engine := promql.NewEngine(promql.EngineOpts{
		MaxSamples: 50e6,
		Timeout:    time.Minute,
		Parser:     parser.NewParser(parser.Options{}),
	})
	return querytest.Instant(t, engine, q, expr, base)
}

// byLabels turns a vector into labels-string → value.
func byLabels(t *testing.T, v parser.Value) map[string]float64 {
	t.Helper()
	vec, ok := v.(promql.Vector)
	require.True(t, ok, "want a vector, got %T", v)
	out := map[string]float64{}
	for _, s := range vec {
		out[s.Metric.String()] = s.F
	}
	return out
}

func pushV1(t *testing.T, srv *httptest.Server, req *prompb.WriteRequest) {
	t.Helper()
	api, err := remoteapi.NewAPI(srv.URL,
		remoteapi.WithAPIHTTPClient(srv.Client()),
		remoteapi.WithAPIPath("/api/v1/write"),
		remoteapi.WithAPINoRetryOnRateLimit(),
		remoteapi.WithAPIBackoff(remoteapi.BackoffConfig{Min: time.Millisecond, Max: time.Millisecond, MaxRetries: 1}))
	require.NoError(t, err)
	_, err = api.Write(t.Context(), remoteapi.WriteV1MessageType, req)
	require.NoError(t, err)
}

func series(lbls map[string]string, samples ...prompb.Sample) prompb.TimeSeries {
	ts := prompb.TimeSeries{Samples: samples}
	labels.FromMap(lbls).Range(func(l labels.Label) {
		ts.Labels = append(ts.Labels, prompb.Label{Name: l.Name, Value: l.Value})
	})
	return ts
}

func TestRemoteWriteIsQueryable(t *testing.T) {
	s := openStorage(t)
	srv := httptest.NewServer(s.WriteHandler())
	defer srv.Close()

	ok := map[string]string{"__name__": "http_requests_total", "job": "api", "code": "200"}
	bad := map[string]string{"__name__": "http_requests_total", "job": "api", "code": "500"}
	pushV1(t, srv, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		series(ok,
			prompb.Sample{Timestamp: ms(-2 * time.Minute), Value: 10},
			prompb.Sample{Timestamp: ms(-time.Minute), Value: 20},
			prompb.Sample{Timestamp: ms(0), Value: 27}),
		series(bad,
			prompb.Sample{Timestamp: ms(-2 * time.Minute), Value: 0},
			prompb.Sample{Timestamp: ms(-time.Minute), Value: 1},
			prompb.Sample{Timestamp: ms(0), Value: 3}),
	}})

	require.Equal(t, map[string]float64{
		`{code="200", job="api"}`: 27,
		`{code="500", job="api"}`: 3,
	}, byLabels(t, query(t, s.Queryable(), `sum by (code, job) (http_requests_total)`)))
	require.Equal(t, map[string]float64{`{}`: 0.1}, byLabels(t, query(t, s.Queryable(),
		`sum(http_requests_total{code="500"}) / sum(http_requests_total)`)))

	// A late batch, older than the newest samples but inside the out-of-order window, is accepted.
	pushV1(t, srv, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		series(ok, prompb.Sample{Timestamp: ms(-30 * time.Minute), Value: 5}),
	}})
	require.Equal(t, map[string]float64{`{code="200", job="api"}`: 4}, byLabels(t, query(t, s.Queryable(),
		`count_over_time(http_requests_total{code="200"}[1h])`)))

	// Exact samples of the range, in order.
	m, isMatrix := query(t, s.Queryable(), `http_requests_total{code="200"}[1h]`).(promql.Matrix)
	require.True(t, isMatrix)
	require.Len(t, m, 1)
	got := make([]promql.FPoint, 0, len(m[0].Floats))
	got = append(got, m[0].Floats...)
	require.Equal(t, []promql.FPoint{
		{T: ms(-30 * time.Minute), F: 5},
		{T: ms(-2 * time.Minute), F: 10},
		{T: ms(-time.Minute), F: 20},
		{T: ms(0), F: 27},
	}, got)
}

// appendUp writes up{job=job} = v at -2m, -1m and 0 into a.
func appendUp(t *testing.T, a storage.AppendableV2, job string, v float64) {
	t.Helper()
	app := a.AppenderV2(t.Context())
	ls := labels.FromStrings("__name__", "up", "job", job)
	for _, d := range []time.Duration{-2 * time.Minute, -time.Minute, 0} {
		_, err := app.Append(0, ls, 0, ms(d), v, nil, nil, storage.AOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, app.Commit())
}

// serveRemoteRead exposes s over Prometheus' remote-read protocol, as a Prometheus with external labels ext would.
func serveRemoteRead(t *testing.T, s *Storage, ext labels.Labels) *httptest.Server {
	t.Helper()
	cfg := config.Config{GlobalConfig: config.GlobalConfig{ExternalLabels: ext}}
	h := remote.NewReadHandler(promslog.NewNopLogger(), nil, s.Local(), func() config.Config { return cfg },
		5e7, 10, 1048576)
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/read", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func readConfig(t *testing.T, srv *httptest.Server) *config.RemoteReadConfig {
	t.Helper()
	u, err := url.Parse(srv.URL + "/api/v1/read")
	require.NoError(t, err)
	rr := config.DefaultRemoteReadConfig // as if parsed from YAML: filter_external_labels, chunked_read_limit …
	rr.URL = &config_util.URL{URL: u}
	return &rr
}

// remoteAndLocal are a Prometheus with external labels ext serving up{job="remote"} and up{job="both"} over
// remote read, and a local storage holding up{job="local"} and up{job="both"}.
func remoteAndLocal(t *testing.T, ext labels.Labels) (*httptest.Server, *Storage) {
	t.Helper()
	remoteStore := openStorage(t)
	srv := serveRemoteRead(t, remoteStore, ext)
	appendUp(t, remoteStore.Appendable(), "remote", 1)
	appendUp(t, remoteStore.Appendable(), "both", 1)
	local := openStorage(t)
	appendUp(t, local.Appendable(), "local", 1)
	appendUp(t, local.Appendable(), "both", 1)
	return srv, local
}

func TestRemoteReadMergesWithLocal(t *testing.T) {
	ext := labels.FromStrings("cluster", "eu")
	srv, local := remoteAndLocal(t, ext)

	require.Equal(t, map[string]float64{`{job="both"}`: 3, `{job="local"}`: 3},
		byLabels(t, query(t, local.Queryable(), `count_over_time(up[10m])`)))

	require.NoError(t, local.ApplyRemoteRead([]*config.RemoteReadConfig{readConfig(t, srv)}, ext))
	// The remote's external label is matched and stripped, so its copy of job="both" merges with the local one
	// sample by sample instead of counting twice.
	require.Equal(t, map[string]float64{`{job="both"}`: 3, `{job="local"}`: 3, `{job="remote"}`: 3},
		byLabels(t, query(t, local.Queryable(), `count_over_time(up[10m])`)))
	require.Equal(t, map[string]float64{`{}`: 3}, byLabels(t, query(t, local.Queryable(), `sum(up)`)))

	t.Run("required matchers skip the remote", func(t *testing.T) {
		rr := readConfig(t, srv)
		rr.RequiredMatchers = model.LabelSet{"job": "remote"}
		require.NoError(t, local.ApplyRemoteRead([]*config.RemoteReadConfig{rr}, ext))
		require.Equal(t, map[string]float64{`{job="both"}`: 1, `{job="local"}`: 1},
			byLabels(t, query(t, local.Queryable(), `sum by (job) (up)`)))
		require.Equal(t, map[string]float64{`{job="remote"}`: 1},
			byLabels(t, query(t, local.Queryable(), `sum by (job) (up{job="remote"})`)))
	})

	t.Run("an unreachable remote is a warning, not an error", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		rr := readConfig(t, dead)
		dead.Close()
		require.NoError(t, local.ApplyRemoteRead([]*config.RemoteReadConfig{rr}, ext))
		engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50e6, Timeout: time.Minute, Parser: parser.NewParser(parser.Options{})})
		qry, err := engine.NewInstantQuery(t.Context(), local.Queryable(), nil, `up`, base)
		require.NoError(t, err)
		defer qry.Close()
		res := qry.Exec(t.Context())
		require.NoError(t, res.Err)
		require.NotEmpty(t, res.Warnings)
		require.Len(t, res.Value.(promql.Vector), 2)
	})

	t.Run("bad config changes nothing", func(t *testing.T) {
		require.NoError(t, local.ApplyRemoteRead([]*config.RemoteReadConfig{readConfig(t, srv)}, ext))
		err := local.ApplyRemoteRead([]*config.RemoteReadConfig{readConfig(t, srv), readConfig(t, srv)}, ext)
		require.ErrorContains(t, err, "duplicate remote read config")
		require.Len(t, byLabels(t, query(t, local.Queryable(), `up`)), 3)
	})

	t.Run("swapping configs while querying", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() {
			cfgs := [][]*config.RemoteReadConfig{nil, {readConfig(t, srv)}}
			for i := 0; ctx.Err() == nil; i++ {
				if err := local.ApplyRemoteRead(cfgs[i%2], ext); err != nil {
					t.Error(err)
					return
				}
			}
		})
		for range 50 {
			n := len(byLabels(t, query(t, local.Queryable(), `up`)))
			require.Contains(t, []int{2, 3}, n)
		}
		cancel()
		wg.Wait()
	})
}

func TestCloseReleasesEverything(t *testing.T) {
	remoteStore := openStorage(t)
	srv := serveRemoteRead(t, remoteStore, labels.EmptyLabels())
	appendUp(t, remoteStore.Appendable(), "remote", 1)
	// The remote keeps running: whatever is left after local.Close() is the local Storage's doing.
	ignore := goleak.IgnoreCurrent()

	local, err := Open(Options{Dir: t.TempDir(), Registerer: nil})
	require.NoError(t, err)
	writeSrv := httptest.NewServer(local.WriteHandler())
	pushV1(t, writeSrv, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		series(map[string]string{"__name__": "up", "job": "local"}, prompb.Sample{Timestamp: ms(0), Value: 1}),
	}})
	writeSrv.Close()
	require.NoError(t, local.ApplyRemoteRead([]*config.RemoteReadConfig{readConfig(t, srv)}, labels.EmptyLabels()))
	require.Len(t, byLabels(t, query(t, local.Queryable(), `up`)), 2)

	require.NoError(t, local.Close())
	goleak.VerifyNone(t, ignore)
	require.ErrorContains(t, local.ApplyRemoteRead(nil, labels.EmptyLabels()), "closed")
}

func TestOpenAndRetention(t *testing.T) {
	_, err := Open(Options{})
	require.ErrorContains(t, err, "directory must be set")
	_, err = Open(Options{Dir: t.TempDir(), Retention: -time.Hour})
	require.ErrorContains(t, err, "must not be negative")

	require.NoError(t, Options{}.CheckRetention(90*24*time.Hour))
	require.ErrorContains(t, Options{Retention: 28 * 24 * time.Hour}.CheckRetention(30*24*time.Hour),
		"shorter than the longest SLO period")
}
