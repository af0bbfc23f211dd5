package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/notifier"
	"github.com/prometheus/prometheus/rules"
	"golang.org/x/net/netutil"

	slokeeper "github.com/slokeeper/slokeeper"
	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/internal/exporter"
	"github.com/slokeeper/slokeeper/internal/freeze"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/internal/queryapi"
	"github.com/slokeeper/slokeeper/internal/reload"
	"github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/internal/web"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// The components New wires, each made by one function here from the config and the components made before it.

func (o *Options) setDefaults() {
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
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
}

// closers undoes, last first, what a failing New opened.
type closers []func()

func (c *closers) add(f func()) { *c = append(*c, f) }

func (c closers) close() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// listen binds the listener and returns the daemon's external URL.
func (a *App) listen() (*url.URL, error) {
	l, err := net.Listen("tcp", a.opts.ListenAddress)
	if err != nil {
		return nil, fmt.Errorf("couldn't listen on --web.listen-address=%q: %w", a.opts.ListenAddress, err)
	}
	a.listener = netutil.LimitListener(l, a.opts.MaxConnections)
	u, err := externalURL(a.opts.ExternalURL, l.Addr().String())
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	// The burn alerts link to the deploy gate of their service on this daemon.
	a.gateURL = u.String()
	return u, nil
}

// registerHealth registers the process' and the daemon's own series and the per-SLO collectors.
func (a *App) registerHealth() {
	a.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("slokeeper"),
	)
	a.metrics = newAppMetrics(a.reg)
	a.collector = exporter.New()
	a.reviews = exporter.NewReviewCollector(nil)
	a.reg.MustRegister(a.collector, a.reviews)
}

// newFreeze opens the error budget policy's state in the storage directory. An unreadable state stops the start:
// going on from nothing would unfreeze frozen services.
func (a *App) newFreeze(cfg *config.Config, externalURL *url.URL) (*freeze.Manager, error) {
	return freeze.New(freeze.Options{
		Store:       policy.Store{Path: filepath.Join(cfg.Storage.Path, freeze.StateFile)},
		Logger:      a.logger,
		Registerer:  a.reg,
		Send:        a.alerting.notifier.Send,
		ExternalURL: externalURL,
	})
}

// openStorage opens the embedded TSDB, keeping samples as long as the longest period of cat needs.
func (a *App) openStorage(cfg *config.Config, cat *catalog.Catalog) (*storage.Storage, error) {
	retention := time.Duration(cfg.Storage.Retention)
	if retention == 0 {
		retention = max(storage.DefaultRetention, cat.LongestPeriod()+24*time.Hour)
	}
	so := storage.Options{Dir: cfg.Storage.Path, Retention: retention, Logger: a.logger, Registerer: a.reg,
		// Backfill appends history out of order: accept it as far back as samples are kept.
		OutOfOrderTimeWindow: retention}
	if err := so.CheckRetention(cat.LongestPeriod()); err != nil {
		return nil, fmt.Errorf("couldn't start: %w (storage.retention)", err)
	}
	return storage.Open(so)
}

// alerting is Prometheus' notifier and the discovery of its Alertmanagers.
type alerting struct {
	notifier      *notifier.Manager
	discovery     *discovery.Manager
	stopDiscovery context.CancelFunc
}

func newAlerting(reg prometheus.Registerer, logger *slog.Logger) (*alerting, error) {
	ncfg := notifier.Options{QueueCapacity: 10000, DrainOnShutdown: true, Registerer: reg}
	al := &alerting{notifier: notifier.NewManager(&ncfg, model.UTF8Validation, logger.With("component", "notifier"))}
	sdMetrics, err := discovery.CreateAndRegisterSDMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("couldn't register service discovery metrics: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	al.stopDiscovery = cancel
	al.discovery = discovery.NewManager(ctx, logger.With("component", "discovery manager notify"), reg, sdMetrics, discovery.Name("notify"))
	if al.discovery == nil {
		cancel()
		return nil, errors.New("couldn't create the service discovery manager for alertmanagers")
	}
	return al, nil
}

// run runs the discovery, the notifier and rules (the evaluator's Run) until stop.
func (al *alerting) run(rules func()) {
	discoveryDone, notifierDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(discoveryDone)
		_ = al.discovery.Run()
	}()
	go func() {
		defer close(notifierDone)
		al.notifier.Run(al.discovery.SyncCh())
	}()
	rules()
	<-notifierDone
	<-discoveryDone
}

// applyConfig applies the alerting section of pcfg: the Alertmanagers and their discovery.
func (al *alerting) applyConfig(pcfg *promconfig.Config) error {
	if err := al.notifier.ApplyConfig(pcfg); err != nil {
		return fmt.Errorf("couldn't apply alerting: %w", err)
	}
	sd := map[string]discovery.Configs{}
	for k, v := range pcfg.AlertingConfig.AlertmanagerConfigs.ToMap() {
		sd[k] = v.ServiceDiscoveryConfigs
	}
	if err := al.discovery.ApplyConfig(sd); err != nil {
		return fmt.Errorf("couldn't apply alerting service discovery: %w", err)
	}
	return nil
}

// stop stops the rules (in-flight evaluations finish), then the notifier (queued alerts are sent), then the
// discovery.
func (al *alerting) stop(stopRules func()) {
	stopRules()
	al.notifier.Stop()
	al.stopDiscovery()
}

