package config

import (
	"errors"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/pkg/routing"
)

// escalation decodes the `escalation:` block (pkg/routing's Config): who receives slokeeper's alerts. Its
// errors carry their own lines ("line N: path: message"); the others are reported on the block's line.
func (d *decoder) escalation(n *yaml.Node, path string, c *Config) {
	if isNull(resolve(n)) {
		return
	}
	var e routing.Config
	if err := n.Decode(&e); err != nil {
		d.nodeErrors(n.Line, path, err)
		return
	}
	if err := e.Validate(); err != nil {
		d.nodeErrors(n.Line, path, err)
		return
	}
	c.Escalation = &e
}

// nodeErrors reports each error of err (joined or not), at the line it names ("line N: …") or at line.
func (d *decoder) nodeErrors(line int, path string, err error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		msg, at := e.Error(), line
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if num, tail, ok := strings.Cut(rest, ": "); ok {
				if l, err := strconv.Atoi(num); err == nil {
					msg, at = tail, l
				}
			}
		}
		var te *yaml.TypeError
		if errors.As(e, &te) {
			for _, m := range te.Errors {
				d.errorf(at, path, "%s", strings.TrimPrefix(m, "yaml: "))
			}
			continue
		}
		// The message names its own path (escalation.…): report it as the whole message.
		d.errs = append(d.errs, &Error{File: d.file, Line: at, Msg: msg})
	}
}
