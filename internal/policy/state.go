package policy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Budget is one SLO's latest budget, the input of Evaluate. A grouped SLO gives one Budget per group; its
// worst group decides.
type Budget struct {
	Service, SLO string
	Owner        string
	Layer        slo.Layer
	// Policy names the SLO's policy; empty means DefaultName.
	Policy string
	// Remaining is the share of the error budget left (slo_budget_remaining); NaN when not known yet.
	Remaining float64
	// Coverage is the share of the period the budget stands on (0: not known) and Events the events it counted
	// (NaN: not known): the evidence Policy.Judge weighs.
	Coverage, Events float64
	// Paging names the page-tier burn alerts of the SLO (or of this group) that are firing.
	Paging []string
}

// MaxHistory bounds the overrides kept per service.
const MaxHistory = 50

// State is every service's state.
type State struct {
	Services map[string]*Service `json:"services"`
	// Evaluated is when Evaluate last ran; zero in a state loaded from disk, which tells the gate that nothing
	// was evaluated since the start.
	Evaluated time.Time `json:"-"`
}

// Clone returns a deep copy of s.
func (s State) Clone() State {
	out := State{Services: make(map[string]*Service, len(s.Services)), Evaluated: s.Evaluated}
	for k, v := range s.Services {
		c := *v
		c.Triggers = slices.Clone(v.Triggers)
		c.History = slices.Clone(v.History)
		c.Unknown = slices.Clone(v.Unknown)
		c.Paging = slices.Clone(v.Paging)
		if v.Override != nil {
			o := *v.Override
			c.Override = &o
		}
		out.Services[k] = &c
	}
	return out
}

// Transition is a change of a service's status.
type Transition struct {
	Service  string
	From, To Status
	At       time.Time
	Reason   string
}

// Policies resolves policy names; unknown names fall back to the default policy (the configuration is validated
// before, so this only happens for SLOs whose policy was removed by a reload).
type Policies map[string]Policy

func (ps Policies) get(name string) Policy {
	if name == "" {
		name = DefaultName
	}
	if p, ok := ps[name]; ok {
		return p
	}
	if p, ok := ps[DefaultName]; ok {
		return p
	}
	return Default()
}

// Evaluate computes the next state from prev and the SLOs' latest budgets at now, and the status changes.
// Services without any budget keep their state (a service whose SLOs were removed is dropped unless frozen or
// overridden: a freeze is not lifted by deleting the spec). SLOs whose budget is unknown (NaN) do not count: they
// can neither freeze nor lift, and they are listed in the service's Unknown, which closes the deploy gate.
func Evaluate(prev State, ps Policies, budgets []Budget, now time.Time) (State, []Transition) {
	next := prev.Clone()
	next.Evaluated = now
	if next.Services == nil {
		next.Services = map[string]*Service{}
	}
	byService := map[string][]Budget{}
	for _, b := range budgets {
		byService[b.Service] = append(byService[b.Service], b)
	}
	for name, svc := range next.Services {
		if _, ok := byService[name]; !ok && svc.Status != StatusFrozen && !svc.Override.Active(now) {
			delete(next.Services, name)
		}
	}
	var out []Transition
	for name, bs := range byService {
		svc, ok := next.Services[name]
		if !ok {
			svc = &Service{Service: name, Status: StatusOK, Since: now, Reason: "every SLO within its budget"}
			next.Services[name] = svc
		}
		if svc.Owner == "" || bs[0].Owner != "" {
			svc.Owner = bs[0].Owner
		}
		if svc.Override != nil && !svc.Override.Active(now) {
			svc.Override = nil
		}
		status, reason, triggers := decide(svc, ps, bs, now)
		svc.Triggers, svc.Unknown, svc.Paging = triggers, unknownBudgets(ps, bs), paging(ps, bs)
		if status == svc.Status {
			svc.Reason = reason
			continue
		}
		out = append(out, Transition{Service: name, From: svc.Status, To: status, At: now, Reason: reason})
		if status == StatusFrozen {
			svc.Freezes++
		}
		svc.Status, svc.Since, svc.Reason = status, now, reason
	}
	slices.SortFunc(out, func(a, b Transition) int { return cmp.Compare(a.Service, b.Service) })
	return next, out
}

// decide is the status of svc from its budgets: overrides first, then the freeze with its hysteresis, then the
// warning.
func decide(svc *Service, ps Policies, bs []Budget, now time.Time) (Status, string, []Trigger) {
	if o := svc.Override; o.Active(now) {
		reason := fmt.Sprintf("%s by %s until %s: %s", map[OverrideAction]string{OverrideLift: "freeze lifted", OverrideSet: "freeze set"}[o.Action],
			o.Who, o.Expires.UTC().Format(time.RFC3339), o.Why)
		if o.Action == OverrideSet {
			return StatusFrozen, reason, nil
		}
		// Lifted: warn by the budgets, never freeze.
		if ts := below(ps, bs, func(p Policy) float64 { return p.WarnAt }); len(ts) > 0 {
			return StatusWarning, reason, ts
		}
		return StatusOK, reason, nil
	}

	freeze := below(ps, bs, func(p Policy) float64 { return p.FreezeAt })
	if svc.Status == StatusFrozen {
		// Stay frozen until every counted SLO is above its lift threshold and the minimum freeze has passed.
		notLifted := below(ps, bs, func(p Policy) float64 { return p.LiftAt })
		minFreeze := time.Duration(0)
		for _, b := range bs {
			if p := ps.get(b.Policy); p.Counts(b.Layer) {
				minFreeze = max(minFreeze, time.Duration(p.MinFreeze))
			}
		}
		if len(notLifted) > 0 {
			return StatusFrozen, "budget spent: " + describe(notLifted, "the freeze lifts above"), notLifted
		}
		if unknown := unknownBudgets(ps, bs); len(unknown) > 0 {
			return StatusFrozen, "frozen until the budgets of " + strings.Join(unknown, ", ") + " are known again", svc.Triggers
		}
		if until := svc.Since.Add(minFreeze); now.Before(until) {
			return StatusFrozen, "budgets recovered, but the freeze lasts at least until " + until.UTC().Format(time.RFC3339), nil
		}
	} else if len(freeze) > 0 {
		return StatusFrozen, "budget spent: " + describe(freeze, "threshold"), freeze
	}
	if warn := below(ps, bs, func(p Policy) float64 { return p.WarnAt }); len(warn) > 0 {
		return StatusWarning, "budget low: " + describe(warn, "threshold"), warn
	}
	return StatusOK, "every SLO within its budget", nil
}

