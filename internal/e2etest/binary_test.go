package e2etest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestModuleRoot(t *testing.T) {
	root := ModuleRoot(t)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	require.Contains(t, string(gomod), "module github.com/slokeeper/slokeeper\n")
	require.Contains(t, string(gomod), "github.com/prometheus/prometheus/cmd/prometheus", "the tool directive PrometheusBinary builds")

	wd, err := os.Getwd()
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, "internal", "e2etest"), wd)
}

func TestPrometheusBinary(t *testing.T) {
	bin := PrometheusBinary(t)
	out, err := exec.CommandContext(t.Context(), bin, "--version").CombinedOutput()
	require.NoError(t, err, string(out))
	require.True(t, strings.HasPrefix(string(out), "prometheus, version"), string(out))
	require.Equal(t, bin, PrometheusBinary(t), "the same binary on every call")

	notExecutable := filepath.Join(t.TempDir(), "prometheus")
	require.NoError(t, os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644))

	for _, tc := range []struct {
		name    string
		env     string
		want    string
		wantErr string
	}{
		{name: "override", env: bin, want: bin},
		{name: "missing override", env: "/nonexistent/prometheus", wantErr: "$SLOKEEPER_PROMETHEUS_BINARY: stat /nonexistent/prometheus: no such file or directory"},
		{name: "not executable", env: notExecutable, wantErr: "is not an executable file"},
		{name: "directory", env: t.TempDir(), wantErr: "is not an executable file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(PrometheusBinaryEnv, tc.env)
			got, err := prometheusBinary(t.Context())
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
