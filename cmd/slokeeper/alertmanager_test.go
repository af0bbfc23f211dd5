package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/routing"
)

func TestAlertmanagerCommand(t *testing.T) {
	dir := t.TempDir()
	esc, err := os.ReadFile("../../testdata/escalation.yaml")
	require.NoError(t, err)
	cfg := filepath.Join(dir, "slokeeper.yml")
	require.NoError(t, os.WriteFile(cfg, append([]byte("specs: [../../examples/*.yaml]\n"), esc...), 0o644))

	// The complete file routes like the package says, through Alertmanager's own loader and route tree.
	out := filepath.Join(dir, "alertmanager.yml")
	code, _, errOut := runCLI(t, "alertmanager", "--config.file="+cfg, "--complete", "-o", out)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	amCfg, err := routing.Validate(b)
	require.NoError(t, err)
	require.Equal(t, []string{"payments-pager"}, routing.Receivers(amCfg, model.LabelSet{
		"alertname": "SLOErrorBudgetBurn", "owner": "team-payments", "layer": "service", "slo_tier": "page", "service": "payments", "slo": "api-availability",
	}))

	// The fragment, on standard output.
	code, stdout, errOut := runCLI(t, "alertmanager", "--config.file="+cfg)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "inhibit_rules:")
	require.NotContains(t, stdout, "global:")

	// No escalation block, or a bad one: a clear error and nothing written.
	bare := filepath.Join(dir, "bare.yml")
	require.NoError(t, os.WriteFile(bare, []byte("specs: [../../examples/*.yaml]\n"), 0o644))
	code, _, errOut = runCLI(t, "alertmanager", "--config.file="+bare)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "has no escalation: block")
	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(string(append([]byte("specs: [../../examples/*.yaml]\n"), esc...)), "pager: payments-pager", "paper: payments-pager", 1)), 0o644))
	code, _, errOut = runCLI(t, "alertmanager", "--config.file="+bad, "-o", filepath.Join(dir, "never.yml"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `bad.yml:7: escalation.teams["team-payments"]: unknown field "paper"`)
	_, err = os.Stat(filepath.Join(dir, "never.yml"))
	require.True(t, os.IsNotExist(err))
}
