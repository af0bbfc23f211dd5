package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/evaluator"
	"github.com/slokeeper/slokeeper/internal/exclusion"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// loadedSpecs is one consistent set of SLOs and the rule groups generated for them.
type loadedSpecs struct {
	files []string
	// parsed are the SLOs as the spec files define them; slos are those the rules run: with the ad hoc
	// exclusions and histories of internal/exclusion (see App.amend).
	parsed  []*slo.SLO
	slos    []*slo.SLO
	groups  map[string][]rulefmt.RuleGroup // by spec file; nil once applied
	targets []evaluator.Target
	// catalog is what the specs say of the SLOs the rules run, and of their services.
	catalog *catalog.Catalog
	// exclusions maps an SLO id to its exclusions, for /api/v1/slos.
	exclusions map[string][]budget.Exclusion
}

func (l *loadedSpecs) known(service, name string) bool {
	_, ok := l.catalog.Lookup(service, name)
	return ok
}

// demoMinCoverage is the demo's min_coverage: its history covers a tenth of the examples' periods.
const demoMinCoverage = 0.1

// readConfig reads the config file (or the defaults) and applies the flags that override it.
func (a *App) readConfig() (*config.Config, error) {
	cfg, err := config.Resolve(a.opts.ConfigFile, a.opts.SpecFiles, a.opts.StoragePath)
	if err != nil {
		return nil, err
	}
	if a.opts.Demo {
		// The demo's history is three days of a 30-day period (coverage 0.1): its policies take them at their
		// word, so that the payments incident it tells freezes the service as a month of it would.
		for name, p := range cfg.Policies {
			p.MinCoverage = min(p.MinCoverage, demoMinCoverage)
			cfg.Policies[name] = p
		}
	}
	if len(cfg.Specs) == 0 {
		return nil, fmt.Errorf("no spec files: list them under `specs:` in --config.file or pass --spec.files")
	}
	return cfg, nil
}

// loadSpecs reads and checks every spec file and generates the rule groups of their SLOs.
func (a *App) loadSpecs(cfg *config.Config) (*loadedSpecs, error) {
	files, err := cfg.SpecFiles()
	if err != nil {
		return nil, fmt.Errorf("couldn't find the spec files: %w", err)
	}
	slos, err := spec.Load(files)
	if err != nil {
		return nil, fmt.Errorf("couldn't load specs: %w", err)
	}
	if err := a.exclusions.ObserveSpecs(slos, time.Now()); err != nil {
		a.logger.Error("Couldn't save when the specs' exclusions were first seen (kept in memory, saved with the next change)", "err", err)
	}
	return a.buildSpecs(cfg, files, slos)
}

// buildSpecs generates the rule groups of the SLOs parsed from files, amended with the ad hoc exclusions.
func (a *App) buildSpecs(cfg *config.Config, files []string, parsed []*slo.SLO) (*loadedSpecs, error) {
	// The SLOs of a service share their groups: a few groups per spec file rather than three per SLO (a
	// goroutine, timers and a dozen metrics each), which is most of what memory does not spend on the rules
	// themselves at 1,000 SLOs.
	o := generate.Options{MinWindow: time.Duration(cfg.Windows.Min), GroupBy: generate.GroupByService, GateURL: a.gateURL}
	if err := checkPolicies(cfg, parsed); err != nil {
		return nil, err
	}
	now := time.Now()
	l := &loadedSpecs{files: files, parsed: parsed, groups: map[string][]rulefmt.RuleGroup{}, exclusions: map[string][]budget.Exclusion{}}
	for _, f := range files {
		l.groups[f] = []rulefmt.RuleGroup{} // a file without SLOs still replaces its old groups
	}
	for _, p := range parsed {
		s := a.amend(p, now)
		l.slos = append(l.slos, s)
		groups := generate.SLOGroups(s, o)
		l.groups[s.Source.File] = append(l.groups[s.Source.File], groups...)
		t, err := evaluator.TargetFor(s.Source.File, s, o.Windows(s.Period), groups)
		if err != nil {
			return nil, err
		}
		l.targets = append(l.targets, t)
		l.exclusions[s.ID()] = statusExclusions(s.Exclusions)
	}
	l.catalog = catalog.New(l.slos, o.Windows)
	for f, gs := range l.groups {
		l.groups[f] = generate.MergeGroups(gs)
	}
	return l, nil
}

// statusExclusions are an SLO's exclusions as /api/v1/slos shows them; nil for none.
func statusExclusions(es []slo.Exclusion) []budget.Exclusion {
	var out []budget.Exclusion
	for _, e := range es {
		source := exclusion.SourceSpec
		if e.ID != "" {
			source = exclusion.SourceAPI
		}
		out = append(out, budget.Exclusion{From: e.From, To: e.To, Reason: e.Reason, Approver: e.Approver, Source: source, ID: e.ID})
	}
	return out
}

// apply makes cfg and specs the running set, as one change: the rules are checked first and nothing is applied
// when they fail; remote read, remote write and alerting are applied next, and when one of them fails (or the
// rules manager then does) those already applied return to the running config. The status never shows one config
// while the daemon runs another.
func (a *App) apply(cfg *config.Config, specs *loadedSpecs) error {
	prepared, err := a.evaluator.Prepare(specs.groups)
	if err != nil {
		return err
	}
	if err := a.applyRemotes(cfg); err != nil {
		a.restoreRemotes()
		return err
	}
	if err := a.evaluator.Commit(prepared); err != nil {
		a.restoreRemotes()
		return err
	}
	// The rules manager holds what it needs; the generated groups (megabytes at 1,000 SLOs) are not kept.
	specs.groups = nil
	a.evaluator.SetTargets(specs.targets)
	a.cfg.Store(cfg)
	a.loaded.Store(specs)
	a.probeSLOs(cfg, specs)
	a.reviews.Set(specs.slos)
	a.metrics.slos.Set(float64(len(specs.slos)))
	a.metrics.reloaded(true)
	return nil
}