// newEvaluator makes the ruler over the storage, sending its alerts through the notifier.
func (a *App) newEvaluator(cfg *config.Config, externalURL *url.URL) *evaluator.Evaluator {
	return evaluator.New(evaluator.Options{
		Queryable:      a.storage.Queryable(),
		Local:          a.storage.Local(),
		Appendable:     a.storage.Appendable(),
		Interval:       time.Duration(cfg.Global.EvaluationInterval),
		ExternalLabels: cfg.Global.ExternalLabels,
		ExternalURL:    externalURL,
		NotifyFunc:     rules.SendAlerts(a.alerting.notifier, externalURL.String()),
		Logger:         a.logger,
		Registerer:     a.reg,
		Backfill: evaluator.BackfillOptions{
			Disabled:    !cfg.Backfill.Enabled,
			MaxLookback: time.Duration(cfg.Backfill.MaxLookback),
			Local:       a.storage.Local(),
		},
	})
}

// newQueryAPI makes Prometheus' query API over what the rules read, and the rules.
func (a *App) newQueryAPI(cfg *config.Config) (*queryapi.API, error) {
	return queryapi.New(queryapi.Options{
		Queryable:      a.storage.Queryable(),
		Rules:          a.evaluator,
		Ready:          a.ready.Load,
		TrackerDir:     cfg.Storage.Path,
		Timeout:        a.opts.QueryTimeout,
		MaxSamples:     a.opts.QueryMaxSamples,
		MaxConcurrency: a.opts.QueryMaxConcurrency,
		Version:        slokeeper.Version(),
		Logger:         a.logger,
	})
}

// newCoordinator makes the reload coordinator: a reload reads the config and the specs (load) and hands them to
// the components in this order. Those that can fail come first (remote read, remote write and alerting, then the
// rules, checked when loaded): when one fails, it and those before it are given the running set again.
func (a *App) newCoordinator() *reload.Coordinator[loaded] {
	c := reload.New(reload.Options[loaded]{
		Load:        a.load,
		Fingerprint: a.fingerprint,
		Logger:      a.logger,
		Registerer:  a.reg,
		Describe:    func(l *loaded) []any { return []any{"slos", len(l.slos)} },
	})
	c.Subscribe(
		reload.Subscriber[loaded]{Name: "remote read, remote write and alerting", Apply: func(l *loaded) error { return a.applyRemotes(l.cfg) }},
		reload.Subscriber[loaded]{Name: "rules", Apply: a.applyRules},
		reload.Subscriber[loaded]{Name: "SLI probe", Apply: func(l *loaded) error {
			a.probe.SetSLOs(l.slos, sourcesFingerprint(l.cfg))
			return nil
		}},
		reload.Subscriber[loaded]{Name: "review clocks", Apply: func(l *loaded) error { a.reviews.Set(l.catalog); return nil }},
		reload.Subscriber[loaded]{Name: "error budget policy", Apply: func(l *loaded) error {
			a.freeze.ApplyConfig(freeze.Config{Policies: l.cfg.Policies, Catalog: l.catalog,
				MaxAge: gateMaxAge(a.opts.SnapshotInterval, time.Duration(l.cfg.Global.EvaluationInterval))})
			return nil
		}},
		reload.Subscriber[loaded]{Name: "slokeeper_slos", Apply: func(l *loaded) error { a.metrics.slos.Set(float64(len(l.slos))); return nil }},
	)
	return c
}

// applyRules commits the rules l's load prepared, once: the running set given again after a failed reload finds
// them committed (a rules manager that failed keeps its previous groups; see evaluator.Commit), and the parsed
// groups are not held beyond their commit.
func (a *App) applyRules(l *loaded) error {
	if l.prepared != nil {
		p := l.prepared
		l.prepared = nil
		if err := a.evaluator.Commit(p); err != nil {
			return err
		}
	}
	a.evaluator.SetTargets(l.targets)
	return nil
}

// gateMaxAge is how old the last evaluation of the budgets may be for the gate to go by it: three snapshot or rule
// evaluation intervals, whichever is longer. Older means the daemon cannot read or evaluate, and the gate closes.
func gateMaxAge(snapshot, evaluation time.Duration) time.Duration {
	return 3 * max(snapshot, evaluation)
}

// newWeb makes the HTTP surface over the components.
func (a *App) newWeb() (*web.Handler, error) {
	var receiver http.Handler // nil: no route
	if a.opts.EnableRemoteWriteReceiver || a.opts.Demo {
		limits := a.opts.RemoteWriteLimits
		if limits == (storage.ReceiverLimits{}) {
			limits = storage.DefaultReceiverLimits()
		}
		if err := limits.Validate(); err != nil {
			return nil, err
		}
		receiver = a.storage.Receiver(limits, conventions.Owned)
	}
	return web.New(web.Options{
		Logger:          a.logger.With("component", "web"),
		Registerer:      a.reg,
		Gatherer:        a.reg,
		Ready:           a.ready.Load,
		Reload:          a.Reload,
		EnableLifecycle: a.opts.EnableLifecycle,
		SLOs:            a.slos,
		Status:          a.status,
		Gate:            a.freeze.Gate,
		Policy:          a.freeze.State,
		Query:           a.query,
		Override:        a.freeze.Override,
		Exclusions:      exclusionAPI{a},
		EnableAdmin:     a.opts.EnableAdminAPI,
		RemoteWrite:     receiver,
		MetricsMaxAge:   a.opts.MetricsMaxAge,
		Version:         slokeeper.Version(),
	}), nil
}
