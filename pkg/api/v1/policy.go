package v1

import "time"

// ServicePolicy is a service's standing under its error budget policy: an element of GET /api/v1/policy, and the
// answer to POST /api/v1/freeze/{service}.
type ServicePolicy struct {
	Service string        `json:"service"`
	Owner   string        `json:"owner"`
	Status  ServiceStatus `json:"status"`
	// Since is when the service entered Status. It does not move while the status stays, across restarts too.
	Since time.Time `json:"since"`
	// Reason says why, in one line; Triggers are the SLOs behind it.
	Reason   string    `json:"reason"`
	Triggers []Trigger `json:"triggers,omitempty"`
	// Unknown lists the counted SLOs whose budget was not known at the last evaluation: the deploy gate does not
	// let an ordinary change through while any is.
	Unknown []string `json:"unknown_budgets,omitempty"`
	// Paging names the page-tier burn alerts of counted SLOs that were firing at the last evaluation, under
	// policies that close the gate while the service is paged.
	Paging []string `json:"paging,omitempty"`
	// Freezes counts the freezes the service entered.
	Freezes int `json:"freezes"`
	// Override is the manual decision in force, if any; History keeps the last ones (newest last).
	Override *Override  `json:"override,omitempty"`
	History  []Override `json:"history,omitempty"`
}

// OverrideAction is what a manual override does.
type OverrideAction string

// The overrides.
const (
	// OverrideLift keeps a service out of the freeze until the override expires, whatever its budgets.
	OverrideLift OverrideAction = "lift"
	// OverrideSet freezes a service until the override expires, whatever its budgets.
	OverrideSet OverrideAction = "set"
)

// Override is a manual decision with its audit data.
type Override struct {
	Action  OverrideAction `json:"action"`
	Who     string         `json:"who"`
	Why     string         `json:"why"`
	At      time.Time      `json:"at"`
	Expires time.Time      `json:"expires"`
}

// Active tells whether o applies at now.
func (o *Override) Active(now time.Time) bool { return o != nil && now.Before(o.Expires) }

// OverrideRequest is the body of POST /api/v1/freeze/{service}.
type OverrideRequest struct {
	// Action is "lift" (no freeze until it expires) or "set" (frozen until it expires).
	Action string `json:"action"`
	// Who and Reason go to the audit trail; both are required.
	Who    string `json:"who"`
	Reason string `json:"reason"`
	// Duration is how long the override lasts, in Prometheus' duration syntax (e.g. 24h).
	Duration string `json:"duration"`
}
