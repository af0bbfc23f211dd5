//go:build !unix

package leftover

// Running assumes every process runs: nothing is cleaned where liveness cannot be told.
func Running(int) bool { return true }
