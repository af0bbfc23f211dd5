// Package slokeeper holds what belongs to the repository as a whole: the
// release version, read from the VERSION file so that `go run` and `go
// install` builds report it too, not only those built by make or promu.
// It must not hold code any command or package could own itself.
package slokeeper

import (
	_ "embed"
	"strings"
)

//go:embed VERSION
var version string

// Version is the release in the VERSION file, e.g. "0.1.0".
func Version() string { return strings.TrimSpace(version) }
