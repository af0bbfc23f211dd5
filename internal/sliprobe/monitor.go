package sliprobe

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"
	promstorage "github.com/prometheus/prometheus/storage"

	"github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Defaults of Options.
const (
	// DefaultLookback is the range a selector is probed over: longer than the 5m staleness of instant queries,
	// short enough that series gone for good soon count as missing.
	DefaultLookback = 10 * time.Minute
	// DefaultMissingInterval is how often a selector that matches nothing (or could not be probed) is probed again.
	DefaultMissingInterval = 2 * time.Minute
	// DefaultPresentInterval is about how often a selector that matched series is probed again (spread over its
	// last quarter, so that the selectors of one load are not all probed at the same moment again).
	DefaultPresentInterval = 15 * time.Minute
	// DefaultTick is how often the Monitor looks for selectors due.
	DefaultTick = 15 * time.Second
	// DefaultConcurrency is how many selectors are probed at once.
	DefaultConcurrency = 4
)

// Options configures New. Zero values take the defaults.
type Options struct {
	// Queryable is what the rules read: remote read and the local TSDB, merged. Required.
	Queryable promstorage.Queryable
	// Remotes returns the remote-read endpoints, to tell whether their external-label filter is why a selector
	// matches nothing. Nil: none.
	Remotes func() []storage.Remote
	// Lookback, MissingInterval, PresentInterval, Tick and Concurrency: see the defaults.
	Lookback, MissingInterval, PresentInterval, Tick time.Duration
	Concurrency                                      int
	// Logger receives a warning when an SLO's selectors start matching nothing, and an info when they match
	// again. Nil discards.
	Logger *slog.Logger
	// Registerer receives the per-SLO gauge and the probe's own metrics. Nil registers nothing.
	Registerer prometheus.Registerer
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Report is what the probes found about one SLO's selectors.
type Report struct {
	// Missing are the selectors (canonical, sorted) that match no series in any source.
	Missing []string
	// Problem says in one line which selectors match nothing, why and what to change; empty when none.
	Problem string
}

type state int8

const (
	stateUnknown state = iota // never probed successfully
	statePresent
	stateMissing
)

type entry struct {
	sel   Selector
	state state
	hint  hint // when missing
	due   time.Time
}

// sloSelectors are the selectors an SLO needs, by key, and the labels of its gauge.
type sloSelectors struct {
	id, service, name, layer, owner string
	keys                            []string
}

// desired is the set of SLOs to watch, and a fingerprint of the sources: when it changes, everything is due.
type desired struct {
	slos    []*slo.SLO
	sources string
}

// published is what one round found, for readers; never modified once stored.
type published struct {
	reports map[string]Report // by SLO id, for SLOs with a known state
	rows    []sloSelectors    // SLOs with a known state, by id, with missing counts
	missing []int
}

// Monitor probes the selectors of the loaded SLOs on a schedule and reports per SLO. Create it with New, give it
// the SLOs with SetSLOs (at every load and reload) and run it with Run.
type Monitor struct {
	o       Options
	metrics *metrics
	desired atomic.Pointer[desired]
	wake    chan struct{}

	mu      sync.Mutex // one round at a time; guards what follows
	applied *desired
	entries map[string]*entry
	slos    []sloSelectors
	logged  map[string]string // SLO id → its missing selectors when last logged

	published atomic.Pointer[published]
}

// New returns a Monitor with nothing to probe until SetSLOs.
func New(o Options) *Monitor {
	if o.Lookback <= 0 {
		o.Lookback = DefaultLookback
	}
	if o.MissingInterval <= 0 {
		o.MissingInterval = DefaultMissingInterval
	}
	if o.PresentInterval <= 0 {
		o.PresentInterval = DefaultPresentInterval
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Monitor{o: o, wake: make(chan struct{}, 1), entries: map[string]*entry{}, logged: map[string]string{}}
	m.published.Store(&published{reports: map[string]Report{}})
	m.metrics = newMetrics(o.Registerer, m)
	return m
}

// SetSLOs makes slos the SLOs watched. sources fingerprints what they are read from (remote_read, external
// labels): when it differs from the last call's, every selector is probed again at once; otherwise only new
// selectors are. It returns at once; the probes run in Run.
func (m *Monitor) SetSLOs(slos []*slo.SLO, sources string) {
	m.desired.Store(&desired{slos: slos, sources: sources})
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Report returns what is known about the selectors of the SLO service/name; false until they were probed.
func (m *Monitor) Report(service, name string) (Report, bool) {
	r, ok := m.published.Load().reports[slo.ID(service, name)]
	return r, ok
}

// Run probes what is due (everything at first, then see Options) until ctx is done.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.o.Tick)
	defer t.Stop()
	for {
		if errs := m.round(ctx, m.o.Now()); len(errs) > 0 && ctx.Err() == nil {
			m.o.Logger.Debug("Probing SLI selectors failed, their state is kept", "failed", len(errs), "err", errs[0])
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.wake:
		}
	}
}

// round applies the last SetSLOs, probes the selectors due at now and publishes the reports. It returns the
// errors of the selectors (and SLOs) it could not probe.
func (m *Monitor) round(ctx context.Context, now time.Time) []error {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed, errs := m.apply(now)
	var due []*entry
	for _, e := range m.entries {
		if !e.due.After(now) {
			due = append(due, e)
		}
	}
	if len(due) == 0 && !changed {
		return errs
	}
	slices.SortFunc(due, func(a, b *entry) int { return strings.Compare(a.sel.Key, b.sel.Key) })
	start := time.Now()
	errs = append(errs, m.probe(ctx, due, now)...)
	if len(due) > 0 {
		m.metrics.duration.Set(time.Since(start).Seconds())
	}
	m.publish()
	return errs
}

// apply makes the last SetSLOs the watched set: selectors no SLO needs are forgotten, new ones are due now.
func (m *Monitor) apply(now time.Time) (bool, []error) {
	d := m.desired.Load()
	if d == nil || d == m.applied {
		return false, nil
	}
	sourcesChanged := m.applied == nil || m.applied.sources != d.sources
	m.applied = d
	var errs []error
	m.slos = make([]sloSelectors, 0, len(d.slos))
	used := make(map[string]bool, len(m.entries))
	for _, s := range d.slos {
		sels, err := Selectors(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.ID(), err))
			continue
		}
		ss := sloSelectors{id: s.ID(), service: s.Service, name: s.Name, layer: string(s.Layer), owner: s.Owner}
		for _, sel := range sels {
			ss.keys = append(ss.keys, sel.Key)
			used[sel.Key] = true
			if m.entries[sel.Key] == nil {
				m.entries[sel.Key] = &entry{sel: sel, due: now}
			}
		}
		m.slos = append(m.slos, ss)
	}
	slices.SortFunc(m.slos, func(a, b sloSelectors) int { return strings.Compare(a.id, b.id) })
	for k, e := range m.entries {
		switch {
		case !used[k]:
			delete(m.entries, k)
		case sourcesChanged:
			e.due, e.hint = now, hint{}
		}
	}
	return true, errs
}

