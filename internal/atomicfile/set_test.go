package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// entries names what dir holds, dot files (the temporary files) included.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	d, err := os.Open(dir)
	require.NoError(t, err)
	defer d.Close()
	names, err := d.Readdirnames(-1)
	require.NoError(t, err)
	return names
}

// Nothing changes until Commit; Commit puts every file in place, and leaves no temporary file.
func TestSetCommit(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	require.NoError(t, os.WriteFile(a, []byte("old a"), 0o600))
	var s Set
	fa, err := s.Create(a)
	require.NoError(t, err)
	fb, err := s.Create(b)
	require.NoError(t, err)
	for _, w := range []struct {
		f    *File
		data string
	}{{fa, "new "}, {fa, "a"}, {fb, "new b"}} {
		_, err := w.f.Write([]byte(w.data))
		require.NoError(t, err)
	}
	require.NoError(t, fa.Close())
	require.NoError(t, fb.Close())
	got, err := os.ReadFile(a)
	require.NoError(t, err)
	require.Equal(t, "old a", string(got), "a target changed before Commit")
	require.NoFileExists(t, b)

	require.NoError(t, s.Commit())
	for path, want := range map[string]string{a: "new a", b: "new b"} {
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, want, string(got))
		info, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	}
	require.ElementsMatch(t, []string{"a", "b"}, entries(t, dir))
}

// Abort leaves the targets as they were and no temporary file.
func TestSetAbort(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	require.NoError(t, os.WriteFile(a, []byte("old a"), 0o600))
	var s Set
	f, err := s.Create(a)
	require.NoError(t, err)
	_, err = f.Write([]byte("new a"))
	require.NoError(t, err)
	_, err = s.Create(filepath.Join(dir, "b")) // never closed
	require.NoError(t, err)
	s.Abort()
	got, err := os.ReadFile(a)
	require.NoError(t, err)
	require.Equal(t, "old a", string(got))
	require.Equal(t, []string{"a"}, entries(t, dir))
}
