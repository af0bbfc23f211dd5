package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/notifier"
	"github.com/prometheus/prometheus/rules"
	"golang.org/x/net/netutil"

	"github.com/prometheus/common/model"

	slokeeper "github.com/slokeeper/slokeeper"
	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/demo"
	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/internal/exclusion"
	"github.com/slokeeper/slokeeper/internal/exporter"
	"github.com/slokeeper/slokeeper/internal/sliprobe"
	"github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
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

// App is a running `slokeeper run`.
type App struct {
	opts    Options
	logger  *slog.Logger
	reg     *prometheus.Registry
	metrics *appMetrics

	cfg         atomic.Pointer[config.Config]
	loaded      atomic.Pointer[loadedSpecs]
	snapshot    atomic.Pointer[budget.Snapshot]
	slosEncoded atomic.Pointer[encodedSLOs]
	slosMtx     sync.Mutex // one encoding at a time
	ready       atomic.Bool

	storage   *storage.Storage
	evaluator *evaluator.Evaluator
	notifier  *notifier.Manager
	discovery *discovery.Manager
	discStop  context.CancelFunc
	collector *exporter.Collector
	reviews   *exporter.ReviewCollector // review freshness of the loaded SLOs
	probe     *sliprobe.Monitor         // SLI selectors that match no series
	web       *web.Handler
	listener  net.Listener
	demo      *demo.Fixture
	tempDir   string
	policy    *policyRun
	// exclusions are the ad hoc exclusions and the SLOs' histories (internal/exclusion).
	exclusions *exclusion.Book
	gateURL    string // the daemon's external URL, for the alerts' gate_url

	reloadMtx sync.Mutex
	watchHash string
	started   time.Time
}