// probe probes the due entries and explains those that match nothing (again, unless their cause is verified).
func (m *Monitor) probe(ctx context.Context, due []*entry, now time.Time) []error {
	from := now.Add(-m.o.Lookback)
	sels := make([]Selector, len(due))
	for i, e := range due {
		sels[i] = e.sel
	}
	var errs []error
	var unexplained []*entry
	for i, r := range Probe(ctx, m.o.Queryable, sels, from, now, m.o.Concurrency) {
		e := due[i]
		m.metrics.probes.Inc()
		switch {
		case r.Err != nil:
			m.metrics.failures.Inc()
			errs = append(errs, fmt.Errorf("couldn't probe %s: %w", e.sel.Key, r.Err))
			e.due = now.Add(m.o.MissingInterval)
		case r.Series > 0:
			e.state, e.hint, e.due = statePresent, hint{}, now.Add(spread(m.o.PresentInterval, e.sel.Key))
		default:
			if e.state != stateMissing || !e.hint.verified {
				unexplained = append(unexplained, e)
			}
			e.state, e.due = stateMissing, now.Add(m.o.MissingInterval)
		}
	}
	if len(unexplained) > 0 {
		var remotes []storage.Remote
		if m.o.Remotes != nil {
			remotes = m.o.Remotes()
		}
		sels = sels[:0]
		for _, e := range unexplained {
			sels = append(sels, e.sel)
		}
		for i, h := range explain(ctx, sels, remotes, from, now, m.o.Concurrency) {
			unexplained[i].hint = h
		}
	}
	return errs
}

