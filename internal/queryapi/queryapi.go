// Package queryapi serves the Prometheus-compatible query API of `slokeeper run` (the routes of
// conventions.QueryPaths: query, query_range, series, labels, label values, rules, alerts, format_query,
// parse_query and status/buildinfo) in Prometheus' HTTP API format, over the same merged storage the rules read (the embedded TSDB and remote read). It
// is Prometheus' own web/api/v1 code, wired here with an engine of its own whose limits (timeout, samples,
// concurrency) are the daemon's flags, so that Grafana's Prometheus data source, `promtool query` and the mixin's
// dashboards work pointed at the daemon, and the generator URLs of its alerts have a query API behind them.
//
// The package owns that wiring. Of Prometheus' endpoints only those of conventions.QueryPaths are routed to it:
// nothing that writes, no admin, no targets, scrape pools or metadata (the daemon scrapes nothing). It must not know what the series mean (SLOs,
// budgets) or how they are stored; the storage, the rules and the readiness are the caller's.
package queryapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/grafana/regexp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/route"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	promapi "github.com/prometheus/prometheus/web/api/v1"
)

// Defaults of Options: a query API beside rules that must keep evaluating on a small machine. Prometheus' own
// defaults (2m, 50,000,000 samples, 20 queries) suit a server sized for its queries.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxSamples     = 5_000_000
	DefaultMaxConcurrency = 4
	// lookbackDelta is Prometheus' default, as the rules use it.
	lookbackDelta = 5 * time.Minute
)

// Rules is what the rules and alerts endpoints read: the rules managers' groups and alerting rules.
type Rules interface {
	RuleGroups() []*rules.Group
	AlertingRules() []*rules.AlertingRule
}

// Options configures New.
type Options struct {
	// Queryable is what queries read: the merged storage the rules read.
	Queryable storage.Queryable
	// Rules serves /api/v1/rules and /api/v1/alerts.
	Rules Rules
	// Ready tells whether the daemon is ready; until it is, every endpoint answers 503 as Prometheus' do.
	Ready func() bool
	// TrackerDir is where the log of the queries in flight is kept (Prometheus' queries.active), reported after a
	// crash; it bounds how many run at once (MaxConcurrency).
	TrackerDir string
	// Timeout, MaxSamples and MaxConcurrency bound the queries; zero means the defaults above.
	Timeout        time.Duration
	MaxSamples     int
	MaxConcurrency int
	// Version and Revision are what /api/v1/status/buildinfo tells.
	Version, Revision string
	// Logger receives the API's and the engine's logs. Nil discards them.
	Logger *slog.Logger
}

// API serves the query endpoints. Close it after the HTTP server stopped.
type API struct {
	handler http.Handler
	tracker *promql.ActiveQueryTracker
}

// New builds the API and its engine.
func New(o Options) (*API, error) {
	if o.Queryable == nil || o.Rules == nil || o.Ready == nil {
		return nil, errors.New("queryapi: Queryable, Rules and Ready are required")
	}
	o.setDefaults()
	tracker, err := promql.NewActiveQueryTracker(o.TrackerDir, o.MaxConcurrency, o.Logger.With("component", "query tracker"))
	if err != nil {
		return nil, fmt.Errorf("couldn't open the active query log in %s: %w", o.TrackerDir, err)
	}
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:               o.Logger.With("component", "query engine"),
		MaxSamples:           o.MaxSamples,
		Timeout:              o.Timeout,
		ActiveQueryTracker:   tracker,
		LookbackDelta:        lookbackDelta,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
	})
	ready := func(f http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !o.Ready() {
				http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
				return
			}
			f(w, r)
		}
	}
	api := newPrometheusAPI(o, engine, ready)
	router := route.New()
	api.Register(router)
	return &API{handler: http.StripPrefix("/api/v1", router), tracker: tracker}, nil
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxSamples <= 0 {
		o.MaxSamples = DefaultMaxSamples
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
}

// newPrometheusAPI is Prometheus' API over what the daemon has: no appender (nothing is written through it), no
// exemplars, scrape pools, targets or Alertmanager list (their endpoints are not served), no admin, no CORS (a
// browser page of another origin cannot read answers; Grafana asks from its server).
func newPrometheusAPI(o Options, engine promql.QueryEngine, ready func(http.HandlerFunc) http.HandlerFunc) *promapi.API {
	// The API registers the metrics of its remote-read handler, which is not served: they go nowhere.
	unserved := prometheus.NewRegistry()
	return promapi.NewAPI(engine, chunkless{o.Queryable}, nil, nil,
		nil, nil, nil, nil, // scrape pools, targets, Alertmanagers, config
		map[string]string{}, promapi.GlobalURLOptions{}, ready, nil, "", false, false, 0,
		o.Logger.With("component", "query api"),
		func(context.Context) promapi.RulesRetriever { return o.Rules },
		0, 0, 0, false, regexp.MustCompile(`^$`), nil,
		&promapi.PrometheusVersion{Version: o.Version, Revision: o.Revision, GoVersion: runtime.Version()},
		nil, nil, unserved, unserved, nil, false, nil, false, false, false,
		lookbackDelta, false, false, nil, nil, promapi.OpenAPIOptions{}, parser.NewParser(parser.Options{}), false, o.Timeout)
}

// ServeHTTP serves the endpoints of conventions.QueryPaths (their full paths, /api/v1/…).
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Close closes the log of the queries in flight.
func (a *API) Close() error { return a.tracker.Close() }

// chunkless is a Queryable that is a storage.SampleAndChunkQueryable as Prometheus' API wants one: only its remote-
// read endpoint, which is not served, asks for chunks.
type chunkless struct{ storage.Queryable }

func (chunkless) ChunkQuerier(int64, int64) (storage.ChunkQuerier, error) {
	return nil, errors.New("the daemon serves no remote read")
}
