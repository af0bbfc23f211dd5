package spec

import (
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// APIVersion is the only version of the format this release reads.
const APIVersion = "slokeeper/v1"

// File is one spec file: one service and its SLOs.
type File struct {
	APIVersion  string            `yaml:"apiVersion"`
	Service     string            `yaml:"service"`
	Owner       string            `yaml:"owner"`
	Layer       string            `yaml:"layer"`
	Description string            `yaml:"description"`
	Labels      map[string]string `yaml:"labels"`
	// Policy names the error budget policy (in the daemon's config) of the file's SLOs; empty: the default.
	Policy string `yaml:"policy"`
	SLOs   []SLO  `yaml:"slos"`
}

// SLO is one objective as written.
type SLO struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Objective   Number            `yaml:"objective"`
	Period      *model.Duration   `yaml:"period"`
	SLI         SLI               `yaml:"sli"`
	Capacity    *Capacity         `yaml:"capacity"`
	Rationale   string            `yaml:"rationale"`
	DependsOn   []Dependency      `yaml:"dependsOn"`
	Review      *Review           `yaml:"review"`
	MinEvents   *int64            `yaml:"minEvents"`
	Grouping    []string          `yaml:"grouping"`
	Alerting    *Alerting         `yaml:"alerting"`
	Labels      map[string]string `yaml:"labels"`
	// Policy overrides the file's policy for this SLO.
	Policy string `yaml:"policy"`
	// Exclusions are the stretches of time that do not count (planned maintenance, a load test).
	Exclusions []Exclusion `yaml:"exclusions"`
}

// Exclusion is a planned stretch of time whose events do not count, with who approved it and why.
type Exclusion struct {
	From     string `yaml:"from"`
	To       string `yaml:"to"`
	Reason   string `yaml:"reason"`
	Approver string `yaml:"approver"`
}

// SLI holds exactly one kind of indicator.
type SLI struct {
	Events        *Events  `yaml:"events"`
	Latency       *Latency `yaml:"latency"`
	NativeLatency *Latency `yaml:"nativeLatency"`
	Raw           *Raw     `yaml:"raw"`
	Probe         *Probe   `yaml:"probe"`
}

// Events is an errors (or good) and a total series selector or query.
type Events struct {
	Errors string `yaml:"errors"`
	Good   string `yaml:"good"`
	Total  string `yaml:"total"`
}

// Latency is a histogram selector and a threshold that is one of its bucket
// boundaries (classic) or any value (native).
type Latency struct {
	Histogram string          `yaml:"histogram"`
	Threshold *model.Duration `yaml:"threshold"`
}

// Raw is a user query for the error ratio over {{.window}}.
type Raw struct {
	ErrorRatio string `yaml:"errorRatio"`
}

// Probe is a 0/1 gauge selector.
type Probe struct {
	Success string `yaml:"success"`
}

// Capacity is the throughput at which the objective is promised.
type Capacity struct {
	EventsPerSecond Number `yaml:"eventsPerSecond"`
}

// Review is the review bookkeeping of an SLO.
type Review struct {
	LastReviewed string `yaml:"lastReviewed"`
	// Agreed is the date the SLO was agreed: its review is due one cadence after it until it is reviewed.
	Agreed  string          `yaml:"agreed"`
	Cadence *model.Duration `yaml:"cadence"`
	// Decision and Reviewer record the outcome of the review on LastReviewed.
	Decision string `yaml:"decision"`
	Reviewer string `yaml:"reviewer"`
}

// Dependency is one entry of dependsOn: an SLO id alone (a serial
// dependency), or a mapping of the id and its relation.
type Dependency struct {
	SLO      string `yaml:"slo"`
	Relation string `yaml:"relation"`
	// mapping is set when the entry was written as a mapping.
	mapping bool
}

// Alerting overrides the generated alerts.
type Alerting struct {
	RunbookURL  string            `yaml:"runbookURL"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	Page        *Tier             `yaml:"page"`
	Ticket      *Tier             `yaml:"ticket"`
}

// Tier configures the page or the ticket alerts.
type Tier struct {
	Disable  bool   `yaml:"disable"`
	Severity string `yaml:"severity"`
}

// Number is a YAML number kept as written, so that 99.9 stays exact.
type Number struct {
	Text string
	Set  bool
}

// UnmarshalYAML keeps the literal of a scalar number.
func (n *Number) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") {
		if v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			return &typeError{want: "a number without quotes", got: v}
		}
		return &typeError{want: "a number", got: v}
	}
	n.Text, n.Set = v.Value, true
	return nil
}
