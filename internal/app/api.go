package app

import (
	"time"

	"github.com/slokeeper/slokeeper"
	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/web"
)

// slos is what /api/v1/slos serves (and the status page renders): every SLO's status, a list as in Prometheus'
// API; the snapshot's time is on /api/v1/status.
func (a *App) slos() any {
	s := a.snapshot.Load()
	if s == nil || s.SLOs == nil {
		return []budget.Status{}
	}
	// Encoded once per snapshot, however many clients ask (1,000 SLOs are about a megabyte of JSON): the clients
	// that come while it is being encoded wait for it rather than each encoding their own.
	if c := a.slosEncoded.Load(); c != nil && c.snap == s {
		return c.body
	}
	a.slosMtx.Lock()
	defer a.slosMtx.Unlock()
	if c := a.slosEncoded.Load(); c != nil && c.snap == s {
		return c.body
	}
	e, err := web.Encode(s.SLOs)
	if err != nil {
		return s.SLOs // the API answers the encoding error
	}
	a.slosEncoded.Store(&encodedSLOs{snap: s, body: e})
	return e
}

// encodedSLOs is a snapshot's SLOs encoded for /api/v1/slos.
type encodedSLOs struct {
	snap *budget.Snapshot
	body *web.Encoded
}

func (a *App) status() any {
	cfg := a.cfg.Load()
	specs := a.loaded.Load()
	return map[string]any{
		"version":                  slokeeper.Version(),
		"start_time":               a.started.UTC(),
		"config_file":              a.opts.ConfigFile,
		"config":                   cfg.String(),
		"spec_files":               specs.files,
		"slos":                     len(specs.slos),
		"reload_successful":        a.metrics.reloadOK.Load(),
		"last_reload_success_time": time.Unix(0, a.metrics.reloadTime.Load()).UTC(),
		"backfill_pending":         a.evaluator.Pending(),
		"ready":                    a.ready.Load(),
		"snapshot_time":            snapshotTime(a.snapshot.Load()),
		"demo":                     a.opts.Demo,
		"storage_path":             cfg.Storage.Path,
		"external_labels":          cfg.Global.ExternalLabels.Map(),
		"evaluation_interval":      cfg.Global.EvaluationInterval.String(),
	}
}

func snapshotTime(s *budget.Snapshot) any {
	if s == nil {
		return nil
	}
	return s.Time.UTC()
}
