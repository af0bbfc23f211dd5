package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

var nan = math.NaN()

const (
	// DefaultWindow is how far back a review reads when the SLO was never reviewed, or was reviewed longer
	// ago: two quarters.
	DefaultWindow = 180 * day
	// DefaultPeakWindow is the range of the rate whose highest value is a day's peak throughput.
	DefaultPeakWindow = 5 * time.Minute
	// DefaultSubqueryStep is the step of SLI subqueries that give none, the daemon's default evaluation
	// interval.
	DefaultSubqueryStep = 30 * time.Second
)

// Options configures Review. Zero values are replaced by the defaults documented on each field.
type Options struct {
	// Queryable is where the SLIs' raw series are: the daemon's embedded TSDB and its remote_read endpoints.
	// Required.
	Queryable storage.Queryable
	// SLOs are every loaded SLO; dependencies resolve among them. Required.
	SLOs []*slo.SLO
	// Only restricts the review to these SLO ids; empty reviews every SLO. Their dependencies are read too,
	// to attribute their breaches.
	Only []string
	// Until is the end of the review, truncated to the hour. Default: Now().
	Until time.Time
	// Window is how far back a review reads at most. Default DefaultWindow.
	Window time.Duration
	// Since, when set, starts every review there, instead of at the later of Until-Window and the SLO's
	// lastReviewed.
	Since time.Time
	// PeakWindow is the range of the rate whose maximum is the peak throughput. Default DefaultPeakWindow.
	// When it holds fewer than two samples the hourly rates stand in.
	PeakWindow time.Duration
	// MinWindow is the shortest alert window (windows.min of the daemon); it shapes the page windows of the
	// paging estimate. Default slo.DefaultMinWindow.
	MinWindow time.Duration
	// SubqueryStep is the step of subqueries without one in raw SLIs. Default DefaultSubqueryStep.
	SubqueryStep time.Duration
	// Progress, when set, is called after each day of history read.
	Progress func(Progress)
	// Logger receives the query engine's logs. Nil discards them.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Progress is how far a review has read.
type Progress struct {
	// SLO is the SLO being read; At the end of the day just read.
	SLO string
	At  time.Time
	// Done of Total days (of all SLOs) are read. Total grows when a proposed latency threshold is read.
	Done, Total int
}

type run struct {
	opts        Options
	q           *querier
	done, total int
}

func (r *run) progress(id string, at time.Time) {
	r.done++
	if r.opts.Progress != nil {
		r.opts.Progress(Progress{SLO: id, At: at, Done: r.done, Total: r.total})
	}
}

// Review reads the history of the SLOs and judges their targets against it. It reads one day of one SLO at
// a time, so its memory does not grow with the window.
func Review(ctx context.Context, opts Options) (*Report, error) {
	began := time.Now()
	if opts.Queryable == nil {
		return nil, errors.New("review: no storage to read (Options.Queryable is nil)")
	}
	opts = opts.withDefaults()
	byID := make(map[string]*slo.SLO, len(opts.SLOs))
	for _, s := range opts.SLOs {
		byID[s.ID()] = s
	}
	reviewed, err := opts.reviewed(byID)
	if err != nil {
		return nil, err
	}

	r := &run{opts: opts, q: &querier{
		// The daemon's engine settings, so that queries behave as the rules do; its sample limit (50 M) guards
		// the memory of each query.
		engine:    evaluator.NewEngine(opts.Logger, nil, parser.NewParser(parser.Options{}), opts.SubqueryStep),
		queryable: opts.Queryable,
	}}
	data, order, err := r.plan(reviewed, byID)
	if err != nil {
		return nil, err
	}
	for _, d := range order {
		r.total += d.chunkCount()
	}
	for _, d := range order {
		if err := r.collect(ctx, d); err != nil {
			return nil, fmt.Errorf("couldn't read the history of %s: %w", d.s.ID(), err)
		}
	}
	rep := &Report{Until: opts.Until, Achievability: []AchievabilityFinding{}}
	for _, s := range reviewed {
		d := data[s.ID()]
		a := r.analyze(d)
		var bad []float64
		if a.cand != nil && a.cand.threshold != 0 {
			proposed := *s
			proposed.SLI.Threshold = a.cand.threshold
			r.total += len(chunks(d.from, d.until))
			if bad, err = r.collectBad(ctx, d, &proposed); err != nil {
				return nil, fmt.Errorf("couldn't read the history of %s at the proposed threshold: %w", s.ID(), err)
			}
		}
		a.finish(bad)
		a.rep.Attribution = attribute(d, a.stats, data)
		rep.SLOs = append(rep.SLOs, a.rep)
	}
	for _, w := range slo.CheckAchievability(opts.SLOs) {
		if slices.Contains(reviewed, w.SLO) {
			rep.Achievability = append(rep.Achievability, AchievabilityFinding{
				SLO: w.SLO.ID(), Owner: w.SLO.Owner, Source: w.SLO.Source.String(), Kind: w.Kind, Message: w.Message,
			})
		}
	}
	sortReports(rep.SLOs)
	rep.Stats = Stats{Queries: r.q.Queries, MaxQuerySamples: r.q.MaxSamples, TookSeconds: time.Since(began).Seconds()}
	return rep, nil
}

// withDefaults is o with the defaults of its unset fields.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Until.IsZero() {
		o.Until = o.Now()
	}
	o.Until = o.Until.UTC().Truncate(grid)
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.PeakWindow <= 0 {
		o.PeakWindow = DefaultPeakWindow
	}
	if o.MinWindow <= 0 {
		o.MinWindow = slo.DefaultMinWindow
	}
	if o.SubqueryStep <= 0 {
		o.SubqueryStep = DefaultSubqueryStep
	}
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	return o
}

