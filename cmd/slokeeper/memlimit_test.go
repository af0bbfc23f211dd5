package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// generate and check run under cliMemoryLimit and put the process' limit back; GOMEMLIMIT wins.
func TestLimitMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	restore := limitMemory()
	require.Equal(t, int64(cliMemoryLimit), debug.SetMemoryLimit(-1))
	restore()
	require.Equal(t, before, debug.SetMemoryLimit(-1))

	t.Setenv("GOMEMLIMIT", "1GiB")
	restore = limitMemory()
	require.Equal(t, before, debug.SetMemoryLimit(-1), "GOMEMLIMIT is the user's")
	restore()
}
