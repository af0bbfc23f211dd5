package generate_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// With GroupByService the SLOs of a service share their groups: one sli group, one budget group and one tiles
// group per tile length, holding exactly the rules of the per-SLO groups, each SLO's in the same order.
func TestGroupByServiceSharesGroups(t *testing.T) {
	slos, err := spec.Load([]string{"testdata/specs/edge.yaml"})
	require.NoError(t, err)
	perSLO := generate.Options{}
	shared := generate.Options{GroupBy: generate.GroupByService}

	got := generate.Groups(slos, shared)
	tiles := map[string]bool{}
	for _, s := range slos {
		tiles[c.ServiceGroupTiles(s.Service, shared.Windows(s.Period).Tile)] = true
	}
	require.Greater(t, len(tiles), 1, "the edge specs have SLOs of different tile lengths")
	require.Len(t, got, 2+len(tiles))

	want := map[string][]rulefmt.Rule{}
	for _, s := range slos {
		for i, g := range generate.SLOGroups(s, perSLO) {
			name := [3]string{c.ServiceGroupSLI(s.Service), c.ServiceGroupTiles(s.Service, perSLO.Windows(s.Period).Tile), c.ServiceGroupBudget(s.Service)}[i]
			want[name] = append(want[name], g.Rules...)
		}
	}
	for _, g := range got {
		require.Equal(t, want[g.Name], g.Rules, "group %s", g.Name)
		require.NotEmpty(t, g.Rules)
		delete(want, g.Name)
	}
	require.Empty(t, want, "groups missing")

	// Merging does not write into the groups it was given.
	first := generate.SLOGroups(slos[0], shared)
	n := len(first[0].Rules)
	merged := generate.MergeGroups(append(first, generate.SLOGroups(slos[1], shared)...))
	require.Len(t, first[0].Rules, n)
	require.Greater(t, len(merged[0].Rules), n)
}

// The rule file grouped by service passes the same promtool tests as the one grouped by SLO.
func TestPromtoolPassesGroupedByService(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool's generated rule tests of every SLI kind: a minute or more")
	}
	t.Parallel()
	slos, err := spec.Load([]string{"testdata/specs/edge.yaml"})
	require.NoError(t, err)
	o := generate.Options{GroupBy: generate.GroupByService}
	dir := t.TempDir()
	rulesFile := generate.RuleFile(slos, o, generate.FormatPrometheus, "edge")
	require.NoError(t, generate.Check(rulesFile))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "edge.rules.yml"), rulesFile, 0o644))
	args := []string{"test", "rules"}
	for _, u := range generate.Suites {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "edge"+u.Suffix), generate.TestFile(slos, o, "edge.rules.yml", u), 0o644))
		args = append(args, filepath.Join(dir, "edge"+u.Suffix))
	}
	out, err := promtool(t, args...)
	require.NoError(t, err, out)
	require.Contains(t, out, "SUCCESS")
}

// With a gate URL every alert links to its service's deploy gate; without, none does.
func TestGateURLAnnotation(t *testing.T) {
	slos, err := spec.Load([]string{"../../examples/payments.yaml", "../../examples/payments-db.yaml"})
	require.NoError(t, err)
	slos = slices.DeleteFunc(slos, func(s *slo.SLO) bool { return s.Service != "payments" })
	count := func(o generate.Options, want string) int {
		n := 0
		for _, g := range generate.Groups(slos, o) {
			for _, r := range g.Rules {
				if r.Alert == "" || r.Alert == c.AlertReviewOverdue { // a review is not a deploy question
					continue
				}
				require.Equal(t, want, r.Annotations["gate_url"], r.Alert)
				n++
			}
		}
		return n
	}
	require.Positive(t, count(generate.Options{GateURL: "http://slokeeper:9099/"}, "http://slokeeper:9099/api/v1/gate/payments"))
	require.Positive(t, count(generate.Options{}, ""))
}
