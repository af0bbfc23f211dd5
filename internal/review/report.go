package review

import (
	"time"

	"github.com/slokeeper/slokeeper/internal/jsonnum"
)

// Kind is what a finding recommends.
type Kind string

// The findings, most urgent first.
const (
	// KindLoosenOrInvest: slices breached again and again; lower the target or invest to meet it.
	KindLoosenOrInvest Kind = "loosen-or-invest"
	// KindCapacityDrift: peak traffic exceeded the declared capacity; the SLO was set for a smaller system.
	KindCapacityDrift Kind = "capacity-drift"
	// KindTighten: every slice beat the target by a wide margin; the target no longer says anything.
	KindTighten Kind = "tighten"
	// KindInsufficientData: too few events to judge the target.
	KindInsufficientData Kind = "insufficient-data"
	// KindKeep: the target fits the service.
	KindKeep Kind = "keep"
)

// urgency orders kinds: lower is more urgent.
func (k Kind) urgency() int {
	switch k {
	case KindLoosenOrInvest:
		return 0
	case KindCapacityDrift:
		return 1
	case KindTighten:
		return 2
	case KindInsufficientData:
		return 3
	}
	return 4
}

// title is the kind for headings.
func (k Kind) title() string {
	switch k {
	case KindLoosenOrInvest:
		return "loosen or invest"
	case KindCapacityDrift:
		return "capacity drift"
	case KindInsufficientData:
		return "insufficient data"
	}
	return string(k)
}

// Confidence says how much data a finding stands on.
type Confidence string

// The confidences (the rule is in docs/review.md).
const (
	ConfidenceHigh   Confidence = "high"
	ConfidenceMedium Confidence = "medium"
	ConfidenceLow    Confidence = "low"
)

// Number is a float that is null in JSON when it is not a number (no data).
type Number = jsonnum.Number

// Report is the outcome of a review. Its JSON form (`slokeeper review --format=json`) is a stable schema:
// fields are only ever added.
type Report struct {
	// Until is the end of every SLO's review window.
	Until time.Time `json:"until"`
	// SLOs are sorted by layer (product first), owner, urgency of their decision and id.
	SLOs []*SLOReport `json:"slos"`
	// Achievability lists objectives their dependencies cannot deliver (see slo.CheckAchievability).
	Achievability []AchievabilityFinding `json:"achievability"`
	Stats         Stats                  `json:"stats"`
}

// Stats is what the review cost.
type Stats struct {
	Queries int `json:"queries"`
	// MaxQuerySamples is the most samples one query loaded: the bound on the review's memory, since queries
	// run one at a time over one day of one SLO's series.
	MaxQuerySamples int64   `json:"maxQuerySamples"`
	TookSeconds     float64 `json:"tookSeconds"`
}

// SLOReport is the review of one SLO.
type SLOReport struct {
	ID      string `json:"id"`
	Service string `json:"service"`
	Name    string `json:"name"`
	Owner   string `json:"owner"`
	Layer   string `json:"layer"`
	// Source is where the SLO is defined, file:line.
	Source string `json:"source"`
	// SLIKind is the SLI kind (events, latency, nativeLatency, raw, probe).
	SLIKind   string `json:"sliKind"`
	Objective string `json:"objective"`
	// Threshold is a latency SLO's threshold as a duration.
	Threshold string `json:"threshold,omitempty"`
	Period    string `json:"period"`
	// CapacityPerSecond is the declared capacity; 0 when none.
	CapacityPerSecond float64 `json:"capacityPerSecond,omitempty"`
	LastReviewed      string  `json:"lastReviewed,omitempty"`
	// Agreed is the day the SLO was agreed (review.agreed), when its spec says.
	Agreed string `json:"agreed,omitempty"`
	// From and Until are the review window.
	From    time.Time `json:"from"`
	Until   time.Time `json:"until"`
	Slicing string    `json:"slicing"`
	// Decision is the kind of the most urgent finding; Confidence is its confidence.
	Decision   Kind       `json:"decision"`
	Confidence Confidence `json:"confidence"`
	// Measure is over the whole window.
	Measure
	// Breaches is the number of judged slices whose SLI fell below the objective; Judged the number of
	// slices that held enough events to be judged (10 events of error budget).
	Breaches int `json:"breaches"`
	Judged   int `json:"judgedSlices"`
	// FullSlices is the number of judged slices that are whole and have data in at least 90% of their hours.
	FullSlices int `json:"fullSlices"`
	// Quantile is the quantile matching the objective (0.95 for 95%) for latency SLOs.
	Quantile Number `json:"quantile,omitempty"`
	// EstimatedPages counts page alerts the current target would have sent, from the hourly grid.
	EstimatedPages int           `json:"estimatedPages"`
	Throughput     *Throughput   `json:"throughput,omitempty"`
	Slices         []SliceReport `json:"slices"`
	Findings       []Finding     `json:"findings"`
	// Attribution names, for each breached slice, the dependencies that breached in it.
	Attribution []Attribution `json:"attribution,omitempty"`
}

