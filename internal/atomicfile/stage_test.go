//go:build unix

package atomicfile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// staged lists the staging directories beside dir.
func staged(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+stagePrefix+"*"))
	require.NoError(t, err)
	return m
}

// Staged beside the target directory, a set leaves nothing in it that a glob could match until Commit, and
// nothing beside it after Commit or Abort.
func TestStageBeside(t *testing.T) {
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%t", commit), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rules")
			require.NoError(t, os.Mkdir(dir, 0o755))
			a, b := filepath.Join(dir, "a.rules.yml"), filepath.Join(dir, "b.rules.yml")
			require.NoError(t, os.WriteFile(a, []byte("old a"), 0o644))
			var s Set
			s.StageBeside(dir)
			for _, p := range []string{a, b} {
				f, err := s.Create(p)
				require.NoError(t, err)
				_, err = f.Write([]byte("new " + filepath.Base(p)))
				require.NoError(t, err)
				require.NoError(t, f.Close())
			}
			require.Equal(t, []string{"a.rules.yml"}, entries(t, dir), "nothing new in the directory before Commit")
			require.Len(t, staged(t, dir), 1)
			if commit {
				require.NoError(t, s.Commit())
				require.ElementsMatch(t, []string{"a.rules.yml", "b.rules.yml"}, entries(t, dir))
				got, err := os.ReadFile(a)
				require.NoError(t, err)
				require.Equal(t, "new a.rules.yml", string(got))
			} else {
				s.Abort()
				require.Equal(t, []string{"a.rules.yml"}, entries(t, dir))
			}
			require.Empty(t, staged(t, dir))
		})
	}
}

// CleanStale removes what a process that no longer runs left, and keeps what a running one is writing.
func TestCleanStale(t *testing.T) {
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	dead, alive := gone.ProcessState.Pid(), os.Getpid()
	dir := filepath.Join(t.TempDir(), "rules")
	require.NoError(t, os.Mkdir(dir, 0o755))
	mk := func(pid int, inDir bool) string {
		if inDir {
			p := filepath.Join(dir, fmt.Sprintf(".x.rules.yml%s%d-42.tmp", stagePrefix, pid))
			require.NoError(t, os.WriteFile(p, []byte("half"), 0o600))
			return p
		}
		p := filepath.Join(filepath.Dir(dir), fmt.Sprintf(".rules%s%d-42", stagePrefix, pid))
		require.NoError(t, os.MkdirAll(filepath.Join(p, "sub"), 0o755))
		return p
	}
	deadStage, deadTmp, liveStage, liveTmp := mk(dead, false), mk(dead, true), mk(alive, false), mk(alive, true)
	require.ElementsMatch(t, []string{deadStage, deadTmp}, CleanStale(dir))
	for _, p := range []string{liveStage, liveTmp} {
		_, err := os.Stat(p)
		require.NoError(t, err, "a running process's %s was removed", p)
	}
	for _, p := range []string{deadStage, deadTmp} {
		_, err := os.Stat(p)
		require.True(t, os.IsNotExist(err), p)
	}
}
