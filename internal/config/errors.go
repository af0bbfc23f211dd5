package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/internal/fileerr"
)

// Error is one problem in a config file, located by line and field path.
type Error = fileerr.Error

// Errors is every problem found in a config file, in line order.
type Errors = fileerr.Errors

// syntaxError turns "yaml: line 3: did not find expected key" into a located error.
func syntaxError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, rest := splitLine(msg)
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + rest}
}

// splitLine splits "line N: message" into N and message; a message without
// that prefix has line 0.
func splitLine(s string) (int, string) {
	after, ok := strings.CutPrefix(s, "line ")
	if !ok {
		return 0, s
	}
	num, msg, ok := strings.Cut(after, ": ")
	if !ok {
		return 0, s
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, s
	}
	return n, msg
}

var (
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type `)
	repeatFieldRE  = regexp.MustCompile(`^field (\S+) already set in type `)
	repeatKeyRE    = regexp.MustCompile(`^key (".*") already set in map$`)
	wrongTypeRE    = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
)

// cleanV2 rewrites a yaml.v2 type error (its "line N: " already cut off) in
// the words of this package, without the Go type names it carries. It also
// returns the field name the message is about, when there is one.
func cleanV2(msg string) (clean, field string) {
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown field %q", m[1]), m[1]
	}
	if m := repeatFieldRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("field %q appears twice", m[1]), m[1]
	}
	if m := repeatKeyRE.FindStringSubmatch(msg); m != nil {
		key, err := strconv.Unquote(m[1])
		if err != nil {
			key = m[1]
		}
		return fmt.Sprintf("key %s appears twice", m[1]), key
	}
	if m := wrongTypeRE.FindStringSubmatch(msg); m != nil {
		if want := goTypeName(m[3]); want != "" {
			return fmt.Sprintf("must be %s, got %s", want, tagName(m[1], m[2])), ""
		}
		return "wrong type: got " + tagName(m[1], m[2]), ""
	}
	return msg, ""
}

// tagName describes a YAML value by its tag, as yaml.v2 reports it.
func tagName(tag, value string) string {
	switch tag {
	case "!!map":
		return "a mapping"
	case "!!seq":
		return "a list"
	case "!!null":
		return "nothing"
	}
	return fmt.Sprintf("%q", value)
}

// goTypeName describes the Go type a value was decoded into in YAML terms, or
// returns "" for a named type whose kind its name does not tell.
func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case t == "bool":
		return "a boolean (true or false)"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "config.alertingBlock"):
		return "a mapping"
	}
	return ""
}

// describe names the kind of a yaml.v3 node for "must be …, got …" messages.
func describe(n *yaml.Node) string { return fileerr.Describe(n, strconv.Quote) }
