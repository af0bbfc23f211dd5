//go:build unix

package leftover

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Clean removes what a process that no longer runs left, and keeps what a running one uses or what it cannot judge.
func TestClean(t *testing.T) {
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	dir := t.TempDir()
	path := func(name string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Join(p, "data"), 0o755))
		return p
	}
	dead := path(fmt.Sprintf("x-demo-%d-123", gone.ProcessState.Pid()))
	live := path(Tag("x-demo-") + "456")
	odd := path("x-demo-notapid-789")
	require.Equal(t, []string{dead}, Clean(filepath.Join(dir, "x-demo-*"), "x-demo-"))
	for _, p := range []string{live, odd} {
		_, err := os.Stat(p)
		require.NoError(t, err, p)
	}
}
