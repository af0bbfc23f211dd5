package policy

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// maxStateErrors bounds the problems Validate reports: a file broken everywhere gives a readable message, and
// fixing the first ones usually shows what is wrong with the rest.
const maxStateErrors = 10

// emptyStateHint is the way out of any problem in the state: the daemon then starts as on its first day.
const emptyStateHint = "move the file away to start from an empty state (every service unfrozen)"

// Validate checks a state read from disk before anything uses it. The file is written by slokeeper, but it may
// be edited by hand or restored from elsewhere; a wrong entry that went through would surface later as a panic
// in the deploy gate or a freeze that lifts at once, long after the start, instead of as an error that names the
// entry now. Each problem names the entry, the field and what to change.
//
// An entry's service field may be empty: the key is what every lookup goes by, so an empty name can only mean
// the key, and Store.Load fills it in. A name different from the key is refused, since nothing tells which of
// the two was meant.
func (s State) Validate() error {
	keys := make([]string, 0, len(s.Services))
	for k := range s.Services {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same file always gives the same message
	var errs []error
	for _, k := range keys {
		for _, err := range validateService(k, s.Services[k]) {
			errs = append(errs, fmt.Errorf("services[%s]%w", strconv.Quote(k), err))
		}
	}
	if n := len(errs); n > maxStateErrors {
		errs = append(errs[:maxStateErrors], fmt.Errorf("and %d more problems", n-maxStateErrors))
	}
	return errors.Join(errs...)
}

// validateService lists the problems of one entry. Each error starts with the field's path below the entry
// (".status: …") or with ": " for the entry itself, so that Validate can put the entry's key in front.
func validateService(key string, svc *Service) []error {
	if svc == nil {
		return []error{fmt.Errorf(": is null: remove the entry or %s", emptyStateHint)}
	}
	var errs []error
	if key == "" {
		errs = append(errs, errors.New(": the key is empty: set it to the service's name or remove the entry"))
	}
	if svc.Service != "" && svc.Service != key {
		errs = append(errs, fmt.Errorf(".service: is %q, not the entry's key %q: set one to the other", svc.Service, key))
	}
	switch svc.Status {
	case StatusOK, StatusWarning, StatusFrozen:
	default:
		errs = append(errs, fmt.Errorf(".status: unknown status %q: use %q, %q or %q", svc.Status, StatusOK, StatusWarning, StatusFrozen))
	}
	if svc.Since.IsZero() {
		// A zero start would end every minimum freeze at once and date the status to year 1 in the gate's answer.
		errs = append(errs, fmt.Errorf(".since: is missing or zero: set when the service entered its status, e.g. %q", exampleTime))
	}
	if svc.Freezes < 0 {
		errs = append(errs, fmt.Errorf(".freezes: must not be negative, got %d: set the number of freezes, 0 if unknown", svc.Freezes))
	}
	for i, t := range svc.Triggers {
		errs = append(errs, prefixed(fmt.Sprintf(".triggers[%d]", i), validateTrigger(t))...)
	}
	if svc.Override != nil {
		errs = append(errs, prefixed(".override", validateOverride(*svc.Override))...)
	}
	if n := len(svc.History); n > MaxHistory {
		errs = append(errs, fmt.Errorf(".history: has %d entries, slokeeper keeps at most %d: remove the oldest (first) ones", n, MaxHistory))
	}
	for i, o := range svc.History {
		errs = append(errs, prefixed(fmt.Sprintf(".history[%d]", i), validateOverride(o))...)
	}
	return errs
}

// exampleTime shows the format of the file's times in messages.
const exampleTime = "2026-11-26T09:00:00Z"

// validateTrigger lists the problems of a trigger: the gate shows triggers to the people it refuses.
func validateTrigger(t Trigger) []error {
	var errs []error
	if t.SLO == "" {
		errs = append(errs, errors.New(".slo: is empty: set the name of the SLO or remove the trigger"))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"budget_remaining", t.Remaining}, {"threshold", t.Threshold}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			errs = append(errs, fmt.Errorf(".%s: must be a number, got %g: set the share of the budget or remove the trigger", f.name, f.v))
		}
	}
	return errs
}

// validateOverride lists the problems of an override, in force or in the history: what any override needs to
// mean something (an action, who, why, when, an end after it). SetOverride's stricter limits on new overrides
// (length and characters of who and why, at most 90 days) are not applied to saved ones: a state written by an
// earlier version that did not have them must still load.
func validateOverride(o Override) []error {
	var errs []error
	if o.Action != OverrideLift && o.Action != OverrideSet {
		errs = append(errs, fmt.Errorf(".action: unknown override %q: use %q or %q", o.Action, OverrideLift, OverrideSet))
	}
	if o.Who == "" {
		errs = append(errs, errors.New(".who: is empty: set who made the override, for the audit trail"))
	}
	if o.Why == "" {
		errs = append(errs, errors.New(".why: is empty: set why the override was made, for the audit trail"))
	}
	if o.At.IsZero() {
		errs = append(errs, fmt.Errorf(".at: is missing or zero: set when the override was made, e.g. %q", exampleTime))
	}
	if !o.Expires.After(o.At) {
		errs = append(errs, fmt.Errorf(".expires: %s is not after at (%s): set when the override ends",
			o.Expires.UTC().Format(time.RFC3339), o.At.UTC().Format(time.RFC3339)))
	}
	return errs
}

// prefixed puts a field's path in front of the errors about its parts.
func prefixed(path string, errs []error) []error {
	for i, err := range errs {
		errs[i] = fmt.Errorf("%s%w", path, err)
	}
	return errs
}
