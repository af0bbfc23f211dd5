package v1

import "time"

// Exclusion is one ad hoc exclusion with its audit trail: an element of GET /api/v1/exclusions.
type Exclusion struct {
	ID       string    `json:"id"`
	Service  string    `json:"service"`
	SLO      string    `json:"slo"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Reason   string    `json:"reason"`
	Approver string    `json:"approver"`
	// Created is when the daemon took it; Withdrawn, when set, says when, by whom and why it stopped counting.
	Created   time.Time   `json:"created"`
	Withdrawn *Withdrawal `json:"withdrawn,omitempty"`
}

// Withdrawal ends an exclusion before its time, with its audit data.
type Withdrawal struct {
	At     time.Time `json:"at"`
	Who    string    `json:"who"`
	Reason string    `json:"reason"`
}

// ExclusionChange answers a change of the exclusions (POST /api/v1/exclusions, …/{id}/withdraw): the record, and
// whether the running rules hold it yet (Warning says why not).
type ExclusionChange struct {
	Exclusion
	Applied bool   `json:"applied"`
	Warning string `json:"warning,omitempty"`
}

// ExclusionRequest is the body of POST /api/v1/exclusions: an ad hoc exclusion of one SLO.
type ExclusionRequest struct {
	Service string `json:"service"`
	SLO     string `json:"slo"`
	// From is when it starts (RFC 3339); empty means when the daemon takes it.
	From string `json:"from,omitempty"`
	// To is when it ends (RFC 3339); or Duration, how long it lasts from From (Prometheus' syntax, e.g. 2h).
	To       string `json:"to,omitempty"`
	Duration string `json:"duration,omitempty"`
	// Reason and Approver go to the audit trail; both are required.
	Reason   string `json:"reason"`
	Approver string `json:"approver"`
}

// WithdrawRequest is the body of POST /api/v1/exclusions/{id}/withdraw.
type WithdrawRequest struct {
	Who    string `json:"who"`
	Reason string `json:"reason"`
}
