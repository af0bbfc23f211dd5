package generate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Every recorded series has one writer: no two rules of an SLO record the same name with the same labels, at any
// period and shortest window. Two writers (a sliding rate every interval and a tile every tile, both named after
// the tile's length) mix their samples into one series, and the period, its coverage and the budget that average
// it are wrong.
func TestEverySeriesHasOneRule(t *testing.T) {
	mins := []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}
	for _, kind := range []slo.SLIKind{slo.SLIEvents, slo.SLILatency, slo.SLIRaw} {
		for _, minWindow := range mins {
			for period := time.Hour; period <= 100*24*time.Hour; period += period/8 + time.Hour {
				s := testSLO(kind, period.Truncate(time.Minute))
				seen := map[string]string{}
				for _, g := range SLOGroups(s, Options{MinWindow: minWindow}) {
					for _, r := range g.Rules {
						if r.Record == "" {
							continue
						}
						key := fmt.Sprint(r.Record, r.Labels)
						require.Empty(t, seen[key], "%s at %s, shortest window %s: %s recorded by groups %s and %s",
							kind, s.Period, minWindow, r.Record, seen[key], g.Name)
						seen[key] = g.Name
					}
				}
			}
		}
	}
}
