// Package catalog is the daemon's typed view of the SLOs it runs, built once per load from the specs: per SLO its
// layer, owner, policy, grouping labels, runbook, objective, period and the windows its rules record; per
// service the policies and the layer of its SLOs.
//
// It exists so that the parts that read recorded series (the budget snapshot), judge them (the policy) or show
// them (the exporter, the API) take what the specs say from the specs, and ask the TSDB only for numbers: no
// layer, owner or objective read back from labels, no grouping label guessed from whether its values differ, no
// window parsed out of a metric name.
//
// A Catalog is immutable; a reload builds a new one. The package knows the SLO model (pkg/slo) and the windows
// the generator records (pkg/generate's options give them); it must not know storage, queries or the HTTP API.
package catalog

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// SLO is what the catalog knows of one SLO.
type SLO struct {
	Service, Name string
	Layer         slo.Layer
	Owner         string
	// Policy names the SLO's error budget policy; empty means the default one.
	Policy string
	// Grouping are the grouping labels of a grouped SLO, sorted; nil for an ungrouped one.
	Grouping   []string
	RunbookURL string
	// Objective (e.g. 0.999) and ErrorBudget (1 - Objective) are ratios.
	Objective, ErrorBudget float64
	Period                 time.Duration
	// Windows are the alert windows whose error ratios the rules record, shortest first.
	Windows []time.Duration
	// Spec is the SLO as the rules run it (with the daemon's ad hoc exclusions).
	Spec *slo.SLO
}

// ID is the SLO's identifier, service/name.
func (s *SLO) ID() string { return slo.ID(s.Service, s.Name) }

// Service is what the catalog knows of one service.
type Service struct {
	Name string
	// Policies are the policies of its SLOs (the default one's name, policy.DefaultName's value, is not filled
	// in: an SLO without a policy adds ""), in the order its SLOs name them.
	Policies []string
	// Layer is the lowest layer of its SLOs (infrastructure below service below product).
	Layer slo.Layer
}

// Catalog is the loaded SLOs and their services.
type Catalog struct {
	slos     []*SLO
	byID     map[string]*SLO
	services map[string]*Service
	windows  []time.Duration
}

// New builds the catalog of slos; windows gives the windows the rules record for a period.
func New(slos []*slo.SLO, windows func(period time.Duration) slo.Windows) *Catalog {
	c := &Catalog{byID: make(map[string]*SLO, len(slos)), services: map[string]*Service{}}
	seen := map[time.Duration]bool{}
	for _, s := range slos {
		e := &SLO{
			Service: s.Service, Name: s.Name, Layer: s.Layer, Owner: s.Owner, Policy: s.Policy,
			RunbookURL: s.Alerting.RunbookURL, Objective: s.Objective.Ratio, ErrorBudget: s.Objective.Budget,
			Period: s.Period, Windows: windows(s.Period).Distinct(), Spec: s,
		}
		if len(s.Grouping) > 0 {
			e.Grouping = slices.Sorted(slices.Values(s.Grouping))
		}
		c.slos = append(c.slos, e)
		c.byID[e.ID()] = e
		c.addToService(e)
		for _, w := range e.Windows {
			if !seen[w] {
				seen[w] = true
				c.windows = append(c.windows, w)
			}
		}
	}
	slices.SortFunc(c.slos, func(a, b *SLO) int {
		return cmp.Or(strings.Compare(a.Service, b.Service), strings.Compare(a.Name, b.Name))
	})
	slices.Sort(c.windows)
	return c
}

// layerRank orders the layers from the highest (product) to the lowest (infrastructure).
var layerRank = map[slo.Layer]int{slo.LayerProduct: 0, slo.LayerService: 1, slo.LayerInfrastructure: 2}

func (c *Catalog) addToService(e *SLO) {
	svc, ok := c.services[e.Service]
	if !ok {
		svc = &Service{Name: e.Service, Layer: e.Layer}
		c.services[e.Service] = svc
	}
	if !slices.Contains(svc.Policies, e.Policy) {
		svc.Policies = append(svc.Policies, e.Policy)
	}
	if layerRank[e.Layer] > layerRank[svc.Layer] {
		svc.Layer = e.Layer
	}
}

// SLOs lists the SLOs, sorted by service and name. The slice must not be modified.
func (c *Catalog) SLOs() []*SLO { return c.slos }

// Lookup returns the SLO service/name.
func (c *Catalog) Lookup(service, name string) (*SLO, bool) {
	s, ok := c.byID[slo.ID(service, name)]
	return s, ok
}

// Service returns the service name.
func (c *Catalog) Service(name string) (*Service, bool) {
	s, ok := c.services[name]
	return s, ok
}

// Windows lists every window any SLO records the error ratio of, shortest first.
func (c *Catalog) Windows() []time.Duration { return c.windows }

// LongestPeriod is the longest period of the SLOs; 0 without any.
func (c *Catalog) LongestPeriod() time.Duration {
	var p time.Duration
	for _, s := range c.slos {
		p = max(p, s.Period)
	}
	return p
}
