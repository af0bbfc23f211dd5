package budget

import (
	"encoding/json"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/jsonnum"
)

// number encodes a float64 as JSON, with null for NaN and ±Inf, which JSON
// cannot represent: a client reads null as "unknown", or, for
// time_to_exhaustion_seconds with a known budget_remaining, as "never".
type number = jsonnum.Number

// statusJSON mirrors Status field for field, with the same JSON names.
type statusJSON struct {
	SLO              string            `json:"slo"`
	Service          string            `json:"service"`
	Layer            string            `json:"layer"`
	Owner            string            `json:"owner"`
	Grouping         map[string]string `json:"grouping,omitempty"`
	Objective        number            `json:"objective"`
	ErrorBudget      number            `json:"error_budget"`
	Period           number            `json:"period_seconds"`
	BudgetRemaining  number            `json:"budget_remaining"`
	ErrorRatioPeriod number            `json:"error_ratio_period"`
	EventsTotal      number            `json:"events_total"`
	EventsGood       number            `json:"events_good"`
	Coverage         number            `json:"coverage"`
	Windows          []Window          `json:"windows"`
	TimeToExhaustion number            `json:"time_to_exhaustion_seconds"`
	Updated          *time.Time        `json:"updated,omitempty"`
	Current          bool              `json:"current"`
	PageFiring       bool              `json:"page_firing"`
	TicketFiring     bool              `json:"ticket_firing"`
	MissingSeries    []string          `json:"missing_series"`
	Problem          string            `json:"problem"`
	Exclusions       []Exclusion       `json:"exclusions"`
}

// MarshalJSON implements json.Marshaler: unknown numbers (NaN) and +Inf are
// null, the period is in seconds.
func (s Status) MarshalJSON() ([]byte, error) {
	windows := s.Windows
	if windows == nil {
		windows = []Window{}
	}
	var updated *time.Time
	if !s.Updated.IsZero() {
		updated = &s.Updated
	}
	return json.Marshal(statusJSON{
		SLO: s.SLO, Service: s.Service, Layer: s.Layer, Owner: s.Owner, Grouping: s.Grouping,
		Objective: number(s.Objective), ErrorBudget: number(s.ErrorBudget), Period: number(s.Period.Seconds()),
		BudgetRemaining: number(s.BudgetRemaining), ErrorRatioPeriod: number(s.ErrorRatioPeriod),
		EventsTotal: number(s.EventsTotal), EventsGood: number(s.EventsGood), Coverage: number(s.Coverage),
		Windows: windows, TimeToExhaustion: number(s.TimeToExhaustion),
		Updated: updated, Current: s.Current, PageFiring: s.PageFiring, TicketFiring: s.TicketFiring,
		MissingSeries: nonNil(s.MissingSeries), Problem: s.Problem, Exclusions: nonNil(s.Exclusions),
	})
}

// MarshalJSON implements json.Marshaler: the window is a Prometheus duration
// ("1h"), unknown numbers are null.
func (w Window) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Duration   string `json:"window"`
		ErrorRatio number `json:"error_ratio"`
		SLI        number `json:"sli"`
		BurnRate   number `json:"burn_rate"`
	}{model.Duration(w.Duration).String(), number(w.ErrorRatio), number(w.SLI), number(w.BurnRate)})
}

// MarshalJSON implements json.Marshaler: slos is [] rather than null when
// empty.
func (s Snapshot) MarshalJSON() ([]byte, error) {
	slos := s.SLOs
	if slos == nil {
		slos = []Status{}
	}
	return json.Marshal(struct {
		Time time.Time `json:"time"`
		SLOs []Status  `json:"slos"`
	}{s.Time, slos})
}

// nonNil is ss, or an empty list for nil: a list field is [] rather than null when empty.
func nonNil[T any](ss []T) []T {
	if ss == nil {
		return []T{}
	}
	return ss
}
