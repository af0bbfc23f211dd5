// Package demo is the built-in demo behind `slokeeper run --demo` and `slokeeper review --demo`: the example
// specs and a traffic generator for the series they read.
//
// A newcomer should see budgets, burn rates and a firing page within a minute of starting the daemon, with
// nothing else installed. So this package writes into the embedded TSDB the raw series that the SLOs in
// examples/*.yaml read, exactly as their exporters would expose them: the payment API's request counter and
// classic latency histogram (Prometheus-3 style `le` values such as "0.4" and "3.0", which the generated
// `le=~"0\\.40*"` matchers accept), the checkout journey counters and histogram, the database's native
// histogram, its blackbox probe and its replication lag gauges.
//
// The traffic follows a day (30% of peak at 03:00 UTC, 100% at 15:00 UTC) with seeded noise, so a run is
// reproducible given Options.Seed and Options.Now. It tells a story:
//   - payments api-availability has a LIVE incident: 5.5 capture requests a second fail with 5xx (7% of the
//     route at the daily peak, 23% at the trough) since IncidentLead before the start, and for Options.Incident
//     after it. The 1h/5m page alert (14.4× the burn rate of a 99.9% objective) fires on the daemon's first
//     evaluations; the route's budget is already overspent then, so the payments service is frozen under the
//     default error budget policy and the deploy gate refuses it, and the budget sinks further while it runs;
//   - payments api-latency serves more than its declared capacity of 500 requests per second at daily peaks
//     and slows down a little there;
//   - payments-db query-latency over-achieves: p99 is about 5 ms against a 50 ms threshold;
//   - older incidents spent some budget: a slow checkout 50h before the start, a lagging replica 30h before.
//
// History is written oldest first in bounded batches, so an empty TSDB accepts it in order; Run then keeps
// appending live samples. Counters only ever increase (they are the floor of an exact expected count), so
// rate() never sees a reset.
//
// WriteFixture is the one place that puts the demo on disk: the example specs (embedded from examples/) and
// the history, written as a TSDB block before a TSDB opens on it. The daemon's demo then runs the fixture's
// live traffic into its storage; the review's demo reads the block. This package knows nothing of either's
// flags, configuration or storage beyond the directories and the appendable it is given.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/storage"
)

const (
	// DefaultHistory is how much history WriteHistory writes before live traffic starts.
	DefaultHistory = 3 * 24 * time.Hour
	// DefaultResolution is the spacing of samples, like a 15s scrape interval.
	DefaultResolution = 15 * time.Second
	// DefaultIncident is how long the live incident goes on after the demo starts.
	DefaultIncident = 30 * time.Minute
	// IncidentLead is how long before the demo starts the live incident began: long enough for both windows
	// of the 1h/5m page alert to see it on the first evaluation, and to overspend the capture route's budget
	// before the start, so that the payments service starts frozen.
	IncidentLead = time.Hour

	// batchSamples bounds the samples held by one appender before it is committed.
	batchSamples = 50_000
)

// Options configures New. Zero values are replaced by the defaults documented on each field.
type Options struct {
	// Appendable receives the samples: the embedded TSDB. Required.
	Appendable storage.AppendableV2
	// History is how far back WriteHistory starts. Default DefaultHistory.
	History time.Duration
	// Resolution is the spacing of samples, in history and live. Default DefaultResolution.
	Resolution time.Duration
	// Incident is how long the live incident lasts after the start. Default DefaultIncident; a negative value
	// ends it at the start (the page then fires on old data and resolves).
	Incident time.Duration
	// Seed makes the noise reproducible.
	Seed int64
	// Now is the clock; the start of the demo is Now() when New is called. Default time.Now.
	Now func() time.Time
	// Logger receives progress messages. Nil discards them.
	Logger *slog.Logger
}

// Generator synthesises the raw series of the example SLOs. WriteHistory and Run must not be called
// concurrently; Run is meant to follow WriteHistory.
type Generator struct {
	opts   Options
	logger *slog.Logger
	start  time.Time
	live   window // the live incident

	mu    sync.Mutex
	rng   *rand.Rand
	parts []part
	last  int64 // timestamp (ms) of the last sample written; 0 before the first
}

// part is one simulated system: it appends every sample of its series at t, dt seconds after the previous
// sample (0 for the first).
type part interface {
	step(t time.Time, dt float64, out sink)
	seriesCount() int
}

// sink receives one tick's samples.
type sink interface {
	float(s *series, v float64)
	histogram(s *series, h *histogram.Histogram)
}

