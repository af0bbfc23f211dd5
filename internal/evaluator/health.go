package evaluator

import (
	"time"

	"github.com/prometheus/prometheus/rules"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// GroupHealth summarises one running rule group.
type GroupHealth struct {
	// File is the identifier the group was given under in Update.
	File string
	Name string
	// Interval is the group's evaluation interval.
	Interval time.Duration
	// LastEvaluation is the wall-clock time the last evaluation started; zero before the first.
	LastEvaluation time.Time
	// LastEvaluationTimestamp is the timestamp the last evaluation queried at (a slot of the interval).
	LastEvaluationTimestamp time.Time
	// LastDuration is how long the last evaluation took.
	LastDuration time.Duration
	Rules        []RuleHealth
}

// RuleHealth summarises one rule of a group.
type RuleHealth struct {
	// Name is the recorded metric name or the alert name.
	Name string
	// Alerting tells an alerting rule from a recording rule.
	Alerting bool
	// Health is "unknown" before the first evaluation, then "ok" or "err".
	Health rules.RuleHealth
	// LastError is the error of the last evaluation; empty when it succeeded.
	LastError      string
	LastEvaluation time.Time
	LastDuration   time.Duration
}

// Health returns the state of every running group, sorted by identifier then name.
func (e *Evaluator) Health() []GroupHealth {
	groups := e.RuleGroups()
	out := make([]GroupHealth, 0, len(groups))
	for _, g := range groups {
		gh := GroupHealth{
			File:                    g.File(),
			Name:                    g.Name(),
			Interval:                g.Interval(),
			LastEvaluation:          g.GetLastEvaluation(),
			LastEvaluationTimestamp: g.GetLastEvalTimestamp(),
			LastDuration:            g.GetEvaluationTime(),
		}
		for _, r := range g.Rules() {
			rh := RuleHealth{
				Name:           r.Name(),
				Health:         r.Health(),
				LastEvaluation: r.GetEvaluationTimestamp(),
				LastDuration:   r.GetEvaluationDuration(),
			}
			if _, ok := r.(*rules.AlertingRule); ok {
				rh.Alerting = true
			}
			if err := r.LastError(); err != nil {
				rh.LastError = err.Error()
			}
			gh.Rules = append(gh.Rules, rh)
		}
		out = append(out, gh)
	}
	return out
}

type groupState struct {
	evaluated bool
}

// observe records one evaluation of g at ts: metrics, and per SLO whether its rules failed, so that the gap of an
// SLO whose base rates failed (remote storage down) is backfilled when they work again.
func (e *Evaluator) observe(g *rules.Group, ts time.Time, took time.Duration) {
	var failed map[string]bool // SLO ids with a rule that failed
	for _, r := range g.Rules() {
		if r.LastError() != nil {
			if failed == nil {
				failed = map[string]bool{}
			}
			ls := r.Labels()
			failed[ls.Get(conventions.LabelService)+"/"+ls.Get(conventions.LabelSLO)] = true
		}
	}
	name := g.Name()
	e.metrics.evals.WithLabelValues(name).Inc()
	e.metrics.evalDuration.WithLabelValues(name).Observe(took.Seconds())
	key := rules.GroupKey(g.File(), name)
	e.stateMtx.Lock()
	e.groupState[key] = groupState{evaluated: true}
	e.stateMtx.Unlock()
	if failed != nil {
		e.metrics.evalFailures.WithLabelValues(name).Inc()
	} else {
		e.metrics.lastSuccess.WithLabelValues(name).Set(float64(ts.UnixNano()) / 1e9)
	}
	e.backfill.observed(key, ts, failed)
}

// Evaluated tells whether the first evaluation cycle is complete: every running group has been evaluated at least
// once, except groups slower than the budget groups whose first slot has not come yet (a tiles group evaluates
// every 10 minutes or so; waiting for it would keep the daemon unready that long although budgets and alerts are
// evaluated).
func (e *Evaluator) Evaluated() bool {
	select {
	case <-e.running:
	default:
		return false
	}
	groups := e.RuleGroups()
	now := e.now()
	e.stateMtx.Lock()
	defer e.stateMtx.Unlock()
	for _, g := range groups {
		due := g.Interval() <= conventions.BudgetInterval || now.Sub(e.runStart) > g.Interval()
		if due && !e.groupState[rules.GroupKey(g.File(), g.Name())].evaluated {
			return false
		}
	}
	return true
}

// forgetRemoved drops the state and metrics of groups no longer running.
func (e *Evaluator) forgetRemoved() {
	live := map[string]bool{}
	names := map[string]bool{}
	for _, g := range e.RuleGroups() {
		live[rules.GroupKey(g.File(), g.Name())] = true
		names[g.Name()] = true
	}
	e.stateMtx.Lock()
	defer e.stateMtx.Unlock()
	for key := range e.groupState {
		if !live[key] {
			delete(e.groupState, key)
		}
	}
	for _, n := range e.knownNames {
		if !names[n] {
			e.metrics.forget(n)
		}
	}
	e.knownNames = e.knownNames[:0]
	for n := range names {
		e.knownNames = append(e.knownNames, n)
	}
}