// Measure is what a stretch of time held: events, bad events, the SLI and the share of the error budget used.
// Without events they are null.
type Measure struct {
	Events         Number `json:"events"`
	BadEvents      Number `json:"badEvents"`
	SLI            Number `json:"sli"`
	BudgetConsumed Number `json:"budgetConsumed"`
}

// SliceReport is one slice of the review window.
type SliceReport struct {
	Label   string    `json:"label"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Partial bool      `json:"partial"`
	// Coverage is the share of the slice's hours with data.
	Coverage Number `json:"coverage"`
	Measure
	// Judged: the slice held enough events (10 events of error budget) to breach or beat the target.
	Judged   bool `json:"judged"`
	Breached bool `json:"breached"`
	// QuantileSeconds is the observed quantile matching the objective (latency SLOs).
	QuantileSeconds Number `json:"quantileSeconds"`
	PeakPerSecond   Number `json:"peakPerSecond"`
	// TypicalPerSecond is the median of the hourly rates.
	TypicalPerSecond Number `json:"typicalPerSecond"`
	EstimatedPages   int    `json:"estimatedPages"`
}

// Throughput is traffic against the declared capacity.
type Throughput struct {
	PeakPerSecond    Number    `json:"peakPerSecond"`
	PeakAt           time.Time `json:"peakDay"`
	TypicalPerSecond Number    `json:"typicalPerSecond"`
	// DaysAboveCapacity counts the days whose peak exceeded the capacity, of Days with data.
	DaysAboveCapacity int `json:"daysAboveCapacity"`
	Days              int `json:"days"`
	// HoursAboveCapacity counts the hours whose average rate exceeded the capacity; SLIAboveCapacity is the
	// SLI in those hours, SLIWithinCapacity in the others.
	HoursAboveCapacity int    `json:"hoursAboveCapacity"`
	SLIAboveCapacity   Number `json:"sliAboveCapacity"`
	SLIWithinCapacity  Number `json:"sliWithinCapacity"`
}

// Finding is one recommendation with its evidence.
type Finding struct {
	Kind       Kind       `json:"kind"`
	Confidence Confidence `json:"confidence"`
	Summary    string     `json:"summary"`
	Evidence   []string   `json:"evidence"`
	Proposal   *Proposal  `json:"proposal,omitempty"`
}

// Proposal is a concrete new target and how it would have fared over the same slices.
type Proposal struct {
	Objective string `json:"objective"`
	// Threshold is the proposed latency threshold; empty when unchanged.
	Threshold string `json:"threshold,omitempty"`
	// Rule states how the target was chosen (the headroom).
	Rule string `json:"rule"`
	// BudgetConsumed is per slice, aligned with the SLO's slices.
	BudgetConsumed []Number `json:"budgetConsumed"`
	Breaches       int      `json:"breaches"`
	// EstimatedPages counts the page alerts the proposal would have sent (an estimate on the hourly grid).
	EstimatedPages int `json:"estimatedPages"`
}

// Attribution is one breached slice of an SLO and how its dependencies fared in the same hours.
type Attribution struct {
	Slice        string          `json:"slice"`
	Dependencies []DependencyUse `json:"dependencies"`
}

// DependencyUse is a dependency's budget consumption over another SLO's slice.
type DependencyUse struct {
	ID             string `json:"id"`
	BudgetConsumed Number `json:"budgetConsumed"`
	Breached       bool   `json:"breached"`
}

// AchievabilityFinding is an objective its dependencies cannot deliver.
type AchievabilityFinding struct {
	SLO     string `json:"slo"`
	Owner   string `json:"owner"`
	Source  string `json:"source"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}
