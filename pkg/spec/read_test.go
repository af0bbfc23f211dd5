package spec

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Load refuses what is not a regular file, naming it and what it is, without
// opening it: a FIFO would block Load (and every later reload of the daemon)
// until something writes to it, /dev/zero would be read until memory runs
// out.
func TestLoadRefusesFilesNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, tc := range []struct {
		name, path, want string
	}{
		{"fifo", fifo, fifo + ": couldn't read: is a FIFO (named pipe), not a regular file: spec files must be regular files"},
		{"device", "/dev/zero", "/dev/zero: couldn't read: is a character device, not a regular file: spec files must be regular files"},
		{"directory", dir, dir + ": couldn't read: is a directory, not a spec file: list the files in it (e.g. dir/*.yaml)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.path); err != nil {
				t.Skipf("no %s here: %v", tc.path, err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := Load([]string{"../../examples/payments-db.yaml", tc.path})
				done <- err
			}()
			select {
			case err := <-done:
				require.EqualError(t, err, tc.want, "the good file loads, the other is refused")
			case <-time.After(10 * time.Second):
				if tc.path == fifo { // a writer releases the blocked open
					if f, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
						defer f.Close()
					}
				}
				t.Fatalf("Load blocked on %s", tc.path)
			}
		})
	}
}

// A file over MaxFileSize is refused before it is read; a file of exactly
// MaxFileSize is read. Sparse files: no 16 MiB written.
func TestLoadRefusesLargeFiles(t *testing.T) {
	dir := t.TempDir()
	big, atLimit := filepath.Join(dir, "big.yaml"), filepath.Join(dir, "at.yaml")
	for _, f := range []struct {
		path string
		size int64
	}{{big, MaxFileSize + 1}, {atLimit, MaxFileSize}} {
		require.NoError(t, os.WriteFile(f.path, nil, 0o644))
		require.NoError(t, os.Truncate(f.path, f.size))
	}
	_, err := Load([]string{big})
	require.EqualError(t, err, big+": couldn't read: is 16777217 bytes, over the limit of 16777216 bytes (16 MiB) of a spec file: split its SLOs into files of their own")

	// At the limit the file is read, and fails as the YAML it is not.
	_, err = Load([]string{atLimit})
	require.EqualError(t, err, atLimit+": invalid YAML: control characters are not allowed")

	// Contents given to Parse (as internal/review does) have the same limit.
	_, err = Parse("inline.yaml", make([]byte, MaxFileSize+1))
	require.EqualError(t, err, "inline.yaml: is 16777217 bytes, over the limit of 16777216 bytes (16 MiB) of a spec file: split its SLOs into files of their own")
}

// growing is a file that grows as it is read, to 1 MiB (so that a read
// without a limit ends too, and fails the test rather than hanging it).
type growing struct{ read int64 }

func (g *growing) Read(p []byte) (int, error) {
	if g.read >= 1<<20 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), 1<<20-g.read)]
	for i := range p {
		p[i] = '#'
	}
	g.read += int64(len(p))
	return len(p), nil
}

// A file that grows while it is read stops at the limit: no more than one
// byte past it is read.
func TestReadAtMost(t *testing.T) {
	r := &growing{}
	_, err := readAtMost(r, 10, 1000)
	require.EqualError(t, err, "grew over the limit of 1000 bytes of a spec file while it was read: split its SLOs into files of their own")
	require.Equal(t, int64(1001), r.read, "read past the limit")

	data, err := readAtMost(strings.NewReader(strings.Repeat("#", 1000)), 10, 1000)
	require.NoError(t, err)
	require.Len(t, data, 1000)
}
