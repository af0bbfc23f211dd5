//go:build !unix

package e2etest

// lockBuild does nothing where flock is not available: parallel test processes may then build the tool twice,
// which costs time but stays correct (the Go build cache is safe for concurrent use).
func lockBuild(string) (func(), error) { return func() {}, nil }
