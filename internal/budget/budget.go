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

// Status is the state of one SLO, or of one group of a grouped SLO.
type Status struct {
	SLO     string `json:"slo"`
	Service string `json:"service"`
	Layer   string `json:"layer"`
	Owner   string `json:"owner"`
	// Grouping holds the grouping labels (e.g. route) of a grouped SLO, one
	// Status per combination of values; nil for ungrouped SLOs, and for a
	// grouped SLO none of whose groups has data yet.
	Grouping map[string]string `json:"grouping,omitempty"`

	// Objective (e.g. 0.999) and ErrorBudget (e.g. 0.001); NaN when unknown.
	Objective   float64 `json:"objective"`
	ErrorBudget float64 `json:"error_budget"`
	// Period is the SLO period; 0 when unknown.
	Period time.Duration `json:"period_seconds"`

	// BudgetRemaining is 1 untouched, 0 spent, negative overspent; NaN when
	// unknown (no data yet).
	BudgetRemaining float64 `json:"budget_remaining"`
	// ErrorRatioPeriod is the share of bad events over the period; NaN when
	// unknown.
	ErrorRatioPeriod float64 `json:"error_ratio_period"`
	// EventsTotal and EventsGood count events over the covered part of the
	// period (mean rate × period seconds × Coverage); NaN when the mean rates,
	// the period or the coverage are unknown.
	EventsTotal float64 `json:"events_total"`
	EventsGood  float64 `json:"events_good"`
	// Coverage is the share (0..1) of the period covered by data; 0 when
	// absent.
	Coverage float64 `json:"coverage"`

	// Windows holds the error ratio of every window that has data, sorted by
	// duration.
	Windows []Window `json:"windows"`
	// TimeToExhaustion is in seconds: 0 when the budget is spent, +Inf when
	// it is not burning, NaN when unknown. See TimeToExhaustion for the
	// window it uses.
	TimeToExhaustion float64 `json:"time_to_exhaustion_seconds"`

	// Updated is when the budget group last evaluated the SLO (the timestamp
	// of its recorded objective, which every evaluation records, with data or
	// without); zero when it never did within the lookback.
	// Current tells that Updated is at most Options.MaxAge before the
	// snapshot: numbers of an SLO that is not current are stale (its rules
	// stopped evaluating, or have not started) or unknown.
	Updated time.Time `json:"updated,omitzero"`
	Current bool      `json:"current"`
	// ReviewSince is when the review clock of an SLO without a review date in
	// its spec started (the first evaluation of its rules, as recorded by
	// them); zero for an SLO with a date, or before it is recorded.
	ReviewSince time.Time `json:"-"`

	// PageFiring and TicketFiring report a firing SLOErrorBudgetBurn alert of
	// that tier.
	PageFiring   bool `json:"page_firing"`
	TicketFiring bool `json:"ticket_firing"`

	// MissingSeries are the SLI's selectors that match no series in any source, and Problem says in one line
	// why and what to change (the daemon's probe, pkg/sliprobe, sets them); both empty when every selector
	// matches series, and until the selectors were probed. (JSON: [] and "" then.)
	MissingSeries []string `json:"missing_series"`
	Problem       string   `json:"problem"`

	// Exclusions are the SLO's exclusions, from its spec (the daemon sets them): stretches of time whose events
	// do not count. (JSON: [] when none.)
	Exclusions []Exclusion `json:"exclusions"`
}

// Exclusion is a stretch of time whose events do not count, with its audit trail.
type Exclusion struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Reason   string    `json:"reason"`
	Approver string    `json:"approver"`
	// Source is "spec" (declared in the SLO's spec) or "api" (created through the admin API, with ID).
	Source string `json:"source"`
	ID     string `json:"id,omitempty"`
}

// Window is the error ratio of an SLO over one window.
type Window struct {
	Duration   time.Duration `json:"window"`
	ErrorRatio float64       `json:"error_ratio"`
	// SLI is 1 - ErrorRatio.
	SLI float64 `json:"sli"`
	// BurnRate is ErrorRatio / ErrorBudget: 1 spends the budget exactly
	// over the period; NaN when the error budget is unknown.
	BurnRate float64 `json:"burn_rate"`
}

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
