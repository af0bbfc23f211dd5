package app

import (
	"context"
	"time"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

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
		l := a.running.Running()
		snap, err := budget.Compute(ctx, budget.Options{Query: query, Catalog: l.catalog}, time.Now())
		if err != nil {
			if ctx.Err() == nil {
				a.metrics.snapshotFailures.Inc()
				a.logger.Warn("Computing the budget snapshot failed, the previous one is kept", "err", err)
			}
			continue
		}
		a.publish(snap, l)
		a.metrics.snapshotTime.SetToCurrentTime()
		if !a.ready.Swap(true) {
			a.logger.Info("First evaluation cycle complete, ready")
		}
	}
}

// publish makes snap the daemon's snapshot, annotated with what the probe found and the exclusions of l, and hands
// it to those that go by it: /metrics, the review clocks and the error budget policy.
func (a *App) publish(snap *budget.Snapshot, l *loaded) {
	a.annotateSnapshot(snap, l)
	a.snapshot.Store(snap)
	a.collector.Set(snap)
	a.reviews.SetClocks(reviewClocks(snap))
	a.freeze.Evaluate(snap, time.Now())
}

// reviewClocks are the review clocks the rules recorded for the SLOs without a review date, by SLO id.
func reviewClocks(s *budget.Snapshot) map[string]time.Time {
	out := map[string]time.Time{}
	for _, st := range s.SLOs {
		if !st.ReviewSince.IsZero() {
			out[slo.ID(st.Service, st.SLO)] = st.ReviewSince
		}
	}
	return out
}
