package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// policies decodes the `policies:` mapping of policy names to error budget policies. Fields left out keep
// policy.Default()'s values. The default policy (policy.DefaultName) is always there; defining it changes it.
func (d *decoder) policies(n *yaml.Node, path string, c *Config) {
	at := n
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(at.Line, path, "must be a mapping of policy names to policies, got %s", describe(n))
		return
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		line := n.Content[i].Line
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.errorf(line, path, "policy names must be non-empty strings, got %s", describe(k))
			continue
		}
		p := joinPath(path, k.Value)
		if first, ok := lines[k.Value]; ok {
			d.errorf(line, p, "policy %q appears twice (first on line %d)", k.Value, first)
			continue
		}
		lines[k.Value] = line
		pol := policy.Default()
		pol.Name = k.Value
		before := len(d.errs)
		d.mapping(v, p, []field{
			{"freeze_at", func(fp string, fv *yaml.Node) { d.share(fv, fp, &pol.FreezeAt) }},
			{"warn_at", func(fp string, fv *yaml.Node) { d.share(fv, fp, &pol.WarnAt) }},
			{"lift_at", func(fp string, fv *yaml.Node) { d.share(fv, fp, &pol.LiftAt) }},
			{"min_freeze", func(fp string, fv *yaml.Node) {
				d.durationInto(fv, fp, &pol.MinFreeze)
			}},
			{"layers", func(fp string, fv *yaml.Node) { pol.Layers = d.layers(fv, fp) }},
			{"exempt", func(fp string, fv *yaml.Node) { pol.Exempt = d.names(fv, fp, "a change class such as security") }},
			{"min_coverage", func(fp string, fv *yaml.Node) {
				d.number(fv, fp, "a share of the period such as 0.25", 0, 1, &pol.MinCoverage)
			}},
			{"min_events", func(fp string, fv *yaml.Node) {
				d.number(fv, fp, "a number of events such as 1000", 0, math.Inf(1), &pol.MinEvents)
			}},
			{"close_gate_on_page", func(fp string, fv *yaml.Node) { d.boolean(fv, fp, &pol.CloseGateOnPage) }},
		})
		if len(d.errs) > before {
			continue
		}
		if err := pol.Validate(); err != nil {
			// The policy's own messages name the field; report each on the policy's line.
			var joined interface{ Unwrap() []error }
			if errors.As(err, &joined) {
				for _, e := range joined.Unwrap() {
					d.errorf(line, p, "%v", e)
				}
				continue
			}
			d.errorf(line, p, "%v", err)
			continue
		}
		c.Policies[k.Value] = pol
	}
}

// share decodes a number between -1 and 1: a share of the error budget left.
func (d *decoder) share(n *yaml.Node, path string, into *float64) {
	const want = "a share of the error budget left, a number such as 0.25 (1 untouched, 0 spent, negative overspent)"
	s := d.scalar(n, path, want)
	if s == nil {
		return
	}
	f, err := strconv.ParseFloat(s.Value, 64)
	if (s.Tag != "!!float" && s.Tag != "!!int") || err != nil || math.IsNaN(f) || f < -1 || f > 1 {
		d.errorf(n.Line, path, "must be %s, between -1 and 1, got %s", want, describe(s))
		return
	}
	*into = f
}

// number decodes a finite number from lo to hi (+Inf: no upper bound).
func (d *decoder) number(n *yaml.Node, path, want string, lo, hi float64, into *float64) {
	s := d.scalar(n, path, want)
	if s == nil {
		return
	}
	bounds := fmt.Sprintf("from %g to %g", lo, hi)
	if math.IsInf(hi, 1) {
		bounds = fmt.Sprintf("%g or more", lo)
	}
	f, err := strconv.ParseFloat(s.Value, 64)
	if (s.Tag != "!!float" && s.Tag != "!!int") || err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < lo || f > hi {
		d.errorf(n.Line, path, "must be %s, %s, got %s", want, bounds, describe(s))
		return
	}
	*into = f
}

// layers decodes a list of SLO layers.
func (d *decoder) layers(n *yaml.Node, path string) []slo.Layer {
	at := n
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(at.Line, path, "must be a list of layers (%v), got %s", slo.Layers, describe(n))
		return nil
	}
	var out []slo.Layer
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		v, ok := d.str(item, p, "a layer")
		if !ok {
			continue
		}
		if l := slo.Layer(v); !l.Valid() {
			d.errorf(item.Line, p, "unknown layer %q; the layers are %v", v, slo.Layers)
			continue
		}
		out = append(out, slo.Layer(v))
	}
	return out
}

// names decodes a list of non-empty strings (an empty list is kept empty, not defaulted).
func (d *decoder) names(n *yaml.Node, path, want string) []string {
	at := n
	n = resolve(n)
	if isNull(n) {
		return []string{}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(at.Line, path, "must be a list of %ss, got %s", want, describe(n))
		return nil
	}
	out := []string{}
	for i, item := range n.Content {
		if v, ok := d.str(item, fmt.Sprintf("%s[%d]", path, i), want); ok {
			out = append(out, v)
		}
	}
	return out
}
