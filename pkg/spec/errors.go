package spec

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/internal/fileerr"
)

// Error is one problem in a spec file, located by line and field path.
type Error = fileerr.Error

// Errors is every problem found, in file and line order.
type Errors = fileerr.Errors

// typeError is returned by custom unmarshalers for a node of the wrong kind.
type typeError struct {
	want string
	got  *yaml.Node
}

func (e *typeError) Error() string {
	return fmt.Sprintf("must be %s, got %s", e.want, describe(e.got))
}

// describe names the kind of a yaml.v3 node for "must be …, got …" messages, a long value cut (quote).
func describe(n *yaml.Node) string { return fileerr.Describe(n, quote) }