// below lists the counted SLOs whose known budget is at or below the threshold their policy sets, worst first.
func below(ps Policies, bs []Budget, threshold func(Policy) float64) []Trigger {
	worst := map[string]Trigger{} // by SLO: the worst group of a grouped SLO
	for _, b := range bs {
		p := ps.get(b.Policy)
		if !p.Counts(b.Layer) || math.IsNaN(b.Remaining) {
			continue
		}
		t := threshold(p)
		remaining, evidence := p.Judge(b)
		if remaining > t {
			continue
		}
		if w, ok := worst[b.SLO]; !ok || remaining < w.Remaining {
			tr := Trigger{SLO: b.SLO, Layer: b.Layer, Remaining: remaining, Threshold: t}
			if evidence < 1 {
				tr.Evidence, tr.Coverage = evidence, b.Coverage
			}
			worst[b.SLO] = tr
		}
	}
	out := make([]Trigger, 0, len(worst))
	for _, t := range worst {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Trigger) int {
		return cmp.Or(cmp.Compare(a.Remaining, b.Remaining), cmp.Compare(a.SLO, b.SLO))
	})
	return out
}

// unknownBudgets lists the counted SLOs whose budget is not known (NaN).
func unknownBudgets(ps Policies, bs []Budget) []string {
	var out []string
	for _, b := range bs {
		if ps.get(b.Policy).Counts(b.Layer) && math.IsNaN(b.Remaining) && !slices.Contains(out, b.SLO) {
			out = append(out, b.SLO)
		}
	}
	slices.Sort(out)
	return out
}

// paging lists the firing page alerts of the counted SLOs whose policy closes the gate while they fire.
func paging(ps Policies, bs []Budget) []string {
	var out []string
	for _, b := range bs {
		if p := ps.get(b.Policy); p.Counts(b.Layer) && p.CloseGateOnPage {
			for _, a := range b.Paging {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func describe(ts []Trigger, threshold string) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		part := fmt.Sprintf("%s at %.1f%% of its budget (%s %.1f%%)", t.SLO, 100*t.Remaining, threshold, 100*t.Threshold)
		if t.Evidence > 0 {
			part += fmt.Sprintf(", judged on %.2f%% of its period: its errors so far count against a longer stretch, as if the rest went well", 100*t.Coverage)
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// SetOverride records a manual override of service at now: it takes effect at the next Evaluate and stays in
// the history. It fails for a service the state does not know (no SLO of that name has been evaluated), and
// for an override that would not serve as an audit record: who and why must be printable text on one line, of
// a bounded length (a name or handle; a reason with a link to the incident), and the override must end within
// a bounded time, so that one typed by mistake (292y) does not outlive everyone's memory of it.
func (s *State) SetOverride(service string, o Override) error {
	const (
		maxWho      = 200
		maxWhy      = 1000
		maxDuration = 90 * 24 * time.Hour
	)
	svc, ok := s.Services[service]
	if !ok {
		return fmt.Errorf("unknown service %q: no SLO of this service is loaded", service)
	}
	if o.Action != OverrideLift && o.Action != OverrideSet {
		return fmt.Errorf("unknown override %q: want %q or %q", o.Action, OverrideLift, OverrideSet)
	}
	if strings.TrimSpace(o.Who) == "" || strings.TrimSpace(o.Why) == "" {
		return fmt.Errorf("an override needs who and why, for the audit trail")
	}
	for _, f := range []struct {
		name, value, want string
		max               int
	}{{"who", o.Who, "a name or handle", maxWho}, {"why", o.Why, "a short reason with a link to the incident or ticket", maxWhy}} {
		switch n := utf8.RuneCountInString(f.value); {
		case n > f.max:
			return fmt.Errorf("%s must be at most %d characters, got %d: give %s", f.name, f.max, n, f.want)
		case !utf8.ValidString(f.value):
			return fmt.Errorf("%s must be UTF-8 text, got %q", f.name, f.value)
		case strings.ContainsFunc(f.value, unicode.IsControl):
			return fmt.Errorf("%s must be printable text on one line, got %q: remove the control characters (newlines, tabs, escapes)", f.name, f.value)
		}
	}
	if !o.Expires.After(o.At) {
		return fmt.Errorf("an override must expire after it is made, got %s for %s", o.Expires.UTC().Format(time.RFC3339), o.At.UTC().Format(time.RFC3339))
	}
	if o.Expires.Sub(o.At) > maxDuration {
		return fmt.Errorf("an override may last at most %d days, got one made at %s that expires at %s: choose a shorter duration, and renew the override if it is still needed then",
			maxDuration/(24*time.Hour), o.At.UTC().Format(time.RFC3339), o.Expires.UTC().Format(time.RFC3339))
	}
	svc.Override = &o
	svc.History = append(svc.History, o)
	if n := len(svc.History); n > MaxHistory {
		svc.History = slices.Clone(svc.History[n-MaxHistory:])
	}
	return nil
}