// New loads the config and the specs, opens the storage and binds the listener. Nothing is evaluated before
// Run. On error everything opened is closed again.
func New(o Options) (_ *App, err error) {
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	if o.ListenAddress == "" {
		o.ListenAddress = DefaultListenAddress
	}
	if o.SnapshotInterval <= 0 {
		o.SnapshotInterval = DefaultSnapshotInterval
	}
	if o.WatchInterval == 0 {
		o.WatchInterval = DefaultWatchInterval
	}
	a := &App{opts: o, logger: o.Logger, reg: prometheus.NewRegistry(), started: time.Now()}
	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()

	if o.Demo {
		if err := a.setUpDemo(); err != nil {
			return nil, err
		}
		closers = append(closers, func() { _ = os.RemoveAll(a.tempDir) })
	}
	cfg, err := a.readConfig()
	if err != nil {
		return nil, err
	}
	if o.Demo {
		if err := a.writeDemo(cfg.Storage.Path); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", o.ListenAddress)
	if err != nil {
		return nil, fmt.Errorf("couldn't listen on --web.listen-address=%q: %w", o.ListenAddress, err)
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	a.listener = netutil.LimitListener(l, o.MaxConnections)
	closers = append(closers, func() { _ = l.Close() })
	externalURL, err := externalURL(o.ExternalURL, l.Addr().String())
	if err != nil {
		return nil, err
	}
	// The burn alerts link to the deploy gate of their service on this daemon.
	a.gateURL = externalURL.String()
	if err := a.openExclusions(cfg); err != nil {
		return nil, err
	}
	specs, err := a.loadSpecs(cfg)
	if err != nil {
		return nil, err
	}
	retention := time.Duration(cfg.Storage.Retention)
	if retention == 0 {
		retention = max(storage.DefaultRetention, specs.catalog.LongestPeriod()+24*time.Hour)
	}
	so := storage.Options{Dir: cfg.Storage.Path, Retention: retention, Logger: a.logger}
	if err := so.CheckRetention(specs.catalog.LongestPeriod()); err != nil {
		return nil, fmt.Errorf("couldn't start: %w (storage.retention)", err)
	}

	a.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("slokeeper"),
	)
	a.metrics = newAppMetrics(a.reg)
	a.collector = exporter.New()
	a.reviews = exporter.NewReviewCollector(nil)
	a.reg.MustRegister(a.collector, a.reviews)
	if err := a.openPolicy(cfg); err != nil {
		return nil, err
	}

	// Backfill appends history out of order: accept it as far back as samples are kept.
	so.OutOfOrderTimeWindow = retention
	so.Registerer = a.reg
	st, err := storage.Open(so)
	if err != nil {
		return nil, err
	}
	a.storage = st
	closers = append(closers, func() { _ = st.Close() })

	ncfg := notifier.Options{QueueCapacity: 10000, DrainOnShutdown: true, Registerer: a.reg}
	a.notifier = notifier.NewManager(&ncfg, model.UTF8Validation, a.logger.With("component", "notifier"))
	sdMetrics, err := discovery.CreateAndRegisterSDMetrics(a.reg)
	if err != nil {
		return nil, fmt.Errorf("couldn't register service discovery metrics: %w", err)
	}
	discCtx, discStop := context.WithCancel(context.Background())
	a.discStop = discStop
	a.discovery = discovery.NewManager(discCtx, a.logger.With("component", "discovery manager notify"), a.reg, sdMetrics, discovery.Name("notify"))
	if a.discovery == nil {
		discStop()
		return nil, errors.New("couldn't create the service discovery manager for alertmanagers")
	}
	closers = append(closers, discStop)

	a.policy.alerter = &policyAlerter{send: a.notifier.Send, externalURL: externalURL, firing: map[uint64]*notifier.Alert{}, sent: map[uint64]time.Time{}}

	a.evaluator = evaluator.New(evaluator.Options{
		Queryable:      st.Queryable(),
		Local:          st.Local(),
		Appendable:     st.Appendable(),
		Interval:       time.Duration(cfg.Global.EvaluationInterval),
		ExternalLabels: cfg.Global.ExternalLabels,
		ExternalURL:    externalURL,
		NotifyFunc:     rules.SendAlerts(a.notifier, externalURL.String()),
		Logger:         a.logger,
		Registerer:     a.reg,
		Backfill: evaluator.BackfillOptions{
			Disabled:    !cfg.Backfill.Enabled,
			MaxLookback: time.Duration(cfg.Backfill.MaxLookback),
			Local:       st.Local(),
		},
	})
	closers = append(closers, a.evaluator.Stop)
	a.newProbe()

	if err := a.apply(cfg, specs); err != nil {
		return nil, err
	}
	a.watchHash = a.fingerprint(cfg)

	var receiver http.Handler // nil: no route
	if o.EnableRemoteWriteReceiver || o.Demo {
		limits := o.RemoteWriteLimits
		if limits == (storage.ReceiverLimits{}) {
			limits = storage.DefaultReceiverLimits()
		}
		if err := limits.Validate(); err != nil {
			return nil, err
		}
		receiver = st.Receiver(limits, conventions.Owned)
	}
	a.web = web.New(web.Options{
		Logger:          a.logger.With("component", "web"),
		Registerer:      a.reg,
		Gatherer:        a.reg,
		Ready:           a.ready.Load,
		Reload:          a.Reload,
		EnableLifecycle: o.EnableLifecycle,
		SLOs:            a.slos,
		Status:          a.status,
		Gate:            a.policy.gate,
		Policy:          a.policy.snapshot,
		Override: func(service string, req v1.OverrideRequest) (any, bool, error) {
			return a.policy.override(service, req, time.Now())
		},
		Exclusions:    exclusionAPI{a},
		EnableAdmin:   o.EnableAdminAPI,
		RemoteWrite:   receiver,
		MetricsMaxAge: o.MetricsMaxAge,
		Version:       slokeeper.Version(),
	})
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

// Run serves and evaluates until ctx is done, then shuts down: the HTTP server, the demo traffic, the rules (in-
// flight evaluations finish), the notifier (queued alerts are sent), remote write (flushed) and the TSDB.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	goRun := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}

	discoveryDone := make(chan struct{})
	go func() {
		defer close(discoveryDone)
		_ = a.discovery.Run()
	}()
	notifierDone := make(chan struct{})
	go func() {
		defer close(notifierDone)
		a.notifier.Run(a.discovery.SyncCh())
	}()
	evalDone := make(chan struct{})
	go func() {
		defer close(evalDone)
		a.evaluator.Run()
	}()
	if a.demo != nil {
		goRun(func() { _ = a.demo.Run(ctx, a.storage.Appendable()) })
	}
	goRun(func() { a.snapshotLoop(ctx) })
	goRun(func() { a.probe.Run(ctx) })
	if a.opts.WatchInterval > 0 {
		goRun(func() { a.watchLoop(ctx) })
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.web.Serve(ctx, a.listener, a.opts.WebConfigFile) }()

	a.logger.Info("slokeeper is running", "address", a.Addr().String(), "slos", len(a.loaded.Load().slos))
	var err error
	select {
	case <-ctx.Done():
		err = <-serveErr
	case err = <-serveErr:
		if err != nil {
			err = fmt.Errorf("web server failed: %w", err)
		}
		cancel()
	}
	wg.Wait()
	a.evaluator.Stop()
	<-evalDone
	a.notifier.Stop()
	<-notifierDone
	a.discStop()
	<-discoveryDone
	if cerr := a.storage.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if a.tempDir != "" {
		_ = os.RemoveAll(a.tempDir)
	}
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

// snapshotLoop recomputes the budget snapshot every SnapshotInterval once the first cycle has completed; a
// failed computation keeps the previous snapshot.
func (a *App) snapshotLoop(ctx context.Context) {
	query := budget.QueryFunc(evaluator.QueryFunc(a.evaluator.Engine(), a.storage.Local()))
	tick := time.NewTicker(min(a.opts.SnapshotInterval, time.Second))
	defer tick.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// Only the first readiness waits for a complete cycle: after it, a group added by a reload (a new SLO's
		// tiles run once per tile) must not hold back the snapshot of every other SLO. The new SLO's numbers are
		// unknown until its groups have evaluated, and the gate fails closed on them.
		if !a.ready.Load() && !a.evaluator.Evaluated() {
			continue
		}
		if time.Since(last) < a.opts.SnapshotInterval && a.ready.Load() {
			continue
		}
		last = time.Now()
		specs := a.loaded.Load()
		snap, err := budget.Compute(ctx, budget.Options{Query: query, Catalog: specs.catalog}, time.Now())
		if err != nil {
			if ctx.Err() == nil {
				a.metrics.snapshotFailures.Inc()
				a.logger.Warn("Computing the budget snapshot failed, the previous one is kept", "err", err)
			}
			continue
		}
		a.annotateSnapshot(snap, specs)
		a.snapshot.Store(snap)
		a.collector.Set(snap)
		a.reviews.SetClocks(reviewClocks(snap))
		a.policy.evaluate(snap, a.cfg.Load(), specs, time.Now())
		a.metrics.snapshotTime.SetToCurrentTime()
		if !a.ready.Swap(true) {
			a.logger.Info("First evaluation cycle complete, ready")
		}
	}
}
