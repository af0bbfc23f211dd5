package slo

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// Layer says who owns an SLO and which kind of promise it is.
type Layer string

// The three SLO layers.
const (
	// LayerProduct is a user journey, owned by product ("checkout completes").
	LayerProduct Layer = "product"
	// LayerService is a promise of one service, owned by its team.
	LayerService Layer = "service"
	// LayerInfrastructure is a platform promise ("database p99 under 50 ms").
	LayerInfrastructure Layer = "infrastructure"
)

// Layers lists the valid layers in order from the user down.
var Layers = []Layer{LayerProduct, LayerService, LayerInfrastructure}

// Valid reports whether l is one of Layers.
func (l Layer) Valid() bool {
	for _, x := range Layers {
		if x == l {
			return true
		}
	}
	return false
}

// SLIKind names how the service level indicator is measured.
type SLIKind string

// The SLI kinds.
const (
	// SLIEvents counts errors (or good events) against total events.
	SLIEvents SLIKind = "events"
	// SLILatency counts requests above a threshold in a classic histogram.
	SLILatency SLIKind = "latency"
	// SLINativeLatency counts requests above a threshold in a native histogram.
	SLINativeLatency SLIKind = "nativeLatency"
	// SLIRaw is a user query that returns an error ratio over a window.
	SLIRaw SLIKind = "raw"
	// SLIProbe counts failed samples of a 0/1 gauge such as probe_success.
	SLIProbe SLIKind = "probe"
)

// SLI is the indicator. Which fields are set depends on Kind.
type SLI struct {
	Kind SLIKind
	// Events: Errors or Good (one of them) and Total. Each is either a series
	// selector or a query that contains the {{.window}} placeholder.
	Errors, Good, Total string
	// Latency and NativeLatency: the histogram's selector (base name, without
	// _bucket/_count) and the threshold in seconds.
	Histogram string
	Threshold float64
	// Raw: an error-ratio query with the {{.window}} placeholder.
	ErrorRatio string
	// Probe: the selector of a gauge that is 1 on success and 0 on failure.
	Success string
}

// Tier is how urgently a burn must be handled.
type Tier string

// The alert tiers of the SRE Workbook.
const (
	TierPage   Tier = conventions.TierPage
	TierTicket Tier = conventions.TierTicket
)

// TierAlerting is the per-tier alerting setup.
type TierAlerting struct {
	Disabled bool
	Severity string
}

// Alerting holds alerting overrides of one SLO.
type Alerting struct {
	Page, Ticket TierAlerting
	Labels       map[string]string
	Annotations  map[string]string
	RunbookURL   string
}

// ForTier returns the settings of tier t.
func (a Alerting) ForTier(t Tier) TierAlerting {
	if t == TierPage {
		return a.Page
	}
	return a.Ticket
}

// Review says when an SLO was agreed and last reviewed, how often it must be,
// and what the last review decided.
type Review struct {
	LastReviewed time.Time // zero when never reviewed
	// Agreed is the day the SLO was agreed, never after LastReviewed; zero
	// when the spec does not say.
	Agreed  time.Time
	Cadence time.Duration
	// Decision is what the last review decided; empty when not recorded.
	Decision Decision
	// Reviewer is who made the decision; empty when not recorded.
	Reviewer string
}

// Since is when the review clock of the SLO started: its last review, else
// the day it was agreed; zero when the spec gives neither, and the clock
// starts when slokeeper's rules first evaluate the SLO. The review is due one
// Cadence after it.
func (r Review) Since() time.Time {
	if !r.LastReviewed.IsZero() {
		return r.LastReviewed
	}
	return r.Agreed
}

// Decision is the outcome of an SLO review (see internal/review).
type Decision string

// The decisions a review records.
const (
	// DecisionTighten: the target was raised (a higher objective or a lower
	// latency threshold) because the service beat it by a wide margin.
	DecisionTighten Decision = "tighten"
	// DecisionLoosen: the target was lowered because it was breached again
	// and again, and the breaches were accepted as the service's real level.
	DecisionLoosen Decision = "loosen"
	// DecisionInvest: the target stays; the work to meet it is planned.
	DecisionInvest Decision = "invest"
	// DecisionCapacityDrift: traffic outgrew the declared capacity; the
	// capacity (and the target at it) is being re-established.
	DecisionCapacityDrift Decision = "capacity-drift"
	// DecisionKeep: the target stays as it is.
	DecisionKeep Decision = "keep"
)

// Decisions lists the valid decisions.
var Decisions = []Decision{DecisionTighten, DecisionLoosen, DecisionInvest, DecisionCapacityDrift, DecisionKeep}

// Valid reports whether d is one of Decisions.
func (d Decision) Valid() bool { return slices.Contains(Decisions, d) }

// Relation says how a dependency takes part in an SLO's events.
type Relation string

// The dependency relations.
const (
	// RelationSerial: every event needs the dependency; its failures and its
	// latency add to the SLO's. The default.
	RelationSerial Relation = "serial"
	// RelationParallel: the dependency is one of redundant alternatives; an
	// event needs any one of the SLO's parallel dependencies.
	RelationParallel Relation = "parallel"
)

// Dependency is one entry of an SLO's dependsOn.
type Dependency struct {
	ID       string // service/name of the SLO depended on
	Relation Relation
}

// Source is where an SLO was defined.
type Source struct {
	File string
	Line int
}

// String formats s as file:line.
func (s Source) String() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// SLO is one validated service level objective with all defaults applied.
type SLO struct {
	Name        string
	Service     string
	Owner       string
	Layer       Layer
	Labels      map[string]string // extra labels of the spec, on every series
	Description string
	Rationale   string
	Objective   Objective
	Period      time.Duration
	SLI         SLI
	// Capacity is the throughput, in events per second, at which the
	// objective is promised; 0 when not given.
	Capacity  float64
	DependsOn []Dependency // SLOs of the same or a lower layer
	Review    Review
	// MinEvents is the number of events a long window must hold before its
	// alert may fire; 0 disables the guard.
	MinEvents int64
	Grouping  []string
	Alerting  Alerting
	// Policy names the SLO's error budget policy; empty means the default one.
	Policy string
	// Exclusions are the stretches of time whose events do not count, sorted by From.
	Exclusions []Exclusion
	// History names the recorded history the daemon keeps of the SLO: empty unless an exclusion changed what
	// should have been recorded (internal/exclusion). It enters the revision, so that a new one is recorded again.
	History string
	Source  Source
}

// Exclusion is a stretch of time whose events neither spend nor earn budget: planned maintenance, a load test,
// a known-bad scrape. From is inclusive, To exclusive.
type Exclusion struct {
	From, To time.Time
	Reason   string
	Approver string
	// ID is the admin API's id of an ad hoc exclusion; empty for one declared in a spec.
	ID string
}

// ID is the SLO's identifier, unique across all loaded specs: service/name.
func (s *SLO) ID() string { return ID(s.Service, s.Name) }

// ID formats an SLO identifier.
func ID(service, name string) string { return service + "/" + name }

// windowPlaceholder matches {{.window}} (spaces allowed) in SLI queries.
var windowPlaceholder = regexp.MustCompile(`\{\{\s*\.window\s*\}\}`)

// HasWindow reports whether query contains the {{.window}} placeholder.
func HasWindow(query string) bool { return windowPlaceholder.MatchString(query) }

// ExpandWindow replaces every {{.window}} in query with the range w.
func ExpandWindow(query string, w time.Duration) string {
	return windowPlaceholder.ReplaceAllLiteralString(query, model.Duration(w).String())
}
