package app

import (
	"context"
	"time"

	"github.com/prometheus/prometheus/promql"
	promstorage "github.com/prometheus/prometheus/storage"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/evaluator"
)

// What a running daemon's callers may read of it beyond Addr, Snapshot, Ready, Registry and the HTTP API: the
// end-to-end tests in internal/app/e2e check with them what the daemon recorded and decided. None of them changes
// the daemon.

// BackfillPending is the number of backfills queued or running (the backfill_pending of /api/v1/status).
func (a *App) BackfillPending() int { return a.evaluator.Pending() }

// LocalStorage is the embedded TSDB alone, without remote read: the series the daemon recorded and the samples its
// remote-write receiver accepted.
func (a *App) LocalStorage() promstorage.Queryable { return a.storage.Local() }

// QueryLocal evaluates the PromQL expression at ts over LocalStorage with the daemon's query engine.
func (a *App) QueryLocal(ctx context.Context, expr string, ts time.Time) (promql.Vector, error) {
	return evaluator.QueryFunc(a.evaluator.Engine(), a.storage.Local())(ctx, expr, ts)
}

// History names the recorded history the daemon keeps of the SLO service/name (slo.SLO.History of the loaded
// SLO): empty unless an exclusion changed what should have been recorded, or if no such SLO is loaded.
func (a *App) History(service, name string) string {
	for _, s := range a.running.Running().slos {
		if s.Service == service && s.Name == name {
			return s.History
		}
	}
	return ""
}

// EvaluatePolicy hands the error budget policy snap at now, as the snapshot loop does after each snapshot.
func (a *App) EvaluatePolicy(snap *budget.Snapshot, now time.Time) { a.freeze.Evaluate(snap, now) }