// applyRemotes applies cfg's remote read, remote write and alerting.
func (a *App) applyRemotes(cfg *config.Config) error {
	if err := a.storage.ApplyRemoteRead(cfg.RemoteReadConfigs, cfg.Global.ExternalLabels); err != nil {
		return fmt.Errorf("couldn't apply remote_read: %w", err)
	}
	pcfg := cfg.PrometheusConfig()
	if err := a.storage.ApplyRemoteWrite(pcfg); err != nil {
		return fmt.Errorf("couldn't apply remote_write: %w", err)
	}
	if err := a.notifier.ApplyConfig(pcfg); err != nil {
		return fmt.Errorf("couldn't apply alerting: %w", err)
	}
	sd := map[string]discovery.Configs{}
	for k, v := range pcfg.AlertingConfig.AlertmanagerConfigs.ToMap() {
		sd[k] = v.ServiceDiscoveryConfigs
	}
	if err := a.discovery.ApplyConfig(sd); err != nil {
		return fmt.Errorf("couldn't apply alerting service discovery: %w", err)
	}
	return nil
}

// restoreRemotes re-applies the running config's remotes after a failed apply (nothing to restore at the start).
func (a *App) restoreRemotes() {
	old := a.cfg.Load()
	if old == nil {
		return
	}
	if err := a.applyRemotes(old); err != nil {
		a.logger.Error("Restoring the running remote read, remote write and alerting config after a failed reload failed", "err", err)
	}
}

// Reload re-reads the config file and the spec files and applies them. A bad file changes nothing: the last
// good set keeps running, slokeeper_config_last_reload_successful turns 0 and the error is returned.
func (a *App) Reload() error {
	a.reloadMtx.Lock()
	defer a.reloadMtx.Unlock()
	err := a.reload()
	if err != nil {
		a.metrics.reloaded(false)
		a.logger.Error("Reload failed, the previous configuration and specs keep running", "err", err)
		return err
	}
	a.logger.Info("Reloaded", "slos", len(a.loaded.Load().slos))
	return nil
}

func (a *App) reload() error {
	cfg, err := a.readConfig()
	if err != nil {
		return err
	}
	old := a.cfg.Load()
	if cfg.Storage.Path != old.Storage.Path {
		a.logger.Warn("storage.path changed; it takes effect on restart", "running", old.Storage.Path, "configured", cfg.Storage.Path)
		cfg.Storage.Path = old.Storage.Path
	}
	specs, err := a.loadSpecs(cfg)
	if err != nil {
		return err
	}
	if err := a.storage.CheckRetention(specs.catalog.LongestPeriod()); err != nil {
		return fmt.Errorf("couldn't reload: %w (restart with a longer storage.retention)", err)
	}
	a.watchHash = a.fingerprint(cfg)
	return a.apply(cfg, specs)
}

// fingerprint hashes the config file and every spec file its globs match now, to notice edits, new and removed
// files.
func (a *App) fingerprint(cfg *config.Config) string {
	h := sha256.New()
	// Read as the loaders read: a FIFO or a device among the files must not block the watch.
	if a.opts.ConfigFile != "" {
		data, err := config.ReadFile(a.opts.ConfigFile)
		h.Write(data)
		if err != nil {
			h.Write([]byte(err.Error()))
		}
	}
	files, err := cfg.SpecFiles()
	if err != nil {
		h.Write([]byte(err.Error()))
	}
	slices.Sort(files)
	for _, f := range files {
		data, err := spec.ReadFile(f)
		fmt.Fprintf(h, "\x00%s\x00%d\x00", f, len(data))
		h.Write(data)
		if err != nil {
			h.Write([]byte(err.Error()))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// watchLoop reloads when the config file or a spec file changed. Polling, unlike inotify, also sees files
// replaced by renames and Kubernetes ConfigMap symlink swaps.
func (a *App) watchLoop(ctx context.Context) {
	t := time.NewTicker(a.opts.WatchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cfg := a.cfg.Load()
		// Re-read the config file for its globs, if it parses; otherwise the running one's.
		if a.opts.ConfigFile != "" {
			if c, err := config.Resolve(a.opts.ConfigFile, a.opts.SpecFiles, a.opts.StoragePath); err == nil {
				cfg = c
			}
		}
		a.reloadMtx.Lock()
		changed := a.fingerprint(cfg) != a.watchHash
		a.reloadMtx.Unlock()
		if !changed {
			continue
		}
		a.logger.Info("Config or spec files changed, reloading")
		if err := a.Reload(); err != nil {
			// Do not retry the same broken content every tick.
			a.reloadMtx.Lock()
			a.watchHash = a.fingerprint(cfg)
			a.reloadMtx.Unlock()
		}
	}
}

// reviewClocks are the review clocks the rules recorded for the SLOs without a review date, by SLO id.
func reviewClocks(s *budget.Snapshot) map[string]time.Time {
	out := map[string]time.Time{}
	for _, st := range s.SLOs {
		if !st.ReviewSince.IsZero() {
			out[slo.ID(st.Service, st.SLO)] = st.ReviewSince
		}
	}
	return out
}
