package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/internal/exclusion"
	"github.com/slokeeper/slokeeper/internal/exporter"
	"github.com/slokeeper/slokeeper/internal/freeze"
	"github.com/slokeeper/slokeeper/internal/queryapi"
	"github.com/slokeeper/slokeeper/internal/reload"
	"github.com/slokeeper/slokeeper/internal/sliprobe"
	"github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/internal/web"
)

// Defaults of Options.
const (
	DefaultListenAddress    = ":9099"
	DefaultSnapshotInterval = 10 * time.Second
	// DefaultMaxConnections is Prometheus' default for --web.max-connections.
	DefaultMaxConnections = 512
	DefaultWatchInterval  = 10 * time.Second
)

// Options configures New.
type Options struct {
	// ConfigFile is the daemon's config file (--config.file). Empty: config.Default() with SpecFiles.
	ConfigFile string
	// SpecFiles are spec file globs added to the config's `specs` (--spec.files).
	SpecFiles []string
	// StoragePath overrides the config's storage.path (--storage.path) when set.
	StoragePath string
	// ListenAddress is where the HTTP server listens (--web.listen-address); "127.0.0.1:0" in tests.
	ListenAddress string
	// WebConfigFile is exporter-toolkit's web config (--web.config.file): TLS, basic auth.
	WebConfigFile string
	// EnableLifecycle enables POST /-/reload (--web.enable-lifecycle).
	EnableLifecycle bool
	// ExternalURL is the URL the daemon is reachable under (--web.external-url), used in alerts' generator URL.
	ExternalURL string
	// EnableAdminAPI allows the administrative endpoints: manual overrides of a freeze (--web.enable-admin-api).
	EnableAdminAPI bool
	// EnableRemoteWriteReceiver serves POST /api/v1/write into the embedded TSDB
	// (--web.enable-remote-write-receiver; the demo turns it on). RemoteWriteLimits bound it; the zero value is
	// storage.DefaultReceiverLimits().
	EnableRemoteWriteReceiver bool
	RemoteWriteLimits         storage.ReceiverLimits
	// MaxConnections bounds the HTTP connections served at once (--web.max-connections); more wait in the
	// listen queue. Zero means DefaultMaxConnections.
	MaxConnections int
	// QueryTimeout, QueryMaxSamples and QueryMaxConcurrency bound the queries of the query API (--query.timeout,
	// --query.max-samples, --query.max-concurrency); zero means queryapi's defaults.
	QueryTimeout        time.Duration
	QueryMaxSamples     int
	QueryMaxConcurrency int
	// MetricsMaxAge is how old a rendering of /metrics may be when served (web.DefaultMetricsMaxAge if zero).
	MetricsMaxAge time.Duration
	// Demo runs the built-in demo: the example specs, a traffic generator writing days of history and live
	// samples into the embedded TSDB (in a temporary directory unless StoragePath is set).
	Demo bool
	// DemoSeed seeds the demo's traffic.
	DemoSeed int64
	// SnapshotInterval is how often the budget snapshot is recomputed. Default DefaultSnapshotInterval.
	SnapshotInterval time.Duration
	// WatchInterval is how often the config and spec files are checked for changes (then reloaded); negative
	// disables the watch. Default DefaultWatchInterval.
	WatchInterval time.Duration
	// Logger receives the logs. Nil discards them.
	Logger *slog.Logger
}

// App is a running `slokeeper run`: the components New wires, and the set of config and specs they run.
type App struct {
	opts    Options
	logger  *slog.Logger
	reg     *prometheus.Registry
	metrics *appMetrics
	started time.Time

	running  *reload.Coordinator[loaded]
	snapshot atomic.Pointer[budget.Snapshot]
	encoded  sloCache
	ready    atomic.Bool

	listener   net.Listener
	gateURL    string // the daemon's external URL, for the alerts' gate_url
	demo       *demoRun
	exclusions *exclusion.Book // the ad hoc exclusions and the SLOs' histories
	storage    *storage.Storage
	alerting   *alerting
	freeze     *freeze.Manager
	evaluator  *evaluator.Evaluator
	collector  *exporter.Collector
	reviews    *exporter.ReviewCollector // review freshness of the loaded SLOs
	probe      *sliprobe.Monitor         // SLI selectors that match no series
	query      *queryapi.API             // Prometheus' query API over the storage and the rules
	web        *web.Handler
}

