package slo_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

func availability(id, objective string, deps ...slo.Dependency) *slo.SLO {
	svc, name := splitID(id)
	return &slo.SLO{Service: svc, Name: name, Objective: slo.MustObjective(objective),
		SLI: slo.SLI{Kind: slo.SLIEvents, Errors: "e", Total: "t"}, DependsOn: deps}
}

func latency(id, objective string, threshold float64, deps ...slo.Dependency) *slo.SLO {
	svc, name := splitID(id)
	return &slo.SLO{Service: svc, Name: name, Objective: slo.MustObjective(objective),
		SLI: slo.SLI{Kind: slo.SLILatency, Histogram: "h", Threshold: threshold}, DependsOn: deps}
}

func splitID(id string) (string, string) {
	svc, name, _ := strings.Cut(id, "/")
	return svc, name
}

func serial(id string) slo.Dependency { return slo.Dependency{ID: id, Relation: slo.RelationSerial} }
func parallel(id string) slo.Dependency {
	return slo.Dependency{ID: id, Relation: slo.RelationParallel}
}

func TestCheckAchievability(t *testing.T) {
	for _, tc := range []struct {
		name  string
		slos  []*slo.SLO
		want  []string // SLO ids flagged, in order
		bound []float64
		msg   []string
	}{
		{
			// The example: 99.9% × 99.9% = 99.8001%.
			name: "availability over two serial services",
			slos: []*slo.SLO{
				availability("shop/checkout", "99.95", serial("a/api"), serial("b/api")),
				availability("a/api", "99.9"), availability("b/api", "99.9"),
			},
			want: []string{"shop/checkout"}, bound: []float64{0.999 * 0.999},
			msg: []string{"objective 99.95% is above what its dependencies can deliver together: at most 99.8% " +
				"(a/api 99.9%, b/api 99.9%); lower the objective, make a dependency more reliable, or declare " +
				"redundant dependencies with relation: parallel"},
		},
		{
			name: "realistic availability",
			slos: []*slo.SLO{
				availability("shop/checkout", "99.5", serial("a/api"), serial("b/api")),
				availability("a/api", "99.9"), availability("b/api", "99.9"),
			},
		},
		{
			name: "an objective equal to its single dependency's",
			slos: []*slo.SLO{availability("shop/checkout", "99.9", serial("a/api")), availability("a/api", "99.9")},
		},
		{
			// Redundant replicas: 1-(0.001)² = 99.9999%, times the serial 99.99%.
			name: "parallel dependencies",
			slos: []*slo.SLO{
				availability("shop/checkout", "99.95", parallel("a/r1"), parallel("a/r2"), serial("dns/resolve")),
				availability("a/r1", "99.9"), availability("a/r2", "99.9"), availability("dns/resolve", "99.99"),
			},
		},
		{
			name: "one replica alone is not enough",
			slos: []*slo.SLO{
				availability("shop/checkout", "99.95", parallel("a/r1")),
				availability("a/r1", "99.9"),
			},
			want: []string{"shop/checkout"}, bound: []float64{0.999},
			msg: []string{"objective 99.95% is above what its dependencies can deliver together: at most 99.9% " +
				"(a/r1 99.9% parallel); lower the objective, make a dependency more reliable, or declare " +
				"redundant dependencies with relation: parallel"},
		},
		{
			name: "latency over serial dependencies",
			slos: []*slo.SLO{
				latency("shop/checkout", "95", 0.5, serial("a/api"), serial("b/api")),
				latency("a/api", "95", 0.3), latency("b/api", "90", 0.3),
			},
			want: []string{"shop/checkout"}, bound: []float64{0.6},
			msg: []string{"threshold 500ms at 95% is below what its dependencies may take together: 600ms " +
				"(a/api 300ms at 95%, b/api 300ms at 90%); raise the threshold or tighten a dependency's"},
		},
		{
			// The fastest of the parallel ones counts: 300ms + min(100ms, 400ms).
			name: "latency with parallel dependencies",
			slos: []*slo.SLO{
				latency("shop/checkout", "95", 0.35, serial("a/api"), parallel("c/r1"), parallel("c/r2")),
				latency("a/api", "95", 0.3), latency("c/r1", "95", 0.1), latency("c/r2", "95", 0.4),
			},
			want: []string{"shop/checkout"}, bound: []float64{0.4},
			msg: []string{"threshold 350ms at 95% is below what its dependencies may take together: 400ms " +
				"(a/api 300ms at 95%, c/r1 100ms at 95% parallel, c/r2 400ms at 95% parallel); raise the threshold or tighten a dependency's"},
		},
		{
			name: "realistic latency",
			slos: []*slo.SLO{
				latency("shop/checkout", "95", 3, serial("a/api"), serial("b/api")),
				latency("a/api", "95", 0.4), latency("b/api", "95", 0.8),
			},
		},
		{
			// Latency and availability are not mixed.
			name: "other aspect",
			slos: []*slo.SLO{
				availability("shop/checkout", "99.99", serial("a/api")),
				latency("a/api", "95", 0.4),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slo.CheckAchievability(tc.slos)
			var ids, msgs []string
			var bounds []float64
			for _, a := range got {
				ids = append(ids, a.SLO.ID())
				msgs = append(msgs, a.Message)
				bounds = append(bounds, a.Bound)
			}
			require.Equal(t, tc.want, ids)
			require.Equal(t, tc.msg, msgs)
			require.InDeltaSlice(t, tc.bound, bounds, 1e-12)
		})
	}
}

// A dependency with a stricter objective (p99 under p95) does not count: it usually sits well below its
// threshold at the SLO's quantile.
func TestCheckAchievabilityStricterDependency(t *testing.T) {
	product := latency("shop/checkout", "95", 0.5, serial("a/api"), serial("b/api"))
	require.Len(t, slo.CheckAchievability([]*slo.SLO{product, latency("a/api", "95", 0.3), latency("b/api", "95", 0.3)}), 1)
	require.Empty(t, slo.CheckAchievability([]*slo.SLO{product, latency("a/api", "95", 0.3), latency("b/api", "99", 0.3)}))
}

// Of the examples, the payment API's 99.9% over the database's 99.5% is flagged: a primary that refuses 0.5%
// of probes fails at least as many payments, unless the API can do without it. The checkout journey's
// promises are within what the payment API's allow.
func TestCheckAchievabilityExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	require.NoError(t, err)
	slos, err := spec.Load(files)
	require.NoError(t, err)
	got := slo.CheckAchievability(slos)
	require.Len(t, got, 1)
	require.Equal(t, "payments/api-availability", got[0].SLO.ID())
	require.Equal(t, "availability", got[0].Kind)
	require.InDelta(t, 0.995, got[0].Bound, 1e-12)
}

func TestPercentSeconds(t *testing.T) {
	require.Equal(t, "99.8", slo.Percent(0.998001))
	require.Equal(t, "99.5", slo.Percent(0.995))
	require.Equal(t, "99.999", slo.Percent(0.9999999))
	require.Equal(t, "400ms", slo.Seconds(0.4))
	require.Equal(t, "3s", slo.Seconds(3))
	require.Equal(t, "0.0005s", slo.Seconds(0.0005))
}
