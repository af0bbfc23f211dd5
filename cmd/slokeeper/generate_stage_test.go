//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// generate stages its files beside the output directory, so that a ruler's glob over it (rule_files: rules/*)
// never matches a half-written or left-over file; it leaves nothing beside it, and removes what a killed run left.
func TestGenerateStagesBesideTheOutput(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "rules")
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	killed := filepath.Join(root, fmt.Sprintf(".rules.slokeeper-%d-7", gone.ProcessState.Pid()))
	require.NoError(t, os.MkdirAll(killed, 0o755))
	require.NoError(t, os.MkdirAll(out, 0o755))
	leftover := filepath.Join(out, fmt.Sprintf(".payments.rules.yml.slokeeper-%d-9.tmp", gone.ProcessState.Pid()))
	require.NoError(t, os.WriteFile(leftover, []byte("half"), 0o600))

	code, _, errOut := runCLI(t, append([]string{"generate", "-o", out}, examples(t)...)...)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, []string{"rules"}, listDir(t, root), "nothing left beside the output directory")
	require.Equal(t, []string{"checkout.rules.yml", "payments-db.rules.yml", "payments.rules.yml"}, listDir(t, out))
}
