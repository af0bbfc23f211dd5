package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"go.yaml.in/yaml/v3"
)

// decoder decodes slokeeper's own fields from the yaml.v3 node tree of a
// file, strictly, and collects every error with its line and path.
type decoder struct {
	file string
	errs Errors
}

func (d *decoder) errorf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// field is one known key of a mapping; a nil decode means the key is known
// but decoded elsewhere (the Prometheus blocks).
type field struct {
	name   string
	decode func(path string, v *yaml.Node)
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// mapping decodes the known fields of the mapping n and reports unknown and
// repeated ones. A null n (an empty block) decodes nothing: every field keeps
// its default. It returns the key node of each field found.
func (d *decoder) mapping(n *yaml.Node, path string, fields []field) map[string]*yaml.Node {
	seen := map[string]*yaml.Node{}
	at := n
	n = resolve(n)
	if isNull(n) {
		return seen
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(at.Line, path, "must be a mapping, got %s", describe(n))
		return seen
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		line := n.Content[i].Line
		if k.Kind != yaml.ScalarNode {
			d.errorf(line, path, "keys must be field names, got %s", describe(k))
			continue
		}
		p := joinPath(path, k.Value)
		if k.Value == "<<" {
			d.errorf(line, path, "YAML merge keys (<<) are not supported: alias a whole value (field: *anchor) or repeat the fields")
			continue
		}
		if first, ok := seen[k.Value]; ok {
			d.errorf(line, p, "field %q appears twice (first on line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = n.Content[i]
		known := false
		for _, f := range fields {
			if f.name != k.Value {
				continue
			}
			known = true
			if f.decode != nil {
				f.decode(p, v)
			}
		}
		switch {
		case known:
		case len(names) == 1:
			d.errorf(line, p, "unknown field %q; the only field here is %s", k.Value, names[0])
		default:
			d.errorf(line, p, "unknown field %q; the fields here are %s", k.Value, strings.Join(names, ", "))
		}
	}
	return seen
}

// scalar returns the resolved scalar n, or nil (after an error) when n is
// not a scalar; a null scalar returns nil without an error: the field keeps
// its default.
func (d *decoder) scalar(n *yaml.Node, path, want string) *yaml.Node {
	at := n
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(at.Line, path, "must be %s, got %s", want, describe(n))
		return nil
	}
	return n
}

const durationWant = "a duration such as 30s, 5m, 1h or 91d"

// duration decodes a non-negative Prometheus duration ("5m", "1h30m", "91d",
// "0"); ok is false for a null (absent) value and after an error.
func (d *decoder) duration(n *yaml.Node, path string) (v model.Duration, ok bool) {
	s := d.scalar(n, path, durationWant)
	if s == nil {
		return 0, false
	}
	if s.Tag != "!!str" && s.Tag != "!!int" {
		d.errorf(n.Line, path, "must be %s, got %s", durationWant, describe(s))
		return 0, false
	}
	if strings.HasPrefix(strings.TrimSpace(s.Value), "-") {
		d.errorf(n.Line, path, "must not be negative, got %q", s.Value)
		return 0, false
	}
	v, err := model.ParseDuration(s.Value)
	if err != nil {
		d.errorf(n.Line, path, "must be %s, got %q", durationWant, s.Value)
		return 0, false
	}
	return v, true
}

// durationInto stores a duration that is present and valid into into.
func (d *decoder) durationInto(n *yaml.Node, path string, into *model.Duration) {
	if v, ok := d.duration(n, path); ok {
		*into = v
	}
}

func (d *decoder) boolean(n *yaml.Node, path string, into *bool) {
	const want = "a boolean (true or false)"
	s := d.scalar(n, path, want)
	if s == nil {
		return
	}
	var b bool
	if s.Tag != "!!bool" || s.Decode(&b) != nil {
		d.errorf(n.Line, path, "must be %s, got %s", want, describe(s))
		return
	}
	*into = b
}

// str decodes a non-empty string; numbers are taken as written.
func (d *decoder) str(n *yaml.Node, path, want string) (string, bool) {
	s := d.scalar(n, path, want)
	if s == nil {
		return "", false
	}
	if s.Tag == "!!bool" || s.Value == "" {
		d.errorf(n.Line, path, "must be %s, got %s", want, describe(s))
		return "", false
	}
	return s.Value, true
}

// top decodes the document's top-level mapping into c.
func (d *decoder) top(root *yaml.Node, c *Config) {
	if root == nil {
		d.errorf(0, "specs", "required: the file is empty; list glob patterns of spec files, e.g. specs: [specs/*.yaml]")
		return
	}
	seen := d.mapping(root, "", []field{
		{"global", func(p string, v *yaml.Node) { d.global(v, p, &c.Global) }},
		{"specs", func(p string, v *yaml.Node) { d.specs(v, p, c) }},
		{"storage", func(p string, v *yaml.Node) { d.storage(v, p, &c.Storage) }},
		{"windows", func(p string, v *yaml.Node) { d.windows(v, p, &c.Windows) }},
		{"backfill", func(p string, v *yaml.Node) { d.backfill(v, p, &c.Backfill) }},
		{"policies", func(p string, v *yaml.Node) { d.policies(v, p, c) }},
		{"escalation", func(p string, v *yaml.Node) { d.escalation(v, p, c) }},
		{"alerting", nil},
		{"remote_read", nil},
		{"remote_write", nil},
	})
	if _, ok := seen["specs"]; !ok {
		d.errorf(0, "specs", "required: list glob patterns of spec files, e.g. specs: [specs/*.yaml]")
	}
}

func (d *decoder) global(n *yaml.Node, path string, g *GlobalConfig) {
	d.mapping(n, path, []field{
		{"evaluation_interval", func(p string, v *yaml.Node) {
			i, ok := d.duration(v, p)
			switch {
			case ok && i == 0:
				d.errorf(v.Line, p, "must be greater than 0; leave it out for the default %s", model.Duration(DefaultEvaluationInterval))
			case ok:
				g.EvaluationInterval = i
			}
		}},
		{"external_labels", func(p string, v *yaml.Node) { g.ExternalLabels = d.externalLabels(v, p) }},
	})
}

// externalLabels decodes a mapping of label names to values. Names are
// checked as Prometheus checks them (UTF-8, the default of Prometheus 3);
// names starting with "__" are refused, as are empty values.
func (d *decoder) externalLabels(n *yaml.Node, path string) labels.Labels {
	at := n
	n = resolve(n)
	if isNull(n) {
		return labels.EmptyLabels()
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(at.Line, path, "must be a mapping of label names to values, got %s", describe(n))
		return labels.EmptyLabels()
	}
	m := map[string]string{}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		line := n.Content[i].Line
		if k.Kind != yaml.ScalarNode {
			d.errorf(line, path, "label names must be strings, got %s", describe(k))
			continue
		}
		name := k.Value
		p := joinPath(path, name)
		switch {
		case !model.UTF8Validation.IsValidLabelName(name):
			d.errorf(line, path, "%q is not a valid label name", name)
			continue
		case strings.HasPrefix(name, "__"):
			d.errorf(line, p, "label names starting with \"__\" are reserved for Prometheus' internal use: choose another name")
			continue
		}
		if first, ok := lines[name]; ok {
			d.errorf(line, p, "label %q appears twice (first on line %d)", name, first)
			continue
		}
		lines[name] = line
		if v.Kind != yaml.ScalarNode || isNull(v) || v.Value == "" {
			d.errorf(n.Content[i+1].Line, p, "must be a non-empty label value, got %s", describe(v))
			continue
		}
		if !model.LabelValue(v.Value).IsValid() {
			d.errorf(n.Content[i+1].Line, p, "%q is not a valid label value", v.Value)
			continue
		}
		m[name] = v.Value
	}
	return labels.FromMap(m)
}

func (d *decoder) specs(n *yaml.Node, path string, c *Config) {
	at := n
	n = resolve(n)
	const hint = "list glob patterns of spec files, relative to this file's directory, e.g. specs: [specs/*.yaml]"
	switch {
	case isNull(n):
		d.errorf(at.Line, path, "required: %s", hint)
		return
	case n.Kind != yaml.SequenceNode:
		d.errorf(at.Line, path, "must be a list of glob patterns, got %s", describe(n))
		return
	case len(n.Content) == 0:
		d.errorf(at.Line, path, "must not be empty: %s", hint)
		return
	}
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		pattern, ok := d.str(item, p, "a glob pattern such as specs/*.yaml")
		if !ok {
			if isNull(resolve(item)) {
				d.errorf(item.Line, p, "must be a glob pattern such as specs/*.yaml, got nothing")
			}
			continue
		}
		if _, err := filepath.Match(pattern, ""); err != nil {
			d.errorf(item.Line, p, "%q is not a valid glob pattern: %v", pattern, err)
			continue
		}
		c.specSources = append(c.specSources, specSource{pattern: pattern, line: item.Line})
	}
}

func (d *decoder) storage(n *yaml.Node, path string, s *StorageConfig) {
	d.mapping(n, path, []field{
		{"path", func(p string, v *yaml.Node) {
			if dir, ok := d.str(v, p, "a directory path"); ok {
				s.Path = dir
			}
		}},
		{"retention", func(p string, v *yaml.Node) { d.durationInto(v, p, &s.Retention) }},
	})
}

func (d *decoder) windows(n *yaml.Node, path string, w *WindowsConfig) {
	d.mapping(n, path, []field{
		{"min", func(p string, v *yaml.Node) {
			m, ok := d.duration(v, p)
			if !ok {
				return
			}
			if t := time.Duration(m); t < time.Minute || t%time.Minute != 0 {
				d.errorf(v.Line, p, "must be whole minutes, at least 1m, got %s", m)
				return
			}
			w.Min = m
		}},
	})
}

func (d *decoder) backfill(n *yaml.Node, path string, b *BackfillConfig) {
	d.mapping(n, path, []field{
		{"enabled", func(p string, v *yaml.Node) { d.boolean(v, p, &b.Enabled) }},
		{"max_lookback", func(p string, v *yaml.Node) { d.durationInto(v, p, &b.MaxLookback) }},
	})
}
