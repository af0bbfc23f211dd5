package policy

import (
	"slices"
	"time"
)

// Decision is the deploy gate's answer for one service.
type Decision struct {
	Service string `json:"service"`
	// Allowed: the service may ship this change.
	Allowed bool   `json:"allowed"`
	Status  Status `json:"status"`
	// Since is when the service entered Status.
	Since  time.Time `json:"since"`
	Reason string    `json:"reason"`
	// ChangeClass is the class the caller declared; Exempt tells that it went through a freeze because of it.
	ChangeClass string    `json:"change_class,omitempty"`
	Exempt      bool      `json:"exempt,omitempty"`
	Triggers    []Trigger `json:"triggers,omitempty"`
}

// Gate decides whether service may ship a change of changeClass ("" for an ordinary change). A frozen service
// ships only changes of a class that every one of its policies exempts (policies names the policies of the
// service's SLOs). ok is false for a service the state does not know.
func (s State) Gate(service, changeClass string, ps Policies, policies []string) (d Decision, ok bool) {
	svc, ok := s.Services[service]
	if !ok {
		return Decision{}, false
	}
	d = Decision{Service: service, Allowed: true, Status: svc.Status, Since: svc.Since, Reason: svc.Reason,
		ChangeClass: changeClass, Triggers: svc.Triggers}
	if svc.Status != StatusFrozen {
		return d, true
	}
	d.Allowed = false
	if changeClass == "" {
		return d, true
	}
	if len(policies) == 0 {
		policies = []string{DefaultName}
	}
	for _, name := range policies {
		if !slices.Contains(ps.get(name).Exempt, changeClass) {
			return d, true
		}
	}
	d.Allowed, d.Exempt = true, true
	return d, true
}
