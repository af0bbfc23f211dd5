// Package policy is the error budget policy: what a spent budget does to the service that spent it.
//
// An SLO without consequences is a number. A policy says when a service freezes features (by default: one of
// its SLOs has spent its budget over the rolling period), when it is warned first, and when the freeze lifts —
// with hysteresis (the budget must be back above a higher threshold, and optionally the freeze must have lasted a
// minimum time), so that a budget hovering around zero does not flap the deploy gate. A policy also says which
// SLO layers count: an infrastructure SLO freezes the platform service that owns it, not every product team.
//
// The state machine (Evaluate) is pure: budgets and the previous state in, the next state and its transitions
// out. Store persists the state atomically, so that a restart never unfreezes a service and never loses when a
// freeze began. Manual overrides (lift or set a freeze, with who, why and until when) are part of the state and
// leave an audit trail.
package policy

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// DefaultName is the name of the policy SLOs follow unless they choose another.
const DefaultName = "default"

// Policy is one named error budget policy. Thresholds are shares of the error budget left over the period
// (slo_budget_remaining): 1 untouched, 0 spent, negative overspent.
type Policy struct {
	Name string `yaml:"-"`
	// FreezeAt: a service freezes when the budget of one of its counted SLOs is at or below it. Default 0.
	FreezeAt float64 `yaml:"freeze_at"`
	// WarnAt: a service not frozen is in warning when a counted SLO's budget is at or below it. Default 0.25.
	WarnAt float64 `yaml:"warn_at"`
	// LiftAt: a freeze lifts only when every counted SLO's budget is above it. Default 0.10. Above FreezeAt.
	LiftAt float64 `yaml:"lift_at"`
	// MinFreeze is the shortest freeze: it does not lift earlier even when budgets recover. Default 0.
	MinFreeze model.Duration `yaml:"min_freeze,omitempty"`
	// Layers are the layers whose SLOs count; empty means all.
	Layers []slo.Layer `yaml:"layers,omitempty"`
	// Exempt are the change classes the deploy gate lets through a freeze (the SRE Workbook's example policy
	// lets P0 fixes and security fixes through). Default p0 and security.
	Exempt []string `yaml:"exempt,omitempty"`
	// MinCoverage and MinEvents are the evidence a budget needs before the policy goes by it as measured (see
	// Judge): an SLO that has seen less than MinCoverage of its period, or fewer than MinEvents events, is judged
	// as if what it has not seen yet went well. Defaults 0.25 (a week of a 28-day period) and 0 (off).
	MinCoverage float64 `yaml:"min_coverage"`
	MinEvents   float64 `yaml:"min_events,omitempty"`
	// CloseGateOnPage: the deploy gate refuses ordinary changes of a service while a page-tier burn alert of one
	// of its counted SLOs is firing, naming the alert. Default true.
	CloseGateOnPage bool `yaml:"close_gate_on_page"`
}

// DefaultMinCoverage is the share of its period an SLO must have seen before the policy takes its budget as
// measured.
const DefaultMinCoverage = 0.25

// DefaultExempt are the change classes a freeze lets through unless a policy says otherwise.
var DefaultExempt = []string{"p0", "security"}

// Default is the policy used when the configuration names none: freeze at a spent budget, warn at a quarter
// left, lift above a tenth, every layer counts, a budget is taken as measured once a quarter of the period is
// covered, and the gate closes while the service is paged.
func Default() Policy {
	return Policy{Name: DefaultName, FreezeAt: 0, WarnAt: 0.25, LiftAt: 0.10, Exempt: slices.Clone(DefaultExempt),
		MinCoverage: DefaultMinCoverage, CloseGateOnPage: true}
}

// Validate checks the thresholds' order and ranges.
func (p Policy) Validate() error {
	var errs []error
	if p.Name == "" {
		errs = append(errs, errors.New("name: must not be empty"))
	}
	for _, t := range []struct {
		name string
		v    float64
	}{{"freeze_at", p.FreezeAt}, {"warn_at", p.WarnAt}, {"lift_at", p.LiftAt}} {
		if math.IsNaN(t.v) || t.v < -1 || t.v > 1 {
			errs = append(errs, fmt.Errorf("%s: must be a share of the error budget between -1 and 1, got %g", t.name, t.v))
		}
	}
	if !(p.LiftAt > p.FreezeAt) {
		errs = append(errs, fmt.Errorf("lift_at: must be above freeze_at (%g) so that a budget hovering at the threshold does not flap, got %g", p.FreezeAt, p.LiftAt))
	}
	if !(p.WarnAt > p.FreezeAt) {
		errs = append(errs, fmt.Errorf("warn_at: must be above freeze_at (%g), got %g", p.FreezeAt, p.WarnAt))
	}
	if math.IsNaN(p.MinCoverage) || p.MinCoverage < 0 || p.MinCoverage > 1 {
		errs = append(errs, fmt.Errorf("min_coverage: must be a share of the period between 0 and 1, got %g", p.MinCoverage))
	}
	if math.IsNaN(p.MinEvents) || math.IsInf(p.MinEvents, 0) || p.MinEvents < 0 {
		errs = append(errs, fmt.Errorf("min_events: must be a number of events, 0 or more, got %g", p.MinEvents))
	}
	if p.MinFreeze < 0 {
		errs = append(errs, fmt.Errorf("min_freeze: must not be negative, got %s", p.MinFreeze))
	}
	for _, c := range p.Exempt {
		if !changeClassRE.MatchString(c) {
			errs = append(errs, fmt.Errorf("exempt: %q is not a change class: use 1-32 lower-case letters, digits, '-' or '_'", c))
		}
	}
	for _, l := range p.Layers {
		if !l.Valid() {
			errs = append(errs, fmt.Errorf("layers: unknown layer %q (valid: %v)", l, slo.Layers))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("policy %q: %w", p.Name, errors.Join(errs...))
	}
	return nil
}

var changeClassRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Counts tells whether SLOs of layer l count under p.
func (p Policy) Counts(l slo.Layer) bool {
	return len(p.Layers) == 0 || slices.Contains(p.Layers, l)
}
