package slo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Achievability is a promise that an SLO's dependencies cannot keep together: an objective above what they
// deliver, or a latency threshold below what they may take. It is a warning, not an error: the arithmetic
// assumes what the spec cannot say (every event calls each serial dependency once, failures and slow
// requests of dependencies line up), so the owner decides.
type Achievability struct {
	SLO *SLO
	// Kind is "availability" or "latency".
	Kind string
	// Bound is what the dependencies allow: the highest objective (a ratio) for availability, the lowest
	// threshold (seconds) for latency.
	Bound float64
	// Dependencies are the dependencies the bound is computed from, with their relation.
	Dependencies []Dependency
	// Message explains the problem and what to change, in one line.
	Message string
}

// aspect sorts SLI kinds into what their objectives promise.
func (k SLIKind) aspect() string {
	switch k {
	case SLIEvents, SLIProbe:
		return "availability"
	case SLILatency, SLINativeLatency:
		return "latency"
	}
	return "" // a raw ratio can be anything: not combined
}

// CheckAchievability compares every SLO with its direct dependencies of the same aspect:
//
//   - availability (events and probe SLIs): serial dependencies must all succeed, so together they deliver
//     at most the product of their objectives; parallel dependencies are redundant, one of them suffices, so
//     together they deliver 1-∏(1-a). An objective above that is flagged. Example: 99.95% over two serial
//     services at 99.9% each, which deliver at most 99.8%.
//   - latency (latency and nativeLatency SLIs): a request waits for its serial dependencies one after the
//     other and for the fastest of its parallel ones, so a threshold below the sum of the serial thresholds
//     (plus the smallest parallel one) is flagged. Only dependencies whose objective is the SLO's or looser
//     (p95 under p95, p90 under p95) count: such a dependency may legitimately take its full threshold at the
//     SLO's quantile, while a stricter one (p99 under p95) is usually well below its threshold there.
//
// Raw SLIs and dependencies of the other aspect are left out. Dependencies not in slos are skipped.
func CheckAchievability(slos []*SLO) []Achievability {
	byID := make(map[string]*SLO, len(slos))
	for _, s := range slos {
		byID[s.ID()] = s
	}
	var out []Achievability
	for _, s := range slos {
		aspect := s.SLI.Kind.aspect()
		var serial, parallel []*SLO
		var used []Dependency
		for _, d := range s.DependsOn {
			t := byID[d.ID]
			if t == nil || t.SLI.Kind.aspect() != aspect || aspect == "" {
				continue
			}
			if aspect == "latency" && t.Objective.Ratio > s.Objective.Ratio {
				continue
			}
			used = append(used, d)
			if d.Relation == RelationParallel {
				parallel = append(parallel, t)
			} else {
				serial = append(serial, t)
			}
		}
		if len(used) == 0 {
			continue
		}
		switch aspect {
		case "availability":
			bound := 1.0
			for _, t := range serial {
				bound *= t.Objective.Ratio
			}
			if len(parallel) > 0 {
				allFail := 1.0
				for _, t := range parallel {
					allFail *= t.Objective.Budget
				}
				bound *= 1 - allFail
			}
			// A tolerance for float64 products: 99.9% over one dependency at 99.9% is fine.
			if s.Objective.Ratio > bound+1e-12 {
				out = append(out, Achievability{SLO: s, Kind: aspect, Bound: bound, Dependencies: used,
					Message: fmt.Sprintf("objective %s%% is above what its dependencies can deliver together: at most %s%% (%s); "+
						"lower the objective, make a dependency more reliable, or declare redundant dependencies with relation: parallel",
						s.Objective.Percent, Percent(bound), describeDeps(used, byID, false))})
			}
		case "latency":
			bound := 0.0
			for _, t := range serial {
				bound += t.SLI.Threshold
			}
			if len(parallel) > 0 {
				fastest := math.Inf(1)
				for _, t := range parallel {
					fastest = min(fastest, t.SLI.Threshold)
				}
				bound += fastest
			}
			if s.SLI.Threshold < bound-1e-9 {
				out = append(out, Achievability{SLO: s, Kind: aspect, Bound: bound, Dependencies: used,
					Message: fmt.Sprintf("threshold %s at %s%% is below what its dependencies may take together: %s (%s); "+
						"raise the threshold or tighten a dependency's",
						Seconds(s.SLI.Threshold), s.Objective.Percent, Seconds(bound), describeDeps(used, byID, true))})
			}
		}
	}
	return out
}

func describeDeps(deps []Dependency, byID map[string]*SLO, latency bool) string {
	parts := make([]string, 0, len(deps))
	for _, d := range deps {
		t := byID[d.ID]
		v := t.Objective.Percent + "%"
		if latency {
			v = Seconds(t.SLI.Threshold) + " at " + v
		}
		rel := ""
		if d.Relation == RelationParallel {
			rel = " parallel"
		}
		parts = append(parts, d.ID+" "+v+rel)
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// Percent formats a ratio as a percentage with up to three decimals, rounded down so that a bound is never
// overstated: 0.998001 is "99.8".
func Percent(ratio float64) string {
	p := math.Floor(ratio*100*1000+1e-6) / 1000
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// Seconds formats a duration in seconds as a Prometheus duration (400ms, 3s), or in seconds when it is not a
// whole number of milliseconds.
func Seconds(s float64) string {
	d := time.Duration(math.Round(s * float64(time.Second)))
	if d > 0 && d%time.Millisecond == 0 {
		return model.Duration(d).String()
	}
	return strconv.FormatFloat(s, 'g', 4, 64) + "s"
}
