// Package evaluator is the ruler inside `slokeeper run`.
//
// The daemon must evaluate exactly the rules a user would load into Prometheus, so that `promtool test rules` on
// the generated files also tests what the daemon runs. The surest way to keep that promise is to run Prometheus'
// own rules manager and PromQL engine on the generated groups, not a re-implementation. This package wires them
// together: an engine with Prometheus' server defaults (rather than the library's zero values, which reject every
// query or disable @ and negative offsets), a rules.Manager per spec file (so that a reload touches only the
// files that changed) reading from the merged Queryable and appending recorded series to the embedded TSDB, and
// an in-memory rules.GroupLoader so that the groups produced by pkg/generate are handed to the managers without a
// detour through rule files on disk. Each expression is parsed once; a reload whose groups do not load (a bad
// expression, a malformed group) keeps the last good groups running, as Prometheus does.
//
// It must not know budgets or policies: it evaluates the groups it is handed and backfills the recorded series
// of the SLOs it is told about (Target); the budget, policy and exporter packages read what the rules record.
package evaluator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
)

const (
	// DefaultInterval is the evaluation interval of groups without their own, like Prometheus'
	// global.evaluation_interval.
	DefaultInterval = 30 * time.Second

	// The engine and rules manager settings below are Prometheus' server defaults (cmd/prometheus flags).
	maxSamples      = 50e6
	queryTimeout    = 2 * time.Minute
	lookbackDelta   = 5 * time.Minute
	outageTolerance = time.Hour
	forGracePeriod  = 10 * time.Minute
	resendDelay     = time.Minute
)

// Options configures New. Nil dependencies are replaced by the safe defaults documented on each field.
type Options struct {
	// Queryable is what rules read: the merged local and remote storage. Required.
	Queryable storage.Queryable
	// Local is the local TSDB alone. When set, rules that read only recorded slo:* series (and ALERTS) query it
	// instead of Queryable: see LocalFirst. Nil: every rule reads Queryable.
	Local storage.Queryable
	// Appendable is where recorded series (and ALERTS, ALERTS_FOR_STATE) are written. Required.
	Appendable storage.AppendableV2
	// Interval is the evaluation interval of groups that do not set their own. Default DefaultInterval.
	Interval time.Duration
	// ExternalLabels are available to alert templates as $externalLabels.
	ExternalLabels labels.Labels
	// ExternalURL is available to alert templates as $externalURL and becomes the alerts' generator URL.
	ExternalURL *url.URL
	// NotifyFunc receives the alerts to send, typically rules.SendAlerts(notifierManager, externalURL).
	// Nil drops alerts.
	NotifyFunc rules.NotifyFunc
	// Logger receives engine and rules manager logs. Nil discards them.
	Logger *slog.Logger
	// Registerer receives the engine's and the rules manager's metrics, and slokeeper's own. Nil registers none.
	Registerer prometheus.Registerer
	// Backfill configures the rebuilding of recorded history (see SetTargets).
	Backfill BackfillOptions
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// NewEngine builds a PromQL engine with Prometheus' server defaults, as the rules run in it: a sample limit per
// query, a timeout, the lookback delta, @ and negative offsets enabled. Subqueries without a step use interval
// (the evaluation interval), as in Prometheus; without it the library's engine dereferences nil on the first
// such subquery. reg may be nil.
func NewEngine(logger *slog.Logger, reg prometheus.Registerer, p parser.Parser, interval time.Duration) *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{
		Logger:                   logger.With("component", "query engine"),
		Reg:                      reg,
		MaxSamples:               maxSamples,
		Timeout:                  queryTimeout,
		LookbackDelta:            lookbackDelta,
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		Parser:                   p,
		NoStepSubqueryIntervalFn: func(int64) int64 { return interval.Milliseconds() },
	})
}

// Evaluator runs rule groups with Prometheus' rules manager and PromQL engine.
type Evaluator struct {
	opts     Options
	logger   *slog.Logger
	parser   parser.Parser
	engine   *promql.Engine
	managers *managers
	loader   *loader
	cancel   context.CancelFunc
	ctx      context.Context
	now      func() time.Time

	metrics  *metrics
	backfill *backfiller
	route    func(query string) storage.Queryable
	// groupState remembers, per group key, whether its last evaluation failed and when it last succeeded.
	stateMtx   sync.Mutex
	groupState map[string]groupState
	knownNames []string
	runStart   time.Time // set by Run before running is closed
	backfillWG sync.WaitGroup

	// updateMtx serialises Update: the loader's contents and the manager's groups change together.
	updateMtx sync.Mutex
	stopped   bool

	runOnce  sync.Once
	running  chan struct{} // closed by Run: groups evaluate from then on
	stopOnce sync.Once
	done     chan struct{} // closed when Stop has stopped every manager
}

