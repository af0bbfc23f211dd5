// Package freeze runs the error budget policy inside `slokeeper run`: after every budget snapshot it evaluates the
// policy (internal/policy, a pure state machine) over the snapshot's budgets, logs and saves the transitions,
// exports the state per service, raises the policy's alerts through the notifier, answers the deploy gate and
// applies manual overrides.
//
// The package owns the policy's live state and its file. It is handed what it needs: the running policies,
// catalog and gate bound by ApplyConfig (the reload coordinator's subscriber), the snapshots by Evaluate, and a
// function that sends alerts. It must not know where snapshots come from (rules, storage), how the config is
// read, or how HTTP routes and status codes are made: it answers the gate in web's GateAnswer, the seam the web
// package asks for.
package freeze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/notifier"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/exporter"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// StateFile is the name of the policy's state in the daemon's storage directory.
const StateFile = "policy.json"

// Options configures New.
type Options struct {
	// Store is where the state is loaded from and saved to.
	Store policy.Store
	// Logger receives the transitions, the overrides and the exempt changes the gate lets through. Nil discards.
	Logger *slog.Logger
	// Registerer receives the per-service state (slo_freeze_*) and slokeeper_policy_state_save_failures_total.
	// Nil registers nothing.
	Registerer prometheus.Registerer
	// Send sends the policy's alerts (typically the notifier's Send). Nil sends none.
	Send func(...*notifier.Alert)
	// ExternalURL is the daemon's URL, for the gate links in the alerts.
	ExternalURL *url.URL
	// Now is the clock of the gate and of overrides. Nil is time.Now.
	Now func() time.Time
}

// Config is what the manager goes by, from the running configuration and specs.
type Config struct {
	// Policies are the configured policies, by name.
	Policies policy.Policies
	// Catalog is what the running specs say of the SLOs and their services.
	Catalog *catalog.Catalog
	// MaxAge is how old the last evaluation of the budgets may be for the gate to go by it.
	MaxAge time.Duration
}

// Manager keeps the error budget policy's state. Its methods may be called concurrently.
type Manager struct {
	opts      Options
	logger    *slog.Logger
	collector *exporter.PolicyCollector
	saveFails prometheus.Counter

	// mtx guards everything below. Every method that takes it unlocks in a defer: a panic on the way (a state
	// corrupted in memory) must not leave it held, or every later gate, policy and override request, and the
	// evaluation loop with them, would wait for it forever.
	mtx     sync.Mutex
	cfg     Config
	state   policy.State
	saved   []byte
	last    *budget.Snapshot // the latest snapshot evaluated, evaluated again after an override
	alerter *alerter         // nil: no alerts
}

// New loads the persisted state. An unreadable state is an error: going on from nothing would unfreeze frozen
// services.
func New(o Options) (*Manager, error) {
	st, err := o.Store.Load()
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	saved, _ := json.Marshal(st)
	m := &Manager{opts: o, logger: o.Logger, collector: exporter.NewPolicyCollector(), state: st, saved: saved,
		cfg: Config{Catalog: catalog.New(nil, nil)}, // no SLO loaded until ApplyConfig
		saveFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slokeeper_policy_state_save_failures_total",
			Help: "Failed writes of the error budget policy's state file (retried at the next evaluation; the state in memory stays right).",
		})}
	if o.Registerer != nil {
		o.Registerer.MustRegister(m.collector, m.saveFails)
	}
	if o.Send != nil {
		m.alerter = newAlerter(o.Send, o.ExternalURL)
	}
	return m, nil
}

// ApplyConfig makes c the configuration the manager goes by, from the next evaluation and gate request on. Until
// the first, no SLO is loaded: the gate knows no service.
func (m *Manager) ApplyConfig(c Config) {
	m.mtx.Lock()
	defer m.mtx.Unlock()
	m.cfg = c
}

// Evaluate runs the policy over snap at now: transitions are logged, the state saved when it changed, exported,
// and the alerts sent.
func (m *Manager) Evaluate(snap *budget.Snapshot, now time.Time) {
	m.mtx.Lock()
	defer m.mtx.Unlock()
	m.last = snap
	m.evaluateLocked(now)
}

func (m *Manager) evaluateLocked(now time.Time) {
	next, transitions := policy.Evaluate(m.state, m.cfg.Policies, budgets(m.last, m.cfg.Catalog), now)
	for _, t := range transitions {
		log := m.logger.Info
		if t.To == policy.StatusFrozen {
			log = m.logger.Warn
		}
		log("Error budget policy: service status changed", "service", t.Service, "from", t.From, "to", t.To, "reason", t.Reason)
	}
	m.state = next
	m.saveLocked()
	active := map[string]bool{}
	for name, svc := range m.state.Services {
		if svc.Override.Active(now) {
			active[name] = true
		}
	}
	m.collector.Set(m.state, m.cfg.Catalog, active)
	if m.alerter != nil {
		m.alerter.update(m.state, m.cfg.Catalog, now)
	}
}

