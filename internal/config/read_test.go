//go:build unix

package config

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// A FIFO or a device named as the config file fails Load at once (issue 19: a FIFO blocked every later reload).
func TestLoadRefusesWhatIsNotAFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "slokeeper.yml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for path, want := range map[string]string{
		fifo:        "couldn't read the config file: is a FIFO (named pipe), not a regular file: config files must be regular files",
		"/dev/zero": "couldn't read the config file: is a character device, not a regular file: config files must be regular files",
	} {
		_, err := Load(path)
		require.EqualError(t, err, want)
	}
}