// spread is d less up to a quarter of it, fixed per key.
func spread(d time.Duration, key string) time.Duration {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return d - time.Duration(float64(d/4)*float64(h.Sum32()%1000)/1000)
}

// publish stores the reports of the SLOs with a known state (at least one selector missing, or every one
// present) and logs the SLOs whose missing selectors changed.
func (m *Monitor) publish() {
	p := &published{reports: make(map[string]Report, len(m.slos))}
	var counts [3]float64
	for _, e := range m.entries {
		counts[e.state]++
	}
	seen := make(map[string]bool, len(m.slos))
	for _, s := range m.slos {
		seen[s.id] = true
		var missing []string
		known := true
		hints := map[string]string{}
		for _, k := range s.keys {
			switch e := m.entries[k]; e.state {
			case stateUnknown:
				known = false
			case stateMissing:
				missing = append(missing, k)
				hints[k] = e.hint.text
			}
		}
		if !known && len(missing) == 0 {
			continue
		}
		slices.Sort(missing)
		r := Report{Missing: missing, Problem: problem(missing, hints, m.o.Lookback)}
		p.reports[s.id] = r
		p.rows, p.missing = append(p.rows, s), append(p.missing, len(missing))
		m.log(s, r)
	}
	for id := range m.logged {
		if !seen[id] {
			delete(m.logged, id)
		}
	}
	m.metrics.selectors.WithLabelValues("unknown").Set(counts[stateUnknown])
	m.metrics.selectors.WithLabelValues("present").Set(counts[statePresent])
	m.metrics.selectors.WithLabelValues("missing").Set(counts[stateMissing])
	m.published.Store(p)
}

// log logs an SLO once when its selectors start matching nothing (or others do), and when they match again.
func (m *Monitor) log(s sloSelectors, r Report) {
	now := strings.Join(r.Missing, ", ")
	before := m.logged[s.id]
	switch {
	case now == before:
		return
	case now != "":
		m.o.Logger.Warn("SLI selectors match no series: the SLO has no data", "service", s.service, "slo", s.name,
			"missing", now, "problem", r.Problem)
	default:
		m.o.Logger.Info("SLI selectors match series again", "service", s.service, "slo", s.name, "were_missing", before)
	}
	m.logged[s.id] = now
}

// Check probes every selector of slos once over the lookback before now, from q, and explains the ones that
// match nothing with remotes. It returns the Report of every SLO some of whose selectors match nothing, by SLO
// id, and an error naming every selector it could not probe.
func Check(ctx context.Context, slos []*slo.SLO, q promstorage.Queryable, remotes []storage.Remote, lookback time.Duration, now time.Time) (map[string]Report, error) {
	m := New(Options{Queryable: q, Remotes: func() []storage.Remote { return remotes }, Lookback: lookback})
	m.SetSLOs(slos, "")
	errs := m.round(ctx, now)
	out := map[string]Report{}
	for id, r := range m.published.Load().reports {
		if len(r.Missing) > 0 {
			out[id] = r
		}
	}
	return out, errors.Join(errs...)
}
