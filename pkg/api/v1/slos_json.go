package v1

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
)

// Number is a float64 in JSON, with null for NaN and ±Inf, which JSON cannot represent: a client reads null as
// "unknown", or, for time_to_exhaustion_seconds with a known budget_remaining, as "never".
type Number float64

// MarshalJSON implements json.Marshaler.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler: null is NaN.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Number(f)
	return nil
}

// statusJSON mirrors SLOStatus field for field, with the same JSON names.
type statusJSON struct {
	SLO              string            `json:"slo"`
	Service          string            `json:"service"`
	Layer            string            `json:"layer"`
	Owner            string            `json:"owner"`
	Grouping         map[string]string `json:"grouping,omitempty"`
	Objective        Number            `json:"objective"`
	ErrorBudget      Number            `json:"error_budget"`
	Period           Number            `json:"period_seconds"`
	BudgetRemaining  Number            `json:"budget_remaining"`
	ErrorRatioPeriod Number            `json:"error_ratio_period"`
	EventsTotal      Number            `json:"events_total"`
	EventsGood       Number            `json:"events_good"`
	Coverage         Number            `json:"coverage"`
	Windows          []Window          `json:"windows"`
	TimeToExhaustion Number            `json:"time_to_exhaustion_seconds"`
	Updated          *time.Time        `json:"updated,omitempty"`
	Current          bool              `json:"current"`
	PageFiring       bool              `json:"page_firing"`
	TicketFiring     bool              `json:"ticket_firing"`
	MissingSeries    []string          `json:"missing_series"`
	Problem          string            `json:"problem"`
	Exclusions       []SLOExclusion    `json:"exclusions"`
}

// MarshalJSON implements json.Marshaler: unknown numbers (NaN) and +Inf are
// null, the period is in seconds.
func (s SLOStatus) MarshalJSON() ([]byte, error) {
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
		Objective: Number(s.Objective), ErrorBudget: Number(s.ErrorBudget), Period: Number(s.Period.Seconds()),
		BudgetRemaining: Number(s.BudgetRemaining), ErrorRatioPeriod: Number(s.ErrorRatioPeriod),
		EventsTotal: Number(s.EventsTotal), EventsGood: Number(s.EventsGood), Coverage: Number(s.Coverage),
		Windows: windows, TimeToExhaustion: Number(s.TimeToExhaustion),
		Updated: updated, Current: s.Current, PageFiring: s.PageFiring, TicketFiring: s.TicketFiring,
		MissingSeries: nonNil(s.MissingSeries), Problem: s.Problem, Exclusions: nonNil(s.Exclusions),
	})
}

// MarshalJSON implements json.Marshaler: the window is a Prometheus duration
// ("1h"), unknown numbers are null.
func (w Window) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Duration   string `json:"window"`
		ErrorRatio Number `json:"error_ratio"`
		SLI        Number `json:"sli"`
		BurnRate   Number `json:"burn_rate"`
	}{model.Duration(w.Duration).String(), Number(w.ErrorRatio), Number(w.SLI), Number(w.BurnRate)})
}

// nonNil is ss, or an empty list for nil: a list field is [] rather than null when empty.
func nonNil[T any](ss []T) []T {
	if ss == nil {
		return []T{}
	}
	return ss
}