// New builds an Evaluator. It evaluates nothing until Update gives it groups and Run starts it. Call Stop to
// release it, whether Run was called or not.
func New(opts Options) *Evaluator {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Logger == nil {
		opts.Logger = promslog.NewNopLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backfill.Local == nil {
		opts.Backfill.Disabled = true
	}
	if opts.NotifyFunc == nil {
		opts.NotifyFunc = func(context.Context, string, ...*rules.Alert) {}
	}

	p := parser.NewParser(parser.Options{})
	engine := NewEngine(opts.Logger, opts.Registerer, p, opts.Interval)
	ld := &loader{parser: p}
	route := func(string) storage.Queryable { return opts.Queryable }
	restoreQueryable := opts.Queryable
	if opts.Local != nil {
		restoreQueryable = opts.Local
	}
	if opts.Local != nil {
		route = LocalFirst(opts.Local, opts.Queryable, p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	managers := newManagers(rules.ManagerOptions{
		ExternalURL:  opts.ExternalURL,
		QueryFunc:    routedQueryFunc(engine, route),
		NotifyFunc:   opts.NotifyFunc,
		Context:      ctx,
		AppendableV2: opts.Appendable,
		// Only the for-state restore reads this; like Prometheus, read it from the local TSDB (one querier
		// serves several Selects there, which a merge with remote secondaries forbids).
		Queryable:       restoreQueryable,
		Logger:          opts.Logger.With("component", "rule manager"),
		Registerer:      opts.Registerer,
		OutageTolerance: outageTolerance,
		ForGracePeriod:  forGracePeriod,
		ResendDelay:     resendDelay,
		GroupLoader:     ld,
		Parser:          p,
		// Rules run one after the other (no concurrent rule evaluation), so the manager's analysis of which
		// rules depend on which is not needed. It is also not cheap: it links every rule to every rule of its
		// group reading a metric it records, by name, and a service's groups hold many SLOs recording the same
		// names (tens of MB at 1,000 SLOs).
		RuleDependencyController: noDependencies{},
	})
	e := &Evaluator{
		opts:       opts,
		logger:     opts.Logger,
		parser:     p,
		engine:     engine,
		managers:   managers,
		loader:     ld,
		cancel:     cancel,
		ctx:        ctx,
		now:        opts.Now,
		metrics:    newMetrics(opts.Registerer),
		route:      route,
		groupState: map[string]groupState{},
		running:    make(chan struct{}),
		done:       make(chan struct{}),
	}
	e.backfill = newBackfiller(e, opts.Backfill)
	return e
}

// Update replaces the evaluated groups. groups maps an identifier (the spec file the groups come from; it
// becomes the groups' "file" in the manager, its metrics and its API) to that file's groups. Identifiers absent
// from groups stop being evaluated; groups that did not change keep their state (for example pending alerts).
//
// Each identifier's groups run in a rules manager of their own, and only the identifiers whose groups changed
// are checked (their expressions parsed once) and updated. When any of them fails the check, Update changes
// nothing: the last good groups keep running. Update is Prepare, then Commit.
func (e *Evaluator) Update(groups map[string][]rulefmt.RuleGroup) error {
	p, err := e.Prepare(groups)
	if err != nil {
		return err
	}
	return e.Commit(p)
}

// Prepared is a set of groups Prepare checked, for Commit.
type Prepared struct {
	fps     map[string]uint64
	parsed  *loadSet
	removed []string
}

// Prepare checks groups as Update would, and changes nothing: a reload checks everything before it applies
// anything. Commit the result before any other Update or Prepare is committed.
func (e *Evaluator) Prepare(groups map[string][]rulefmt.RuleGroup) (*Prepared, error) {
	e.updateMtx.Lock()
	defer e.updateMtx.Unlock()
	if e.stopped {
		return nil, errors.New("couldn't load rules: the evaluator is stopped")
	}
	// Only the identifiers whose groups changed are checked and given to their manager (see managers).
	p := &Prepared{fps: make(map[string]uint64, len(groups)),
		parsed: &loadSet{groups: map[string]*rulefmt.RuleGroups{}, exprs: map[string]parser.Expr{}}}
	var errs []error
	for id, gs := range groups {
		p.fps[id] = fingerprint(gs)
		if !e.managers.changed(id, p.fps[id]) {
			continue
		}
		if err := validate(p.parsed, id, gs, e.parser); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return nil, fmt.Errorf("couldn't load rules, previous rules kept: %w", errors.Join(errs...))
	}
	for _, id := range e.managers.ids() {
		if _, ok := groups[id]; !ok {
			p.removed = append(p.removed, id)
		}
	}
	return p, nil
}

// Commit makes the groups p checked the evaluated ones. An error is a rules manager's own: the spec files it
// names keep their previous groups.
func (e *Evaluator) Commit(p *Prepared) error {
	e.updateMtx.Lock()
	defer e.updateMtx.Unlock()
	if e.stopped {
		return errors.New("couldn't load rules: the evaluator is stopped")
	}
	if len(p.parsed.groups) == 0 && len(p.removed) == 0 {
		return nil // a reload that changed nothing: a file touched, a comment edited
	}
	e.loader.swap(p.parsed)
	// The managers build their groups from what the loader holds: keeping it (tens of MB at 1,000 SLOs) is not
	// needed until the next Update brings its own.
	defer e.loader.swap(nil)
	externalURL := ""
	if e.opts.ExternalURL != nil {
		externalURL = e.opts.ExternalURL.String()
	}
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(p.parsed.groups)) {
		// Validated by Prepare, the groups load: an error here is the manager's own, and leaves id as it was.
		if err := e.managers.update(id, p.fps[id], e.opts.Interval, e.opts.ExternalLabels, externalURL, e.iterate); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
		}
	}
	for _, id := range p.removed {
		e.managers.remove(id, e.opts.Interval, e.opts.ExternalLabels, externalURL, e.iterate)
	}
	e.forgetRemoved()
	if len(errs) > 0 {
		return fmt.Errorf("couldn't load the rules of some spec files, theirs kept: %w", errors.Join(errs...))
	}
	return nil
}

// Run starts evaluating and blocks until Stop. Groups given to Update before Run start with it.
func (e *Evaluator) Run() {
	e.runOnce.Do(func() {
		// Under the lock Stop sets stopped with, so that the backfill is either added before Stop waits for it or
		// not started at all (a WaitGroup's Add must not race its Wait).
		e.updateMtx.Lock()
		defer e.updateMtx.Unlock()
		if e.stopped {
			return
		}
		e.runStart = e.now()
		close(e.running)
		e.backfillWG.Add(1)
		go func() {
			defer e.backfillWG.Done()
			e.backfill.run(e.ctx)
		}()
	})
	<-e.done
	e.backfillWG.Wait()
}

// iterate is the groups' evaluation step: Prometheus' own, once Run was called, and nothing before. The manager
// itself runs from New on: its Update stops replaced groups and waits for them, which only a running manager
// can do, so an Update before Run (the daemon's first load, a test) would otherwise hang.
func (e *Evaluator) iterate(ctx context.Context, g *rules.Group, ts time.Time) {
	select {
	case <-e.running:
	default:
		return
	}
	start := time.Now()
	rules.DefaultEvalIterationFunc(ctx, g, ts)
	e.observe(g, ts, time.Since(start))
}

// Stop stops every group, waits for evaluations in flight to finish and makes Run return. It may be called
// without Run and more than once. Update fails after Stop.
func (e *Evaluator) Stop() {
	e.stopOnce.Do(func() {
		e.updateMtx.Lock()
		e.stopped = true
		e.updateMtx.Unlock()
		e.managers.stop()
		e.cancel()
		close(e.done)
		e.backfillWG.Wait()
		if err := e.engine.Close(); err != nil {
			e.logger.Warn("Closing the query engine failed", "err", err)
		}
	})
}

// Engine is the PromQL engine the rules run on, for API and status queries over the same Queryable.
func (e *Evaluator) Engine() *promql.Engine { return e.engine }

// Queryable is the storage the rules read.
func (e *Evaluator) Queryable() storage.Queryable { return e.opts.Queryable }

// RuleGroups returns the running groups, sorted by identifier then name. With AlertingRules it satisfies the
// rules retriever of Prometheus' HTTP API (web/api/v1).
func (e *Evaluator) RuleGroups() []*rules.Group { return e.managers.ruleGroups() }

// AlertingRules returns the alerting rules of the running groups.
func (e *Evaluator) AlertingRules() []*rules.AlertingRule { return e.managers.alertingRules() }

// noDependencies is a rules.RuleDependencyController that analyses nothing: rules keep the unknown dependencies
// the manager starts them with, which only matters to concurrent rule evaluation, off here.
type noDependencies struct{}

func (noDependencies) AnalyseRules([]rules.Rule) {}