// New loads the config and the specs, opens the storage and binds the listener. Nothing is evaluated before
// Run. On error everything opened is closed again.
func New(o Options) (_ *App, err error) {
	o.setDefaults()
	a := &App{opts: o, logger: o.Logger, reg: prometheus.NewRegistry(), started: time.Now(), demo: &demoRun{}}
	var undo closers
	defer func() {
		if err != nil {
			undo.close()
		}
	}()

	if o.Demo {
		if err := a.setUpDemo(); err != nil {
			return nil, err
		}
		undo.add(a.demo.remove)
	}
	cfg, err := a.readConfig()
	if err != nil {
		return nil, err
	}
	if err := a.writeDemo(cfg.Storage.Path); err != nil {
		return nil, err
	}
	externalURL, err := a.listen()
	if err != nil {
		return nil, err
	}
	undo.add(func() { _ = a.listener.Close() })
	if err := a.openExclusions(cfg); err != nil {
		return nil, err
	}
	initial, err := a.loadSpecs(cfg)
	if err != nil {
		return nil, err
	}

	a.registerHealth()
	if a.alerting, err = newAlerting(a.reg, a.logger); err != nil {
		return nil, err
	}
	undo.add(a.alerting.stopDiscovery)
	if a.freeze, err = a.newFreeze(cfg, externalURL); err != nil {
		return nil, err
	}
	if a.storage, err = a.openStorage(cfg, initial.catalog); err != nil {
		return nil, err
	}
	undo.add(func() { _ = a.storage.Close() })
	a.evaluator = a.newEvaluator(cfg, externalURL)
	undo.add(a.evaluator.Stop)
	a.probe = a.newProbe()
	if a.query, err = a.newQueryAPI(cfg); err != nil {
		return nil, err
	}
	undo.add(func() { _ = a.query.Close() })

	a.running = a.newCoordinator()
	if err := a.prepare(initial); err != nil {
		return nil, err
	}
	if err := a.running.Apply(initial); err != nil {
		return nil, err
	}
	if a.web, err = a.newWeb(); err != nil {
		return nil, err
	}
	return a, nil
}

// Addr is the address the HTTP server listens on.
func (a *App) Addr() net.Addr { return a.listener.Addr() }

// Registry is the daemon's metrics registry (what /metrics serves).
func (a *App) Registry() *prometheus.Registry { return a.reg }

// Snapshot is the latest budget snapshot; nil before the first.
func (a *App) Snapshot() *budget.Snapshot { return a.snapshot.Load() }

// Ready tells whether the first evaluation cycle completed and a snapshot was computed.
func (a *App) Ready() bool { return a.ready.Load() }

// Reload re-reads the config file and the spec files and applies them. A bad file changes nothing: the last
// good set keeps running, slokeeper_config_last_reload_successful turns 0 and the error is returned.
func (a *App) Reload() error { return a.running.Reload() }

// Run serves and evaluates until ctx is done, then shuts down: the HTTP server, the demo traffic, the rules (in-
// flight evaluations finish), the notifier (queued alerts are sent), remote write (flushed) and the TSDB. Each
// component is an actor of one run.Group: the first to return (ctx done, or the server failing) stops them all.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var g run.Group
	stop := func(error) { cancel() }
	loop := func(f func(context.Context)) (func() error, func(error)) {
		return func() error { f(ctx); return nil }, stop
	}
	g.Add(func() error { <-ctx.Done(); return nil }, stop)
	g.Add(func() error {
		if err := a.web.Serve(ctx, a.listener, a.opts.WebConfigFile); err != nil {
			return fmt.Errorf("web server failed: %w", err)
		}
		return nil
	}, stop)
	// The rules first, then the notifier their last alerts go through, then the discovery of its Alertmanagers.
	g.Add(func() error { a.alerting.run(a.evaluator.Run); return nil }, func(error) { a.alerting.stop(a.evaluator.Stop) })
	g.Add(loop(a.snapshotLoop))
	g.Add(loop(a.probe.Run))
	if a.opts.WatchInterval > 0 {
		g.Add(loop(func(ctx context.Context) { a.running.Watch(ctx, a.opts.WatchInterval) }))
	}
	if a.demo.fixture != nil {
		g.Add(loop(func(ctx context.Context) { _ = a.demo.fixture.Run(ctx, a.storage.Appendable()) }))
	}

	a.logger.Info("slokeeper is running", "address", a.Addr().String(), "slos", len(a.running.Running().slos))
	err := g.Run()
	if cerr := a.query.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if cerr := a.storage.Close(); cerr != nil && err == nil {
		err = cerr
	}
	a.demo.remove()
	a.logger.Info("slokeeper stopped")
	return err
}

func externalURL(s, listen string) (*url.URL, error) {
	if s == "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("couldn't derive the external URL from --web.listen-address=%q: %w", listen, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			if host, err = os.Hostname(); err != nil {
				host = "localhost"
			}
		}
		s = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse --web.external-url=%q: %w", s, err)
	}
	return u, nil
}
