package evaluator

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Target describes how to rebuild one SLO's recorded history.
type Target struct {
	Service, SLO string
	// Revision is the SLO's conventions.LabelRevision: history recorded under another is not its own, and a new
	// revision is backfilled over the whole lookback.
	Revision string
	// File is the identifier the SLO's groups were given under in Update.
	File string
	// SLIGroup and TilesGroup name the groups whose rules are backfilled.
	SLIGroup, TilesGroup string
	// BaseRules are the recording rules of the sli group that read raw series, in evaluation order;
	// StitchRules the ones that record block and span rates from them (slo.Windows), in evaluation order;
	// TileRules are the tiles group's tile rules, backfilled at every tile; PeriodRules are its other rules
	// (the period as of the newest tile), evaluated at the newest backfilled tile only.
	BaseRules, StitchRules, TileRules, PeriodRules []rulefmt.Rule
	Base, Tile, Period                             time.Duration
	// Recent is how far back the base and stitched rates are rebuilt on the sli group's own grid: the stitched
	// windows read them there, at exact offsets.
	Recent time.Duration
}

// TargetFor derives the Target of one SLO from the groups generate.SLOGroups made for it (sli, tiles, budget, in
// that order; under the names of the groups that evaluate them, which the SLO may share with others).
func TargetFor(file string, s *slo.SLO, w slo.Windows, groups []rulefmt.RuleGroup) (Target, error) {
	if len(groups) != 3 {
		return Target{}, fmt.Errorf("%s/%s: want its sli, tiles and budget groups, got %d groups", s.Service, s.Name, len(groups))
	}
	base := map[string]bool{conventions.ErrorRate(w.Base): true, conventions.TotalRate(w.Base): true}
	stitched := map[string]bool{}
	var wantStitched int
	for _, d := range []time.Duration{w.Block, w.Span} {
		if d != 0 && d != w.Base {
			stitched[conventions.ErrorRate(d)], stitched[conventions.TotalRate(d)] = true, true
			wantStitched += 2
		}
	}
	tile := map[string]bool{conventions.ErrorRate(w.Tile): true, conventions.TotalRate(w.Tile): true}
	t := Target{
		Service: s.Service, SLO: s.Name, File: file,
		SLIGroup: groups[0].Name, TilesGroup: groups[1].Name,
		Base: w.Base, Tile: w.Tile, Period: s.Period, Recent: w.Recent(),
	}
	for _, r := range groups[0].Rules {
		switch {
		case base[r.Record]:
			t.BaseRules = append(t.BaseRules, r)
		case stitched[r.Record]:
			t.StitchRules = append(t.StitchRules, r)
		}
	}
	for _, r := range groups[1].Rules {
		if tile[r.Record] {
			t.TileRules = append(t.TileRules, r)
		} else {
			t.PeriodRules = append(t.PeriodRules, r)
		}
	}
	if len(t.BaseRules) != 2 || len(t.TileRules) != 2 || len(t.StitchRules) != wantStitched {
		return Target{}, fmt.Errorf("couldn't find the base and tile rules of %s/%s in its groups", s.Service, s.Name)
	}
	t.Revision = t.TileRules[0].Labels[conventions.LabelRevision]
	return t, nil
}

func (t Target) id() string { return t.Service + "/" + t.SLO }

func (t Target) equal(o Target) bool {
	same := func(a, b []rulefmt.Rule) bool {
		return slices.EqualFunc(a, b, func(x, y rulefmt.Rule) bool { return x.Record == y.Record && x.Expr == y.Expr })
	}
	return t.File == o.File && t.Revision == o.Revision && t.SLIGroup == o.SLIGroup && t.TilesGroup == o.TilesGroup && t.Base == o.Base &&
		t.Tile == o.Tile && t.Period == o.Period && t.Recent == o.Recent && same(t.BaseRules, o.BaseRules) &&
		same(t.StitchRules, o.StitchRules) && same(t.TileRules, o.TileRules) && same(t.PeriodRules, o.PeriodRules)
}