// New builds a Generator; nothing is written before WriteHistory or Run.
func New(o Options) *Generator {
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	if o.Resolution <= 0 {
		o.Resolution = DefaultResolution
	}
	if o.Incident == 0 {
		o.Incident = DefaultIncident
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	start := o.Now()
	liveEnd := start.Add(o.Incident)
	if o.Incident < 0 {
		liveEnd = start
	}
	live := window{from: start.Add(-IncidentLead), to: liveEnd}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x5e1f_ce11))
	return &Generator{
		opts:   o,
		logger: o.Logger,
		start:  start,
		live:   live,
		rng:    rng,
		parts: []part{
			newPayments(rng, live),
			newCheckout(rng, start, live),
			newDatabase(rng, start),
		},
	}
}

// seriesCount is the number of series the generator writes.
func (g *Generator) seriesCount() int {
	n := 0
	for _, p := range g.parts {
		n += p.seriesCount()
	}
	return n
}

// WriteHistory writes samples every Resolution over [start-History, start], oldest first, committing every
// few tens of thousands of samples so that memory stays bounded. It returns the context's error if cancelled.
func (g *Generator) WriteHistory(ctx context.Context) error {
	if g.opts.Appendable == nil {
		return errors.New("demo traffic needs a storage to append to (Options.Appendable is nil)")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last != 0 {
		return errors.New("demo history must be written once, before Run")
	}

	began := time.Now()
	from := g.start.Add(-g.opts.History)
	total := 0
	out := &appenderSink{app: g.opts.Appendable.AppenderV2(ctx)}
	for t := from; !t.After(g.start); t = t.Add(g.opts.Resolution) {
		if out.n >= batchSamples {
			if err := out.commit(); err != nil {
				return fmt.Errorf("couldn't write demo history at %s (the demo needs an empty storage: "+
					"use a fresh data directory): %w", t.UTC().Format(time.RFC3339), err)
			}
			total += out.n
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("demo history interrupted at %s: %w", t.UTC().Format(time.RFC3339), err)
			}
			out = &appenderSink{app: g.opts.Appendable.AppenderV2(ctx)}
		}
		out.t = t.UnixMilli()
		g.tick(t, out)
	}
	if err := out.commit(); err != nil {
		return fmt.Errorf("couldn't write demo history (the demo needs an empty storage: use a fresh data "+
			"directory): %w", err)
	}
	total += out.n
	g.logger.Info("Wrote demo history", "series", g.seriesCount(), "samples", total,
		"from", from.UTC().Format(time.RFC3339), "to", g.start.UTC().Format(time.RFC3339),
		"resolution", g.opts.Resolution, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// Run appends a live sample of every series now and then every Resolution until ctx is done, when it returns
// nil. A tick that fails to append is logged and the next one tried, so a passing storage hiccup does not end
// the demo.
func (g *Generator) Run(ctx context.Context) error {
	if g.opts.Appendable == nil {
		return errors.New("demo traffic needs a storage to append to (Options.Appendable is nil)")
	}
	g.logger.Info("Demo traffic running", "series", g.seriesCount(), "resolution", g.opts.Resolution,
		"incident", "payments/api-availability "+incidentRoute+" 5xx",
		"incident_until", g.live.to.UTC().Format(time.RFC3339))
	ticker := time.NewTicker(g.opts.Resolution)
	defer ticker.Stop()
	for {
		if err := g.appendLive(ctx); err != nil {
			g.logger.Warn("Demo traffic couldn't append samples", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// appendLive writes one tick at the current time, unless the clock has not moved past the last sample.
func (g *Generator) appendLive(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.opts.Now()
	if t.UnixMilli() <= g.last {
		return nil
	}
	out := &appenderSink{app: g.opts.Appendable.AppenderV2(ctx), t: t.UnixMilli()}
	g.tick(t, out)
	return out.commit()
}

// tick asks every part for its samples at t.
func (g *Generator) tick(t time.Time, out sink) {
	ts := t.UnixMilli()
	dt := 0.0
	if g.last != 0 {
		dt = float64(ts-g.last) / 1000
	}
	for _, p := range g.parts {
		p.step(t, dt, out)
	}
	g.last = ts
}

// appenderSink appends to one storage transaction at timestamp t and keeps the first error.
type appenderSink struct {
	app storage.AppenderV2
	t   int64
	n   int
	err error
}

func (a *appenderSink) float(s *series, v float64) {
	a.append(s, v, nil)
}

func (a *appenderSink) histogram(s *series, h *histogram.Histogram) {
	a.append(s, 0, h)
}

func (a *appenderSink) append(s *series, v float64, h *histogram.Histogram) {
	if a.err != nil {
		return
	}
	ref, err := a.app.Append(s.ref, s.labels, 0, a.t, v, h, nil, s.opts)
	if err != nil {
		a.err = fmt.Errorf("series %s: %w", s.labels, err)
		return
	}
	s.ref = ref
	a.n++
}

// commit commits the transaction, or rolls it back when an append failed.
func (a *appenderSink) commit() error {
	if a.err != nil {
		if err := a.app.Rollback(); err != nil {
			return errors.Join(a.err, err)
		}
		return a.err
	}
	return a.app.Commit()
}
