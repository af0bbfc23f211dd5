package v1

import "time"

// SLOStatus is an element of GET /api/v1/slos: the state of one SLO, or of one group of a grouped SLO, in a
// budget snapshot.
type SLOStatus struct {
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
	// Current tells that Updated is at most the snapshot's maximum age before the
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
	// why and what to change (the daemon's probe sets them); both empty when every selector
	// matches series, and until the selectors were probed. (JSON: [] and "" then.)
	MissingSeries []string `json:"missing_series"`
	Problem       string   `json:"problem"`

	// Exclusions are the SLO's exclusions, from its spec (the daemon sets them): stretches of time whose events
	// do not count. (JSON: [] when none.)
	Exclusions []SLOExclusion `json:"exclusions"`
}

// SLOExclusion is a stretch of time whose events do not count for an SLO, with its audit trail.
type SLOExclusion struct {
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