// reviewed are the SLOs o.Only names (each once), or all of o.SLOs without it.
func (o Options) reviewed(byID map[string]*slo.SLO) ([]*slo.SLO, error) {
	reviewed := o.SLOs
	if len(o.Only) > 0 {
		reviewed = nil
		for _, id := range o.Only {
			s, ok := byID[id]
			if !ok {
				return nil, fmt.Errorf("no loaded SLO has the id %q", id)
			}
			if !slices.Contains(reviewed, s) {
				reviewed = append(reviewed, s)
			}
		}
	}
	if len(reviewed) == 0 {
		return nil, errors.New("review: no SLOs to review")
	}
	return reviewed, nil
}

// plan sets the review window of every reviewed SLO and adds their dependencies, read from early enough
// for the attribution of every slice that depends on them.
func (r *run) plan(reviewed []*slo.SLO, byID map[string]*slo.SLO) (map[string]*sloData, []*sloData, error) {
	data := map[string]*sloData{}
	var order []*sloData
	add := func(s *slo.SLO, from time.Time, own bool) error {
		d, ok := data[s.ID()]
		if !ok {
			e, err := exprsFor(s, r.opts.PeakWindow)
			if err != nil {
				return fmt.Errorf("%s: %w", s.ID(), err)
			}
			d = &sloData{s: s, from: r.opts.Until, until: r.opts.Until, fetchFrom: from, e: e}
			data[s.ID()] = d
			order = append(order, d)
		}
		if own {
			d.reviewed, d.from = true, from
			d.slicing, _ = SlicingFor(s.Period)
			for _, sl := range Slices(s.Period, from, r.opts.Until) {
				d.slices = append(d.slices, &sliceData{Slice: sl, peak: nan})
			}
		}
		if from.Before(d.fetchFrom) {
			d.fetchFrom = from
		}
		return nil
	}
	for _, s := range reviewed {
		if err := add(s, r.windowStart(s), true); err != nil {
			return nil, nil, err
		}
	}
	for _, s := range reviewed {
		from := data[s.ID()].from
		for _, dep := range dependencies(s, byID) {
			if err := add(dep, from, false); err != nil {
				return nil, nil, err
			}
		}
	}
	return data, order, nil
}

// windowStart is where the review of s starts: Since when given, else the later of Until-Window and the
// day s was last reviewed; on the hour.
func (r *run) windowStart(s *slo.SLO) time.Time {
	from := r.opts.Until.Add(-r.opts.Window)
	switch {
	case !r.opts.Since.IsZero():
		from = r.opts.Since
	case s.Review.LastReviewed.After(from):
		from = s.Review.LastReviewed
	}
	from = from.UTC()
	if t := from.Truncate(grid); !t.Equal(from) {
		from = t.Add(grid)
	}
	if from.After(r.opts.Until) {
		from = r.opts.Until
	}
	return from
}

// dependencies are the SLOs s depends on, directly or not, in breadth-first order.
func dependencies(s *slo.SLO, byID map[string]*slo.SLO) []*slo.SLO {
	seen := map[string]bool{s.ID(): true}
	var out []*slo.SLO
	queue := []*slo.SLO{s}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, d := range cur.DependsOn {
			t := byID[d.ID]
			if t == nil || seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			out = append(out, t)
			queue = append(queue, t)
		}
	}
	return out
}

// attribute measures, for each breached slice of d, every dependency of d over the same hours.
func attribute(d *sloData, stats []sliceStat, data map[string]*sloData) []Attribution {
	read := make(map[string]*slo.SLO, len(data))
	for id, dd := range data {
		read[id] = dd.s
	}
	var ids []string
	for _, dep := range dependencies(d.s, read) {
		ids = append(ids, dep.ID())
	}
	if len(ids) == 0 {
		return nil
	}
	var out []Attribution
	for i, st := range stats {
		if !st.breached {
			continue
		}
		sl := d.slices[i]
		at := Attribution{Slice: st.label, Dependencies: []DependencyUse{}}
		for _, id := range ids {
			dd := data[id]
			b, t, _ := dd.h.sum(dd.h.bad, sl.Start, sl.End)
			if t == 0 {
				at.Dependencies = append(at.Dependencies, DependencyUse{ID: id, BudgetConsumed: Number(nan)})
				continue
			}
			used := b / t / dd.s.Objective.Budget
			at.Dependencies = append(at.Dependencies, DependencyUse{ID: id, BudgetConsumed: Number(used), Breached: used > 1})
		}
		out = append(out, at)
	}
	return out
}

// sortReports orders by layer (product first), owner, urgency and id.
func sortReports(rs []*SLOReport) {
	rank := func(l string) int { return slices.Index(slo.Layers, slo.Layer(l)) }
	slices.SortStableFunc(rs, func(a, b *SLOReport) int {
		return cmp.Or(cmp.Compare(rank(a.Layer), rank(b.Layer)), cmp.Compare(a.Owner, b.Owner),
			cmp.Compare(a.Decision.urgency(), b.Decision.urgency()), cmp.Compare(a.ID, b.ID))
	})
}
