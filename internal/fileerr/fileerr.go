// Package fileerr is the located error of slokeeper's YAML inputs (spec files, the daemon's config file): one
// problem at a file, line and field path, printed the way compilers print them, and a list of such problems
// reported all at once; and the words for what a YAML node is, in their "must be …, got …" messages. It owns the
// error's shape and must not know the formats whose problems it reports.
package fileerr

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a file, located by line and field path.
type Error struct {
	File string // empty for input not read from a file
	Line int    // 0 when no single line is at fault, e.g. a required field is absent
	Path string // e.g. slos[2].objective; empty for the whole file
	Msg  string
}

// Error formats "file:line: path: message", leaving out what is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found, one per line.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Sort orders errors by file, line and path, keeping the order of equal ones.
func (es Errors) Sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Path, b.Path))
	})
}

// Describe names what the YAML node n is, for "must be …, got …" messages: a mapping, a list, nothing (null), or
// a scalar's value quoted by quote; an alias is what it names.
func Describe(n *yaml.Node, quote func(string) string) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		if n.Alias != nil {
			return Describe(n.Alias, quote)
		}
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return quote(n.Value)
	}
	return "an unexpected node"
}
