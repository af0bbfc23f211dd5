package spec_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

func TestExclusions(t *testing.T) {
	slos, err := spec.Parse("inline.yaml", []byte(`apiVersion: slokeeper/v1
service: shop
owner: team-shop
layer: service
slos:
  - name: availability
    objective: 99.9
    sli: {probe: {success: 'probe_success{job="shop"}'}}
    exclusions:
      - {from: 2026-12-10T02:00:00Z, to: 2026-12-10T04:00:00Z, reason: migration CHG-1, approver: alice}
      - {from: "2026-11-20T09:00:00+01:00", to: "2026-11-20T10:30:00+01:00", reason: load test, approver: bob}
`))
	require.NoError(t, err)
	require.Equal(t, []slo.Exclusion{
		{From: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC), Reason: "load test", Approver: "bob"},
		{From: time.Date(2026, 12, 10, 2, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 10, 4, 0, 0, 0, time.UTC), Reason: "migration CHG-1", Approver: "alice"},
	}, slos[0].Exclusions, "in UTC, sorted by start")
}