// budgets are the policy's inputs from snap: every SLO of cat, those snap does not hold (or holds with stale
// numbers) with an unknown budget.
func budgets(snap *budget.Snapshot, cat *catalog.Catalog) []policy.Budget {
	out := make([]policy.Budget, 0, len(snap.SLOs))
	seen := make(map[string]bool, len(snap.SLOs))
	for _, s := range snap.SLOs {
		c, ok := cat.Lookup(s.Service, s.SLO)
		if !ok {
			continue // a snapshot of the previous catalog, just after a reload
		}
		seen[c.ID()] = true
		remaining := s.BudgetRemaining
		if !s.Current {
			remaining = math.NaN() // stale numbers neither freeze nor lift; the gate closes on them
		}
		out = append(out, policy.Budget{
			Service: s.Service, SLO: s.SLO, Owner: s.Owner, Layer: slo.Layer(s.Layer),
			Policy: c.Policy, Remaining: remaining,
			Coverage: s.Coverage, Events: s.EventsTotal, Paging: pageAlerts(s),
		})
	}
	// The snapshot lists every SLO of the catalog it was computed with, one without any recorded series (no data,
	// failing rules, a full disk) with an unknown budget; an SLO a reload just added is not in it yet, and its
	// budget is unknown too.
	for _, c := range cat.SLOs() {
		if !seen[c.ID()] {
			out = append(out, policy.Budget{Service: c.Service, SLO: c.Name, Owner: c.Owner, Layer: c.Layer,
				Policy: c.Policy, Remaining: math.NaN()})
		}
	}
	return out
}

// pageAlerts names the firing page-tier burn alert of s, as the gate tells it: the alert name and the labels
// that tell it apart (service, SLO, grouping, tier).
func pageAlerts(s budget.Status) []string {
	if !s.PageFiring {
		return nil
	}
	ls := make(model.LabelSet, len(s.Grouping)+3)
	for k, v := range s.Grouping {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	ls[conventions.LabelService], ls[conventions.LabelSLO] = model.LabelValue(s.Service), model.LabelValue(s.SLO)
	ls[conventions.LabelTier] = model.LabelValue(conventions.TierPage)
	return []string{conventions.AlertBurn + ls.String()}
}

// saveLocked writes the state when it differs from what was saved; a failure is logged and retried with the
// next evaluation (the state in memory stays right).
func (m *Manager) saveLocked() {
	b, err := json.Marshal(m.state)
	if err != nil || bytes.Equal(b, m.saved) {
		return
	}
	if err := m.opts.Store.Save(m.state); err != nil {
		m.saveFails.Inc()
		m.logger.Error("Saving the error budget policy state failed, will retry", "err", err)
		return
	}
	m.saved = b
}

// Gate is the deploy gate's decision for service (the web package's Options.Gate); it logs the changes let
// through a freeze by their class.
func (m *Manager) Gate(service, changeClass string) (any, web.GateAnswer) {
	d, ok, loaded := m.decide(service, changeClass)
	if !ok {
		if loaded {
			return nil, web.GateNotYet
		}
		return nil, web.GateUnknownService
	}
	if d.Exempt && d.Status == policy.StatusFrozen {
		m.logger.Warn("Deploy gate: change let through a feature freeze by its class", "service", service, "change_class", changeClass, "frozen_since", d.Since)
	} else if d.Exempt {
		m.logger.Warn("Deploy gate: change let through by its class while budgets are unknown", "service", service, "change_class", changeClass)
	}
	switch {
	case d.Blind():
		return d, web.GateBlind
	case !d.Allowed:
		return d, web.GateRefused
	}
	return d, web.GateAllowed
}

// decide asks the state for the gate's decision; loaded tells whether the catalog holds the service.
func (m *Manager) decide(service, changeClass string) (d policy.Decision, ok, loaded bool) {
	m.mtx.Lock()
	defer m.mtx.Unlock()
	req := policy.GateRequest{Service: service, ChangeClass: changeClass, Now: m.opts.Now(), MaxAge: m.cfg.MaxAge}
	if svc, ok := m.cfg.Catalog.Service(service); ok {
		req.Policies, loaded = svc.Policies, true
	}
	d, ok = m.state.Gate(m.cfg.Policies, req)
	return d, ok, loaded
}

// State is the policy's state for the API (the web package's Options.Policy): the services, by name.
func (m *Manager) State() any {
	m.mtx.Lock()
	defer m.mtx.Unlock()
	st := m.state.Clone()
	out := slices.Collect(maps.Values(st.Services))
	slices.SortFunc(out, func(a, b *policy.Service) int { return strings.Compare(a.Service, b.Service) })
	return out
}

// Override applies a manual override of service's freeze (the web package's Options.Override) and evaluates the
// policy again over the latest snapshot, so that the gate answers accordingly at once. found is false for a
// service the state does not know.
func (m *Manager) Override(service string, req v1.OverrideRequest) (state any, found bool, err error) {
	d, err := model.ParseDuration(req.Duration)
	if err != nil || d <= 0 {
		return nil, true, fmt.Errorf("duration: must be a positive duration such as 4h or 2d, got %q", req.Duration)
	}
	m.mtx.Lock()
	defer m.mtx.Unlock()
	now := m.opts.Now()
	o := policy.Override{Action: policy.OverrideAction(req.Action), Who: req.Who, Why: req.Reason, At: now, Expires: now.Add(time.Duration(d))}
	if _, ok := m.state.Services[service]; !ok {
		return nil, false, nil
	}
	if err := m.state.SetOverride(service, o); err != nil {
		return nil, true, err
	}
	m.logger.Warn("Error budget policy: manual override", "service", service, "action", o.Action, "who", o.Who, "reason", o.Why, "expires", o.Expires)
	if m.last != nil {
		m.evaluateLocked(now)
	} else {
		m.saveLocked()
	}
	return m.state.Clone().Services[service], true, nil
}
