package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/exporter"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// PolicyStateFile is the name of the error budget policy's state in the storage directory.
const PolicyStateFile = "policy.json"

// policyRun keeps the error budget policy's state: evaluated after every budget snapshot, saved when it changes,
// exported per service, and asked by the deploy gate.
type policyRun struct {
	app       *App
	store     policy.Store
	collector *exporter.PolicyCollector

	now func() time.Time // the clock of the gate: time.Now but in tests

	mtx     sync.Mutex
	state   policy.State
	saved   []byte
	alerter *policyAlerter // nil: no alerts (set by New once the notifier exists)
}

// openPolicy loads the persisted state from the storage directory. An unreadable state stops the start: going
// on from nothing would unfreeze frozen services.
func (a *App) openPolicy(cfg *config.Config) error {
	store := policy.Store{Path: filepath.Join(cfg.Storage.Path, PolicyStateFile)}
	st, err := store.Load()
	if err != nil {
		return err
	}
	saved, _ := json.Marshal(st)
	a.policy = &policyRun{app: a, now: time.Now, store: store, collector: exporter.NewPolicyCollector(), state: st, saved: saved}
	a.reg.MustRegister(a.policy.collector)
	return nil
}

// checkPolicies fails when an SLO names a policy the configuration does not have.
func checkPolicies(cfg *config.Config, slos []*slo.SLO) error {
	var errs []string
	for _, s := range slos {
		if s.Policy == "" {
			continue
		}
		if _, ok := cfg.Policies[s.Policy]; !ok {
			names := make([]string, 0, len(cfg.Policies))
			for n := range cfg.Policies {
				names = append(names, n)
			}
			sort.Strings(names)
			errs = append(errs, fmt.Sprintf("%s: %s: policy %q is not defined; the config's policies are %s", s.Source, s.ID(), s.Policy, strings.Join(names, ", ")))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("couldn't load specs: %s", strings.Join(errs, "; "))
	}
	return nil
}

// evaluate runs the policy over a new snapshot: transitions are logged, the state saved when it changed.
func (p *policyRun) evaluate(snap *budget.Snapshot, cfg *config.Config, specs *loadedSpecs, now time.Time) {
	budgets := make([]policy.Budget, 0, len(snap.SLOs))
	seen := make(map[string]bool, len(snap.SLOs))
	for _, s := range snap.SLOs {
		c, ok := specs.catalog.Lookup(s.Service, s.SLO)
		if !ok {
			continue // a snapshot of the previous catalog, just after a reload
		}
		seen[c.ID()] = true
		remaining := s.BudgetRemaining
		if !s.Current {
			remaining = math.NaN() // stale numbers neither freeze nor lift; the gate closes on them
		}
		budgets = append(budgets, policy.Budget{
			Service: s.Service, SLO: s.SLO, Owner: s.Owner, Layer: slo.Layer(s.Layer),
			Policy: c.Policy, Remaining: remaining,
			Coverage: s.Coverage, Events: s.EventsTotal, Paging: pageAlerts(s),
		})
	}
	// The snapshot lists every SLO of the catalog it was computed with, one without any recorded series (no data,
	// failing rules, a full disk) with an unknown budget; an SLO a reload just added is not in it yet, and its
	// budget is unknown too.
	for _, c := range specs.catalog.SLOs() {
		if !seen[c.ID()] {
			budgets = append(budgets, policy.Budget{Service: c.Service, SLO: c.Name, Owner: c.Owner, Layer: c.Layer,
				Policy: c.Policy, Remaining: math.NaN()})
		}
	}
	p.mtx.Lock()
	defer p.mtx.Unlock()
	next, transitions := policy.Evaluate(p.state, cfg.Policies, budgets, now)
	for _, t := range transitions {
		log := p.app.logger.Info
		if t.To == policy.StatusFrozen {
			log = p.app.logger.Warn
		}
		log("Error budget policy: service status changed", "service", t.Service, "from", t.From, "to", t.To, "reason", t.Reason)
	}
	p.state = next
	p.saveLocked()
	p.exportLocked(specs, now)
	if p.alerter != nil {
		p.alerter.update(p.state, specs, now)
	}
}

// pageAlerts names the firing page-tier burn alert of s, as the gate tells it: the alert name and the labels
// that tell it apart (service, SLO, grouping, tier).
func pageAlerts(s budget.Status) []string {
	if !s.PageFiring {
		return nil
	}
	ls := make(map[string]string, len(s.Grouping)+3)
	maps.Copy(ls, s.Grouping)
	ls[conventions.LabelService], ls[conventions.LabelSLO], ls[conventions.LabelTier] = s.Service, s.SLO, string(slo.TierPage)
	return []string{conventions.AlertBurn + toLabelSet(ls).String()}
}

func toLabelSet(m map[string]string) model.LabelSet {
	out := make(model.LabelSet, len(m))
	for k, v := range m {
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}

// saveLocked writes the state when it differs from what was saved; a failure is logged and retried with the
// next evaluation (the state in memory stays right).
func (p *policyRun) saveLocked() {
	b, err := json.Marshal(p.state)
	if err != nil || bytes.Equal(b, p.saved) {
		return
	}
	if err := p.store.Save(p.state); err != nil {
		p.app.metrics.policySaveFailures.Inc()
		p.app.logger.Error("Saving the error budget policy state failed, will retry", "err", err)
		return
	}
	p.saved = b
}

func (p *policyRun) exportLocked(specs *loadedSpecs, now time.Time) {
	active := map[string]bool{}
	for name, svc := range p.state.Services {
		if svc.Override.Active(now) {
			active[name] = true
		}
	}
	p.collector.Set(p.state, specs.catalog, active)
}

// gate is the deploy gate's decision for service; it logs changes let through a freeze by their class.
func (p *policyRun) gate(service, changeClass string) (any, web.GateAnswer) {
	cfg, specs := p.app.cfg.Load(), p.app.loaded.Load()
	svc, loaded := specs.catalog.Service(service)
	req := policy.GateRequest{Service: service, ChangeClass: changeClass, Now: p.now(), MaxAge: p.maxAge(cfg)}
	if loaded {
		req.Policies = svc.Policies
	}
	d, ok := p.decide(cfg.Policies, req)
	if !ok {
		if loaded {
			return nil, web.GateNotYet
		}
		return nil, web.GateUnknownService
	}
	if d.Exempt && d.Status == policy.StatusFrozen {
		p.app.logger.Warn("Deploy gate: change let through a feature freeze by its class", "service", service, "change_class", changeClass, "frozen_since", d.Since)
	} else if d.Exempt {
		p.app.logger.Warn("Deploy gate: change let through by its class while budgets are unknown", "service", service, "change_class", changeClass)
	}
	switch {
	case d.Blind():
		return d, web.GateBlind
	case !d.Allowed:
		return d, web.GateRefused
	}
	return d, web.GateAllowed
}

// decide asks the state for the gate's decision. Like every method here that takes p.mtx, it unlocks in a defer:
// a panic on the way (a state corrupted in memory) must not leave the lock held, or every later gate, policy
// and override request, and the evaluation loop with them, would wait for it forever.
func (p *policyRun) decide(ps policy.Policies, req policy.GateRequest) (policy.Decision, bool) {
	p.mtx.Lock()
	defer p.mtx.Unlock()
	return p.state.Gate(ps, req)
}

// maxAge is how old the last evaluation of the budgets may be for the gate to go by it: three snapshot or rule
// evaluation intervals, whichever is longer. Older means the daemon cannot read or evaluate, and the gate closes.
func (p *policyRun) maxAge(cfg *config.Config) time.Duration {
	return 3 * max(p.app.opts.SnapshotInterval, time.Duration(cfg.Global.EvaluationInterval))
}

// snapshot is the state for the API.
func (p *policyRun) snapshot() any {
	p.mtx.Lock()
	defer p.mtx.Unlock()
	st := p.state.Clone()
	out := make([]*policy.Service, 0, len(st.Services))
	for _, s := range st.Services {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *policy.Service) int { return strings.Compare(a.Service, b.Service) })
	return out
}

// override applies a manual override of service's freeze at now and evaluates the policy again over the latest
// snapshot, so that the gate answers accordingly at once. found is false for a service the state does not know.
func (p *policyRun) override(service string, req v1.OverrideRequest, now time.Time) (any, bool, error) {
	d, err := model.ParseDuration(req.Duration)
	if err != nil || d <= 0 {
		return nil, true, fmt.Errorf("duration: must be a positive duration such as 4h or 2d, got %q", req.Duration)
	}
	o := policy.Override{Action: policy.OverrideAction(req.Action), Who: req.Who, Why: req.Reason, At: now, Expires: now.Add(time.Duration(d))}
	if found, err := p.setOverride(service, o); !found || err != nil {
		return nil, found, err
	}
	p.app.logger.Warn("Error budget policy: manual override", "service", service, "action", o.Action, "who", o.Who, "reason", o.Why, "expires", o.Expires)
	if snap := p.app.snapshot.Load(); snap != nil {
		p.evaluate(snap, p.app.cfg.Load(), p.app.loaded.Load(), now)
	} else {
		p.save()
	}
	return p.serviceCopy(service), true, nil
}

// setOverride records o for service; found is false for a service the state does not know.
func (p *policyRun) setOverride(service string, o policy.Override) (found bool, err error) {
	p.mtx.Lock()
	defer p.mtx.Unlock()
	if _, ok := p.state.Services[service]; !ok {
		return false, nil
	}
	return true, p.state.SetOverride(service, o)
}

// save writes the state when it changed (see saveLocked).
func (p *policyRun) save() {
	p.mtx.Lock()
	defer p.mtx.Unlock()
	p.saveLocked()
}

// serviceCopy is a copy of the state of the service name, nil when the state does not know it.
func (p *policyRun) serviceCopy(name string) *policy.Service {
	p.mtx.Lock()
	defer p.mtx.Unlock()
	return p.state.Clone().Services[name]
}
