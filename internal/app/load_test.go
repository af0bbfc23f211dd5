package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// An unknown policy in a spec fails the load with its file and line.
func TestCheckPolicies(t *testing.T) {
	bad := []*slo.SLO{{Service: "x", Name: "y", Policy: "lenient", Source: slo.Source{File: "x.yaml", Line: 7}}}
	require.EqualError(t, checkPolicies(config.Default(), bad), `couldn't load specs: x.yaml:7: x/y: policy "lenient" is not defined; the config's policies are default`)
	bad[0].Policy = "default"
	require.NoError(t, checkPolicies(config.Default(), bad))
}

// The gate goes by budgets at most three evaluation intervals old (rules' or snapshots', the longer).
func TestGateMaxAge(t *testing.T) {
	require.Equal(t, 90*time.Second, gateMaxAge(DefaultSnapshotInterval, time.Duration(config.Default().Global.EvaluationInterval)),
		"3 × the default 30s evaluation interval")
	require.Equal(t, 3*time.Minute, gateMaxAge(time.Minute, 30*time.Second))
}
