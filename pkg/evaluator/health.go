package evaluator

import (
	"time"

	"github.com/prometheus/prometheus/rules"
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
	groups := e.manager.RuleGroups()
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
