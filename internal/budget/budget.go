// Package budget computes the status of every SLO (error budget left, burn
// rates, time to exhaustion, firing alerts) from the series the daemon's rules
// have recorded, as one immutable Snapshot per evaluation cycle.
//
// It exists so that the exporter, the policy state machine and the HTTP API
// all read the same numbers, computed once, instead of each querying the TSDB.
// A snapshot costs a fixed number of bulk instant queries (one per recorded
// series name, one for every window's error ratio, one for ALERTS), however
// many SLOs there are; the join on (service, slo) and grouping labels happens
// here, in memory.
//
// What the specs say comes from the catalog (internal/catalog): which SLOs are
// loaded, their layer, owner, objective, period, grouping labels and windows.
// The TSDB gives only numbers: a series is matched to its SLO by service and
// slo, to its group by the SLO's grouping labels, and to its window by the
// recorded name of that window. The package must not know how the specs are
// loaded, how the rules are generated or how the snapshot is served.
package budget

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/slokeeper/slokeeper/internal/catalog"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// QueryFunc runs an instant PromQL query at ts. The daemon passes one backed
// by its PromQL engine; it must return an error on query warnings, since a
// warning (e.g. an unreachable remote read endpoint) means partial data.
type QueryFunc func(ctx context.Context, query string, ts time.Time) (promql.Vector, error)

// Options configure Compute.
type Options struct {
	// Query runs the bulk queries. Required.
	Query QueryFunc
	// Catalog is the loaded SLOs: each gets a Status (one without any recorded
	// series too, every number unknown and Current false), and the series of
	// SLOs it does not hold are dropped even if they linger in the TSDB.
	// Required.
	Catalog *catalog.Catalog
	// MaxAge is how old an SLO's budget may be and still count as current.
	// Default DefaultMaxAge.
	MaxAge time.Duration
}

// DefaultMaxAge is three evaluations of the budget group: one late
// evaluation is not yet stale, three missed ones are.
const DefaultMaxAge = 3 * conventions.BudgetInterval

// Snapshot is the status of every SLO at one instant. It is never modified
// after Compute returns it.
type Snapshot struct {
	// Time is the evaluation timestamp the snapshot was computed at.
	Time time.Time `json:"time"`
	// SLOs is sorted by service, SLO name, then grouping labels.
	SLOs []Status `json:"slos"`
}

// Status, Exclusion and Window are the API's (pkg/api/v1): a snapshot's SLOs are what GET /api/v1/slos serves.
type (
	Status    = v1.SLOStatus
	Exclusion = v1.SLOExclusion
	Window    = v1.Window
)

type kind int

const (
	kindUpdated kind = iota
	kindReviewSince
	kindBudgetRemaining
	kindRatioPeriod
	kindErrorRatePeriod
	kindTotalRatePeriod
	kindCoverage
	kindWindow
	kindAlert
)

type bulkQuery struct {
	kind  kind
	query string
}

// queries are all the queries of a snapshot of c: their number does not depend on the number of SLOs.
func queries(c *catalog.Catalog) []bulkQuery {
	// Every generated series carries both labels; requiring them keeps
	// foreign series out of the ALERTS query.
	own := fmt.Sprintf("%s!=%q,%s!=%q", conventions.LabelService, "", conventions.LabelSLO, "")
	named := func(k kind, name string) bulkQuery {
		return bulkQuery{k, name + "{" + own + "}"}
	}
	windows := make([]string, 0, len(c.Windows()))
	for _, w := range c.Windows() {
		windows = append(windows, regexp.QuoteMeta(conventions.ErrorRatio(w)))
	}
	return []bulkQuery{
		// The objective is recorded at every evaluation of the budget group, data or not.
		{kindUpdated, "timestamp(" + conventions.Objective + "{" + own + "})"},
		// Several series after a label change: the earliest clock (as the generated alert reads it).
		{kindReviewSince, "min by (" + conventions.LabelService + ", " + conventions.LabelSLO + ") (" + conventions.ReviewSince + "{" + own + "})"},
		named(kindBudgetRemaining, conventions.BudgetRemaining),
		named(kindRatioPeriod, conventions.ErrorRatioPeriod),
		named(kindErrorRatePeriod, conventions.ErrorRatePeriod),
		named(kindTotalRatePeriod, conventions.TotalRatePeriod),
		named(kindCoverage, conventions.PeriodCoverage),
		{kindWindow, fmt.Sprintf("{%s=~%q,%s}", labels.MetricName, strings.Join(windows, "|"), own)},
		{kindAlert, fmt.Sprintf("%s{%s=%q,%s=%q,%s}", conventions.SeriesAlerts,
			conventions.LabelAlertName, conventions.AlertBurn, conventions.LabelAlertState, "firing", own)},
	}
}

// Queries returns the queries Compute runs for every snapshot of c, in order:
// their number is fixed, whatever the number of SLOs.
func Queries(c *catalog.Catalog) []string {
	qs := queries(c)
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.query
	}
	return out
}

// Compute queries the recorded series at ts and joins them into a Snapshot.
// Any query error fails it: the caller keeps its previous snapshot.
func Compute(ctx context.Context, opts Options, ts time.Time) (*Snapshot, error) {
	if opts.Query == nil || opts.Catalog == nil {
		return nil, errors.New("no query function or catalog given to compute SLO status")
	}
	j := newJoiner(opts.Catalog, cmp.Or(opts.MaxAge, DefaultMaxAge), ts)
	qs := queries(opts.Catalog)
	results := make([]promql.Vector, len(qs))
	for i, q := range qs {
		v, err := opts.Query(ctx, q.query, ts)
		if err != nil {
			return nil, fmt.Errorf("couldn't query %s for the SLO status snapshot: %w", q.query, err)
		}
		// Sorted input makes "first wins" on duplicates deterministic.
		slices.SortFunc(v, func(a, b promql.Sample) int { return labels.Compare(a.Metric, b.Metric) })
		results[i] = v
	}
	for i, q := range qs {
		j.add(q.kind, results[i])
	}
	return &Snapshot{Time: ts, SLOs: j.statuses()}, nil
}

// ExhaustionWindowDivisor sets the window TimeToExhaustion extrapolates from:
// the shortest one of at least period/ExhaustionWindowDivisor, i.e. 1h for a
// 30d period, the window of the SRE Workbook's fastest page.
const ExhaustionWindowDivisor = 720

// TimeToExhaustion returns the seconds until a budget with remaining left
// (1 untouched) is spent at the current burn rate: remaining × period /
// burn rate over the shortest window of at least period/720 (the longest
// window when all are shorter). It is 0 when the budget is spent, +Inf when
// it is not burning (or no window has data), NaN when remaining, the period
// or the burn rate is unknown. windows must be sorted by duration.
func TimeToExhaustion(remaining float64, period time.Duration, windows []Window) float64 {
	switch {
	case math.IsNaN(remaining):
		return math.NaN()
	case remaining <= 0:
		return 0
	case len(windows) == 0:
		return math.Inf(1)
	case period <= 0:
		return math.NaN()
	}
	w := windows[len(windows)-1]
	for _, c := range windows {
		if c.Duration >= period/ExhaustionWindowDivisor {
			w = c
			break
		}
	}
	switch {
	case math.IsNaN(w.BurnRate):
		return math.NaN()
	case w.BurnRate <= 0:
		return math.Inf(1)
	}
	return remaining * period.Seconds() / w.BurnRate
}
