package app

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v2"

	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/sliprobe"
)

// The daemon's probe of SLI selectors (internal/sliprobe): an SLO whose selectors match no series in any source is
// reported on /metrics, in /api/v1/slos and in the log, instead of showing an unknown budget and no error.

// newProbe creates the probe over what the rules read: the merged Queryable, and the remote-read endpoints to
// explain an empty selector with.
func (a *App) newProbe() *sliprobe.Monitor {
	return sliprobe.New(sliprobe.Options{
		Queryable:  a.storage.Queryable(),
		Remotes:    a.storage.Remotes,
		Logger:     a.logger.With("component", "sli probe"),
		Registerer: a.reg,
	})
}

// sourcesFingerprint is what the SLIs' series are read from: the remote_read endpoints and the external labels
// they filter by. (Secrets are rendered as <secret>: a changed password alone does not count.)
func sourcesFingerprint(cfg *config.Config) string {
	var b strings.Builder
	b.WriteString(cfg.Global.ExternalLabels.String())
	out, err := yaml.Marshal(cfg.RemoteReadConfigs)
	if err != nil {
		fmt.Fprintf(&b, "\x00%v", err)
	}
	b.Write(out)
	return b.String()
}

// annotateSnapshot adds to snap, before it is published, what the probe found about each SLO's selectors, and
// the SLO's exclusions (from its spec and the admin API) as the catalog holds them.
func (a *App) annotateSnapshot(snap *budget.Snapshot, l *loaded) {
	for i := range snap.SLOs {
		st := &snap.SLOs[i]
		if r, ok := a.probe.Report(st.Service, st.SLO); ok && len(r.Missing) > 0 {
			st.MissingSeries, st.Problem = r.Missing, r.Problem
		}
		if c, ok := l.catalog.Lookup(st.Service, st.SLO); ok {
			st.Exclusions = statusExclusions(c.Spec.Exclusions)
		}
	}
}
