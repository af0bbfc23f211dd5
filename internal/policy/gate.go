package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// GateRequest is a question to the deploy gate.
type GateRequest struct {
	Service string
	// ChangeClass is the declared class of the change; "" for an ordinary change.
	ChangeClass string
	// Policies names the policies of the service's SLOs.
	Policies []string
	// Now is the time of the question; MaxAge is how old the last evaluation of the budgets may be.
	Now    time.Time
	MaxAge time.Duration
}

// Gate decides whether r.Service may ship a change. It fails closed: a frozen service ships only changes of a
// class that every one of its policies exempts; a service not frozen ships only when every counted SLO's budget
// was known at an evaluation at most r.MaxAge old (or an exempt class, or a manual lift, makes the budgets
// irrelevant). ok is false for a service the state does not know.
func (s State) Gate(ps Policies, r GateRequest) (d Decision, ok bool) {
	svc, ok := s.Services[r.Service]
	if !ok {
		return Decision{}, false
	}
	d = Decision{Service: r.Service, Allowed: true, Status: svc.Status, Since: svc.Since, Reason: svc.Reason,
		ChangeClass: r.ChangeClass, Triggers: svc.Triggers, Evaluated: s.Evaluated}
	exempt := exemptUnderAll(ps, r.Policies, r.ChangeClass)
	if svc.Status == StatusFrozen {
		d.Allowed, d.Exempt = exempt, exempt
		return d, true
	}
	if o := svc.Override; o.Active(r.Now) && o.Action == OverrideLift {
		return d, true // a person decided: the budgets do not
	}
	stale := s.Evaluated.IsZero() || r.Now.Sub(s.Evaluated) > r.MaxAge
	if !stale && len(svc.Unknown) == 0 && len(svc.Paging) == 0 {
		return d, true
	}
	if exempt {
		d.Exempt = true
		return d, true
	}
	d.Allowed = false
	// A firing page is a reason of its own, known whatever else is: it decides even while some budgets are not
	// known (a young SLO pages before its first tile), but not on a stale evaluation, whose alerts are old too.
	if !stale && len(svc.Paging) > 0 {
		d.Paging = slices.Clone(svc.Paging)
		d.Reason = "paged: " + strings.Join(svc.Paging, ", ") + " is firing; the gate stays closed while the service's on-call is paged (close_gate_on_page)"
		if classes := exemptClasses(ps, r.Policies); len(classes) > 0 {
			d.Reason += "; changes of class " + strings.Join(classes, ", ") + " go through"
		}
		return d, true
	}
	d.Unknown, d.Stale = slices.Clone(svc.Unknown), stale
	switch {
	case s.Evaluated.IsZero():
		d.Reason = "budgets not evaluated since the daemon started"
	case stale:
		d.Reason = fmt.Sprintf("budgets last evaluated at %s, over %s ago: the daemon cannot read or evaluate its rules",
			s.Evaluated.UTC().Format(time.RFC3339), r.MaxAge)
	default:
		d.Reason = "the budgets of " + strings.Join(svc.Unknown, ", ") + " are not known (no data)"
	}
	d.Reason += "; the gate lets a change through only when it knows every budget"
	return d, true
}

// exemptUnderAll tells whether every policy of the service (the default one when it has none) exempts class.
func exemptUnderAll(ps Policies, policies []string, class string) bool {
	if class == "" {
		return false
	}
	if len(policies) == 0 {
		policies = []string{DefaultName}
	}
	for _, name := range policies {
		if !slices.Contains(ps.get(name).Exempt, class) {
			return false
		}
	}
	return true
}

// exemptClasses lists the change classes every policy of the service (the default one when it has none) exempts.
func exemptClasses(ps Policies, policies []string) []string {
	if len(policies) == 0 {
		policies = []string{DefaultName}
	}
	var out []string
	for _, c := range ps.get(policies[0]).Exempt {
		if exemptUnderAll(ps, policies, c) {
			out = append(out, c)
		}
	}
	return out
}
