package slokeeper

import "embed"

// Examples are the example specs of examples/, which `slokeeper run --demo` evaluates.
//
//go:embed examples/*.yaml
var Examples embed.FS
