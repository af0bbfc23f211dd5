package spec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// decoder maps a YAML node tree onto the spec structs by their yaml tags,
// strictly, recording the line of every field path for later validation.
type decoder struct {
	file  string
	errs  Errors
	lines map[string]int
	nodes int
	// mistyped are paths of fields written with the wrong case.
	mistyped []string
}

func (d *decoder) errorf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Types with their own YAML decoding (model.Duration, Number) are decoded by
// yaml.v3, in either of its two unmarshaler styles.
var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	obsoleteType    = reflect.TypeFor[interface{ UnmarshalYAML(func(any) error) error }]()
	durationType    = reflect.TypeFor[*model.Duration]()
	dependencyType  = reflect.TypeFor[Dependency]()
)

// mergeKeyMsg explains that this walker does not expand "<<: *anchor".
const mergeKeyMsg = "YAML merge keys (<<) are not supported: alias a whole value (field: *anchor) or repeat the fields"

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// resolveKey resolves an alias used as a mapping key, keeping the alias's
// line for errors.
func resolveKey(k *yaml.Node) *yaml.Node {
	if k.Kind != yaml.AliasNode {
		return k
	}
	r := *resolve(k)
	r.Line, r.Column = k.Line, k.Column
	return &r
}

func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	n = resolve(n)
	d.nodes++
	if d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.errorf(n.Line, path, "document too large (over %d nodes, aliases expanded): split it into smaller files or use fewer aliases", maxNodes)
		}
		return
	}
	if _, ok := d.lines[path]; !ok {
		d.lines[path] = n.Line
	}
	isNull := n.Kind == yaml.ScalarNode && n.Tag == "!!null"
	if v.Kind() == reflect.Pointer {
		if isNull {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.Type() == dependencyType {
		d.decodeDependency(n, path, v)
		return
	}
	if pv := v.Addr(); pv.Type().Implements(unmarshalerType) || pv.Type().Implements(obsoleteType) {
		if err := n.Decode(pv.Interface()); err != nil {
			if pv.Type() == durationType {
				d.errorf(n.Line, path, "must be a duration such as 30d, 12h or 400ms, got %s", describe(n))
				return
			}
			d.errorf(n.Line, path, "%s", cleanYAMLError(err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	case reflect.Slice:
		if isNull {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n.Line, path, "must be a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if !isNull {
			d.decodeMap(n, path, v)
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode || isNull {
			d.errorf(n.Line, path, "must be a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	default:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, path, "must be a %s, got %s", kindName(v.Kind()), describe(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.errorf(n.Line, path, "must be a %s, got %s", kindName(v.Kind()), describe(n))
		}
	}
}

// decodeMap reads a mapping of strings (labels, annotations) into the map v.
func (d *decoder) decodeMap(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "must be a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolveKey(n.Content[i]), n.Content[i+1]
		kp := path + "." + k.Value
		if k.Tag == "!!merge" {
			d.errorf(k.Line, path, mergeKeyMsg)
			continue
		}
		if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
			d.errorf(k.Line, kp, "key %s appears twice", quote(k.Value))
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, kp, e)
		m.SetMapIndex(reflect.ValueOf(k.Value), e)
	}
	v.Set(m)
}

// decodeDependency reads a dependsOn entry in either of its forms: an id, or a mapping of slo and relation.
func (d *decoder) decodeDependency(n *yaml.Node, path string, v reflect.Value) {
	dep := v.Addr().Interface().(*Dependency)
	switch n.Kind {
	case yaml.MappingNode:
		dep.mapping = true
		d.decodeStruct(n, path, v)
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			d.errorf(n.Line, path, "must be an SLO id service/name, or a mapping of slo and relation, got nothing")
			return
		}
		dep.SLO = n.Value
	default:
		d.errorf(n.Line, path, "must be an SLO id service/name, or a mapping of slo and relation, got %s", describe(n))
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "must be a mapping, got %s", describe(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolveKey(n.Content[i]), n.Content[i+1]
		kp := join(path, k.Value)
		idx, ok := fields[k.Value]
		if k.Tag == "!!merge" {
			// Reported at the mapping, whose fields the merge would set.
			d.errorf(k.Line, path, mergeKeyMsg)
			continue
		}
		if !ok {
			hint := suggest(k.Value, names)
			if hint != "" {
				// The field is there, misspelt: do not also call it missing.
				d.mistyped = append(d.mistyped, join(path, hint))
				hint = fmt.Sprintf(", did you mean %q?", hint)
			}
			d.errorf(k.Line, kp, "unknown field %s%s (valid: %s)", quote(k.Value), hint, strings.Join(names, ", "))
			continue
		}
		if seen[k.Value] {
			d.errorf(k.Line, kp, "field %s appears twice", quote(k.Value))
			continue
		}
		seen[k.Value] = true
		d.lines[kp] = k.Line
		d.decode(val, kp, v.Field(idx))
	}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// suggest names a field that differs only in case, the commonest typo.
func suggest(got string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, got) {
			return n
		}
	}
	return ""
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Float64:
		return "number"
	}
	return k.String()
}

// cleanYAMLError drops the "yaml: unmarshal errors:\n  line N:" wrapping, the
// line is reported separately.
func cleanYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		s := te.Errors[0]
		if i := strings.Index(s, ": "); strings.HasPrefix(s, "line ") && i > 0 {
			s = s[i+2:]
		}
		return s
	}
	return err.Error()
}
