package v1

import (
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// ServiceStatus is a service's standing under its error budget policy.
type ServiceStatus string

// The statuses, from best to worst.
const (
	ServiceOK      ServiceStatus = "ok"
	ServiceWarning ServiceStatus = "warning"
	ServiceFrozen  ServiceStatus = "frozen"
)

// Trigger is an SLO that put or keeps its service where it is.
type Trigger struct {
	SLO       string    `json:"slo"`
	Layer     slo.Layer `json:"layer"`
	Remaining float64   `json:"budget_remaining"`
	Threshold float64   `json:"threshold"`
	// Evidence is the weight the policy gave the measured spend when it was under 1 (the SLO has not seen the
	// policy's min_coverage of its period or min_events yet), with the coverage it had.
	Evidence float64 `json:"evidence,omitempty"`
	Coverage float64 `json:"coverage,omitempty"`
}

// GateDecision is the deploy gate's answer for one service: GET /api/v1/gate/{service}?change_class=… answers
// it with 200 (Allowed), 423 (frozen) or, when the gate does not know enough (Blind), 503.
type GateDecision struct {
	Service string `json:"service"`
	// Allowed: the service may ship this change.
	Allowed bool          `json:"allowed"`
	Status  ServiceStatus `json:"status"`
	// Since is when the service entered Status.
	Since  time.Time `json:"since"`
	Reason string    `json:"reason"`
	// ChangeClass is the class the caller declared; Exempt tells that it went through a freeze, or past unknown
	// budgets, because of it.
	ChangeClass string    `json:"change_class,omitempty"`
	Exempt      bool      `json:"exempt,omitempty"`
	Triggers    []Trigger `json:"triggers,omitempty"`
	// Unknown lists the counted SLOs whose budget was not known at the last evaluation, and Stale tells that the
	// last evaluation is too old to go by: either refuses a change the budgets decide (Allowed false).
	Unknown []string `json:"unknown_budgets,omitempty"`
	Stale   bool     `json:"stale,omitempty"`
	// Paging names the page-tier alerts of the service that close the gate while they fire.
	Paging []string `json:"paging,omitempty"`
	// Evaluated is when the budgets were last evaluated; absent when not since the daemon started.
	Evaluated time.Time `json:"evaluated,omitzero"`
}

// Blind tells whether the decision refuses because the gate does not know enough (unknown or stale budgets)
// rather than because the service is frozen.
func (d GateDecision) Blind() bool { return !d.Allowed && (len(d.Unknown) > 0 || d.Stale) }

// Why is the decision's reason, for the gate's error message.
func (d GateDecision) Why() string { return d.Reason }
