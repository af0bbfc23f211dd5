package policy

import v1 "github.com/slokeeper/slokeeper/pkg/api/v1"

// The policy's records are the API's (pkg/api/v1): defined once, served and persisted as they are. These names
// are how the policy's code reads them.
type (
	// Status is a service's standing under its policy.
	Status = v1.ServiceStatus
	// Trigger is an SLO that put or keeps its service where it is.
	Trigger = v1.Trigger
	// Service is the state of one service.
	Service = v1.ServicePolicy
	// Override is a manual decision with its audit data; OverrideAction what it does.
	Override       = v1.Override
	OverrideAction = v1.OverrideAction
	// Decision is the deploy gate's answer for one service.
	Decision = v1.GateDecision
)

// The statuses, from best to worst, and the overrides.
const (
	StatusOK      = v1.ServiceOK
	StatusWarning = v1.ServiceWarning
	StatusFrozen  = v1.ServiceFrozen

	OverrideLift = v1.OverrideLift
	OverrideSet  = v1.OverrideSet
)
