package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

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

// loaded is one consistent set the daemon runs: the config, its SLOs and the rules generated for them.
type loaded struct {
	cfg   *config.Config
	files []string
	// parsed are the SLOs as the spec files define them; slos are those the rules run: with the ad hoc
	// exclusions and histories of internal/exclusion (see App.amend).
	parsed   []*slo.SLO
	slos     []*slo.SLO
	groups   map[string][]rulefmt.RuleGroup // by spec file; nil once prepared
	prepared *evaluator.Prepared            // the groups, checked by the evaluator
	targets  []evaluator.Target
	// catalog is what the specs say of the SLOs the rules run, and of their services.
	catalog *catalog.Catalog
}

func (l *loaded) known(service, name string) bool {
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
func (a *App) loadSpecs(cfg *config.Config) (*loaded, error) {
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
func (a *App) buildSpecs(cfg *config.Config, files []string, parsed []*slo.SLO) (*loaded, error) {
	// The SLOs of a service share their groups: a few groups per spec file rather than three per SLO (a
	// goroutine, timers and a dozen metrics each), which is most of what memory does not spend on the rules
	// themselves at 1,000 SLOs.
	o := generate.Options{MinWindow: time.Duration(cfg.Windows.Min), GroupBy: generate.GroupByService, GateURL: a.gateURL}
	if err := checkPolicies(cfg, parsed); err != nil {
		return nil, err
	}
	now := time.Now()
	l := &loaded{cfg: cfg, files: files, parsed: parsed, groups: map[string][]rulefmt.RuleGroup{}}
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

// prepare has the evaluator check l's rules, before anything of l is applied. The rules manager then holds what
// it needs: the generated groups (megabytes at 1,000 SLOs) are not kept.
func (a *App) prepare(l *loaded) error {
	p, err := a.evaluator.Prepare(l.groups)
	if err != nil {
		return err
	}
	l.prepared, l.groups = p, nil
	return nil
}

// load reads the config file and the spec files again, for a reload of running.
func (a *App) load(running *loaded) (*loaded, error) {
	cfg, err := a.readConfig()
	if err != nil {
		return nil, err
	}
	if cfg.Storage.Path != running.cfg.Storage.Path {
		a.logger.Warn("storage.path changed; it takes effect on restart", "running", running.cfg.Storage.Path, "configured", cfg.Storage.Path)
		cfg.Storage.Path = running.cfg.Storage.Path
	}
	l, err := a.loadSpecs(cfg)
	if err != nil {
		return nil, err
	}
	if err := a.storage.CheckRetention(l.catalog.LongestPeriod()); err != nil {
		return nil, fmt.Errorf("couldn't reload: %w (restart with a longer storage.retention)", err)
	}
	return l, a.prepare(l)
}

// applyRemotes applies cfg's remote read, remote write and alerting (given the running config again after a
// later subscriber failed, it restores them).
func (a *App) applyRemotes(cfg *config.Config) error {
	if err := a.storage.ApplyRemoteRead(cfg.RemoteReadConfigs, cfg.Global.ExternalLabels); err != nil {
		return fmt.Errorf("couldn't apply remote_read: %w", err)
	}
	pcfg := cfg.PrometheusConfig()
	if err := a.storage.ApplyRemoteWrite(pcfg); err != nil {
		return fmt.Errorf("couldn't apply remote_write: %w", err)
	}
	return a.alerting.applyConfig(pcfg)
}

// fingerprint hashes the config file and every spec file its globs match now, to notice edits, new and removed
// files: the globs of the config file if it reads, else those of running.
func (a *App) fingerprint(running *loaded) string {
	cfg := running.cfg
	if c, err := a.readConfig(); err == nil {
		cfg = c
	}
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

// checkPolicies fails when an SLO names a policy the configuration does not have.
func checkPolicies(cfg *config.Config, slos []*slo.SLO) error {
	var errs []string
	for _, s := range slos {
		if s.Policy == "" {
			continue
		}
		if _, ok := cfg.Policies[s.Policy]; !ok {
			names := slices.Sorted(maps.Keys(cfg.Policies))
			errs = append(errs, fmt.Sprintf("%s: %s: policy %q is not defined; the config's policies are %s", s.Source, s.ID(), s.Policy, strings.Join(names, ", ")))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("couldn't load specs: %s", strings.Join(errs, "; "))
	}
	return nil
}
