package sliprobe

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	config_util "github.com/prometheus/common/config"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/storage/remote"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// now is the probes' time; samples sit on the minutes before it.
var now = time.Now().Truncate(time.Minute)

func openStorage(t testing.TB) *storage.Storage {
	t.Helper()
	s, err := storage.Open(storage.Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// appendSeries writes three samples of each series, a minute apart, ending at now.
func appendSeries(t testing.TB, s *storage.Storage, series ...labels.Labels) {
	t.Helper()
	app := s.Appendable().AppenderV2(t.Context())
	for _, ls := range series {
		for _, d := range []time.Duration{-2 * time.Minute, -time.Minute, 0} {
			_, err := app.Append(0, ls, 0, now.Add(d).UnixMilli(), 1, nil, nil, promstorage.AOptions{})
			require.NoError(t, err)
		}
	}
	require.NoError(t, app.Commit())
}

// serveRemoteRead serves s over Prometheus' own remote-read handler, as a Prometheus without external labels.
func serveRemoteRead(t *testing.T, s *storage.Storage) *httptest.Server {
	t.Helper()
	h := remote.NewReadHandler(promslog.NewNopLogger(), nil, s.Local(), func() config.Config { return config.Config{} }, 5e7, 10, 1<<20)
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/read", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func readConfig(t *testing.T, rawURL, name string, filter bool) *config.RemoteReadConfig {
	t.Helper()
	u, err := url.Parse(rawURL + "/api/v1/read")
	require.NoError(t, err)
	rr := config.DefaultRemoteReadConfig // as parsed from YAML: filter_external_labels is true
	rr.URL, rr.Name, rr.FilterExternalLabels = &config_util.URL{URL: u}, name, filter
	return &rr
}

func events(service, name, errors, total string) *slo.SLO {
	return &slo.SLO{Service: service, Name: name, Owner: "team-" + service, Layer: slo.LayerService,
		SLI: slo.SLI{Kind: slo.SLIEvents, Errors: errors, Total: total}}
}

type fixture struct {
	daemon *storage.Storage
	remote *httptest.Server
	reg    *prometheus.Registry
	logs   *bytes.Buffer
	m      *Monitor
}

var eu1 = labels.FromStrings("cluster", "eu1")

// newFixture is a daemon's storage reading a remote without external labels that holds api_requests_total,
// with the external labels {cluster="eu1"} that it filters by; the daemon's own TSDB holds local_total.
func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	remoteStore := openStorage(t)
	appendSeries(t, remoteStore,
		labels.FromStrings("__name__", "api_requests_total", "job", "api", "code", "200"),
		labels.FromStrings("__name__", "api_requests_total", "job", "api", "code", "500"))
	f := &fixture{daemon: openStorage(t), remote: serveRemoteRead(t, remoteStore), reg: prometheus.NewRegistry(), logs: &bytes.Buffer{}}
	appendSeries(t, f.daemon, labels.FromStrings("__name__", "local_total", "job", "local"))
	require.NoError(t, f.daemon.ApplyRemoteRead([]*config.RemoteReadConfig{readConfig(t, f.remote.URL, "prom", true)}, eu1))
	o.Queryable, o.Remotes, o.Registerer = f.daemon.Queryable(), f.daemon.Remotes, f.reg
	o.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	f.m = New(o)
	return f
}

func (f *fixture) report(t *testing.T, service, name string) Report {
	t.Helper()
	r, ok := f.m.Report(service, name)
	require.True(t, ok, "no report for %s/%s", service, name)
	return r
}

var fixtureSLOs = []*slo.SLO{
	events("api", "availability", `api_requests_total{job="api",code="500"}`, `api_requests_total{job="api"}`),
	events("ghost", "availability", `ghost_total{code="500"}`, `ghost_total`),
	events("local", "availability", `local_total{code="500"}`, `local_total{job="local"}`),
}

// TestMonitorNamesTheExternalLabels is issue 18 case 2: a remote whose series lack the daemon's external labels
// answers nothing. The SLO is reported with the label and the fix, after the remote was asked again without it;
// a selector no source has gets no such blame; an errors selector that matches nothing is no problem. Each is
// logged once, and again when the series appear.
func TestMonitorNamesTheExternalLabels(t *testing.T) {
	f := newFixture(t, Options{})
	f.m.SetSLOs(fixtureSLOs, "filtered")
	require.Empty(t, f.m.round(t.Context(), now))

	api := f.report(t, "api", "availability")
	require.Equal(t, []string{`api_requests_total{job="api"}`}, api.Missing)
	require.Equal(t, `no series match api_requests_total{job="api"} in any source over the last 10m; remote read "prom" holds 2 series without the external labels {cluster="eu1"}, which it adds as matchers (filter_external_labels defaults to true): set filter_external_labels: false on that remote_read, or add the labels to its series`, api.Problem)
	ghost := f.report(t, "ghost", "availability")
	require.Equal(t, []string{`ghost_total`}, ghost.Missing)
	require.Equal(t, "no series match ghost_total in any source over the last 10m; "+hintGeneric, ghost.Problem)
	require.Equal(t, Report{Problem: ""}, f.report(t, "local", "availability"), "local_total is in the daemon's TSDB; its errors selector matches nothing")

	require.NoError(t, testutil.GatherAndCompare(f.reg, strings.NewReader(`
# HELP slo_sli_selectors_missing `+helpMissing+`
# TYPE slo_sli_selectors_missing gauge
slo_sli_selectors_missing{layer="service",owner="team-api",service="api",slo="availability"} 1
slo_sli_selectors_missing{layer="service",owner="team-ghost",service="ghost",slo="availability"} 1
slo_sli_selectors_missing{layer="service",owner="team-local",service="local",slo="availability"} 0
`), conventions.SLISelectorsMissing))
	require.Equal(t, 2.0, testutil.ToFloat64(f.m.metrics.selectors.WithLabelValues("missing")))
	require.Equal(t, 1.0, testutil.ToFloat64(f.m.metrics.selectors.WithLabelValues("present")))
	problems, err := testutil.CollectAndLint(f.m, conventions.SLISelectorsMissing)
	require.NoError(t, err)
	require.Empty(t, problems)

	require.Equal(t, 2, strings.Count(f.logs.String(), "level=WARN"), f.logs.String())
	require.Contains(t, f.logs.String(), `service=api slo=availability missing="api_requests_total{job=\"api\"}"`)
	// Probed again while missing: not logged again.
	require.Empty(t, f.m.round(t.Context(), now.Add(DefaultMissingInterval)))
	require.Equal(t, 2, strings.Count(f.logs.String(), "level=WARN"), f.logs.String())

	// filter_external_labels: false on reload: the sources changed, everything is probed again at once.
	require.NoError(t, f.daemon.ApplyRemoteRead([]*config.RemoteReadConfig{readConfig(t, f.remote.URL, "prom", false)}, eu1))
	f.m.SetSLOs(fixtureSLOs, "unfiltered")
	require.Empty(t, f.m.round(t.Context(), now.Add(DefaultMissingInterval+time.Second)))
	require.Empty(t, f.report(t, "api", "availability").Missing)
	require.Equal(t, 1, strings.Count(f.logs.String(), "level=INFO"), f.logs.String())
	require.Contains(t, f.logs.String(), `msg="SLI selectors match series again" service=api slo=availability`)
	require.Equal(t, []string{`ghost_total`}, f.report(t, "ghost", "availability").Missing)
	require.Equal(t, 1.0, testutil.ToFloat64(f.m.metrics.selectors.WithLabelValues("missing")))
}

// Selectors are probed at load, again after MissingInterval while they match nothing, after about
// PresentInterval when they match series, and a new SLO's selectors at once; an identical selector once.
func TestMonitorSchedule(t *testing.T) {
	f := newFixture(t, Options{Lookback: time.Hour})
	twice := events("local", "twice", ``, `local_total{job="local"}`)
	f.m.SetSLOs(append(fixtureSLOs, twice), "")
	probes := func() float64 { return testutil.ToFloat64(f.m.metrics.probes) }
	require.Empty(t, f.m.round(t.Context(), now))
	require.Equal(t, 3.0, probes(), "three distinct selectors")

	require.Empty(t, f.m.round(t.Context(), now.Add(DefaultMissingInterval-time.Second)))
	require.Equal(t, 3.0, probes(), "nothing due")
	require.Empty(t, f.m.round(t.Context(), now.Add(DefaultMissingInterval)))
	require.Equal(t, 5.0, probes(), "the two missing selectors")

	f.m.SetSLOs(append(fixtureSLOs, events("new", "one", ``, `local_total{job="new"}`)), "")
	require.Empty(t, f.m.round(t.Context(), now.Add(DefaultMissingInterval+time.Second)))
	require.Equal(t, 6.0, probes(), "only the new SLO's selector")
	_, ok := f.m.Report("local", "twice")
	require.False(t, ok, "a removed SLO is no longer reported")

	require.Empty(t, f.m.round(t.Context(), now.Add(DefaultPresentInterval)))
	require.Equal(t, 10.0, probes(), "the present selector and the three missing ones")
}

// A remote that does not answer leaves a selector unknown, not missing: nothing is reported, the failure is
// counted and returned, and the probe is retried.
func TestMonitorUnreachableRemote(t *testing.T) {
	f := newFixture(t, Options{})
	f.remote.Close()
	f.m.SetSLOs(fixtureSLOs[:1], "")
	errs := f.m.round(t.Context(), now)
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], `couldn't probe api_requests_total{job="api"}`)
	_, ok := f.m.Report("api", "availability")
	require.False(t, ok)
	require.Equal(t, 1.0, testutil.ToFloat64(f.m.metrics.failures))
	require.Equal(t, 1.0, testutil.ToFloat64(f.m.metrics.selectors.WithLabelValues("unknown")))
	require.NotContains(t, f.logs.String(), "level=WARN")
	require.Len(t, f.m.round(t.Context(), now.Add(DefaultMissingInterval)), 1, "retried")
}

// Check reads remote storage only (what `slokeeper check --config.file` does): the SLOs whose selectors match
// nothing there, with the same explanation as the daemon's.
func TestCheck(t *testing.T) {
	f := newFixture(t, Options{})
	rr, err := storage.OpenRemoteRead([]*config.RemoteReadConfig{readConfig(t, f.remote.URL, "prom", true)}, eu1)
	require.NoError(t, err)
	defer rr.Close()
	reports, err := Check(t.Context(), fixtureSLOs, rr.Queryable(), rr.Remotes(), DefaultLookback, now)
	require.NoError(t, err)
	require.Len(t, reports, 3, "local_total is not in remote storage")
	require.Contains(t, reports["api/availability"].Problem, `remote read "prom" holds 2 series without the external labels {cluster="eu1"}`)
	require.Equal(t, []string{`local_total{job="local"}`}, reports["local/availability"].Missing)

	unfiltered, err := storage.OpenRemoteRead([]*config.RemoteReadConfig{readConfig(t, f.remote.URL, "", false)}, eu1)
	require.NoError(t, err)
	defer unfiltered.Close()
	reports, err = Check(t.Context(), fixtureSLOs[:1], unfiltered.Queryable(), unfiltered.Remotes(), DefaultLookback, now)
	require.NoError(t, err)
	require.Empty(t, reports)
}
