package spec

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Edit sets one field of one SLO in a spec file.
type Edit struct {
	// SLO is the SLO's id, service/name; the file's service must be its service.
	SLO string
	// Field is the field's path below the SLO, its keys joined by dots as they are written in the file:
	// "objective", "sli.latency.threshold", "review.lastReviewed".
	Field string
	// Value is the field's new value, one line. A value replacing another keeps its quotes when it can be
	// written in them; otherwise, and in a new key, it is written as it is when YAML reads it back as the
	// same text (a word, a number such as 99.95, a date such as 2026-07-01), and in quotes when not.
	Value string
}

// Patch applies edits to the content of one spec file and returns the new content. It finds the nodes to
// change in the YAML node tree and splices the new values into the original text at their positions, so
// comments, blank lines, folded text and quoting stay byte for byte as they were, everywhere else. A field
// that is not there is added at the end of its mapping, indented like its keys (block style) or after its
// last entry (flow style), with the mappings on its path that are missing too.
//
// A value Patch cannot replace in place, one that other places share through an anchor or an alias, or that
// spans several lines, is an error that says to edit it by hand. Errors name the file, the line and the
// field (slos[1].objective), as the loader's do. The new content is checked as Parse checks a file, except
// for what needs the other files (dependencies on their SLOs, duplicate ids): an edit that makes the file
// invalid is an error, and Patch returns no content. PatchFiles checks the files together.
func Patch(file string, data []byte, edits []Edit) ([]byte, error) {
	out, err := patch(file, data, edits)
	if err != nil {
		return nil, err
	}
	if _, errs := parse(file, out); len(errs) > 0 {
		errs.Sort()
		return nil, fmt.Errorf("the edited spec does not load:\n%w", errs)
	}
	return out, nil
}

// PatchFiles applies edits, by file, to spec files. files are every spec file loaded, each file of edits
// among them: all are read, the edited ones patched, and the edited contents loaded together with the others
// (every check of Load, across files too) and handed to check, when not nil, before any file is written; then
// each edited file is replaced atomically. It returns the files written, in the order of files. An edit that
// cannot be made, contents that do not load and a refusal of check write nothing; a file that cannot be
// written ends the writing, and the files written before it are returned with the error.
func PatchFiles(files []string, edits map[string][]Edit, check func(loaded []*slo.SLO) error) ([]string, error) {
	for f := range edits {
		if !slices.Contains(files, f) {
			return nil, fmt.Errorf("%s: not among the spec files", f)
		}
	}
	sources := make([]Source, len(files))
	var edited []int
	for i, f := range files {
		data, err := ReadFile(f) // a regular file, bounded, as the loader reads it
		if err != nil {
			return nil, fmt.Errorf("couldn't read %s: %w", f, err)
		}
		sources[i] = Source{File: f, Data: data}
		if len(edits[f]) == 0 {
			continue
		}
		if sources[i].Data, err = patch(f, data, edits[f]); err != nil {
			return nil, err
		}
		edited = append(edited, i)
	}
	loaded, err := LoadSources(sources)
	if err != nil {
		return nil, fmt.Errorf("the edited specs do not load, nothing written:\n%w", err)
	}
	if check != nil {
		if err := check(loaded); err != nil {
			return nil, err
		}
	}
	written := make([]string, 0, len(edited))
	for _, i := range edited {
		if err := atomicfile.WriteFile(sources[i].File, sources[i].Data); err != nil {
			return written, fmt.Errorf("couldn't write %s: %w", sources[i].File, err)
		}
		written = append(written, sources[i].File)
	}
	return written, nil
}

// assign is a value to set at a path of keys below a mapping.
type assign struct {
	path  []string
	value string
}

// patchError is a problem at a line and a field below the SLO, for an Error.
type patchError struct {
	line  int
	field string
	msg   string
}

// patch splices edits into data, unchecked.
func patch(file string, data []byte, edits []Edit) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlSyntaxError(file, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	_, seq := lookup(root, "slos")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, &Error{File: file, Line: root.Line, Path: "slos", Msg: "no slos list to edit"}
	}
	_, service := lookup(root, "service")
	t := newText(data)
	var ops []splice
	for _, id := range editedSLOs(edits) {
		i, item, err := findSLO(seq, service, id)
		if err != nil {
			return nil, &Error{File: file, Line: seq.Line, Path: "slos", Msg: err.Error()}
		}
		as, perr := assigns(item, edits, id)
		if perr == nil {
			var sops []splice
			sops, perr = t.set(item, "", as)
			ops = append(ops, sops...)
		}
		if perr != nil {
			return nil, &Error{File: file, Line: perr.line, Path: fmt.Sprintf("slos[%d].%s", i, perr.field), Msg: perr.msg}
		}
	}
	return t.apply(ops), nil
}

// assigns are the edits of the SLO id, checked: each field a path of keys, set once, and not both as a value
// and as a mapping.
func assigns(item *yaml.Node, edits []Edit, id string) ([]assign, *patchError) {
	var as []assign
	var fields []string
	for _, e := range edits {
		if e.SLO != id {
			continue
		}
		path := strings.Split(e.Field, ".")
		if slices.Contains(path, "") {
			return nil, &patchError{item.Line, e.Field, "not a field path (keys joined by dots)"}
		}
		for _, f := range fields {
			if f == e.Field || strings.HasPrefix(e.Field, f+".") || strings.HasPrefix(f, e.Field+".") {
				return nil, &patchError{item.Line, e.Field, "set twice, or both as a value and as a mapping"}
			}
		}
		fields = append(fields, e.Field)
		as = append(as, assign{path, e.Value})
	}
	return as, nil
}

// editedSLOs are the ids of the edits' SLOs, each once, in order.
func editedSLOs(edits []Edit) []string {
	var ids []string
	for _, e := range edits {
		if !slices.Contains(ids, e.SLO) {
			ids = append(ids, e.SLO)
		}
	}
	return ids
}

// findSLO returns the index and the node of the SLO with id in the slos list seq of the service's file.
func findSLO(seq, service *yaml.Node, id string) (int, *yaml.Node, error) {
	svc, name, ok := strings.Cut(id, "/")
	if !ok {
		return 0, nil, fmt.Errorf("%q is not an SLO id (service/name)", id)
	}
	if service == nil || service.Value != svc {
		return 0, nil, fmt.Errorf("no SLO %q: the file is not the service %q's", id, svc)
	}
	for i, item := range seq.Content {
		if _, n := lookup(item, "name"); n != nil && n.Value == name {
			return i, item, nil
		}
	}
	return 0, nil, fmt.Errorf("no SLO named %q", name)
}

// lookup returns the key and value nodes of key in mapping m (nil when absent).
func lookup(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// set splices the assignments into mapping m, whose path below the SLO is prefix: values that are there are
// replaced, the others added at the end of their mapping (block or flow style), with the mappings on their
// path that are missing.
func (t *text) set(m *yaml.Node, prefix string, as []assign) ([]splice, *patchError) {
	if err := shared(m); err != nil {
		return nil, &patchError{m.Line, strings.TrimSuffix(prefix, "."), err.Error()}
	}
	var ops []splice
	var added []assign
	for _, g := range byKey(as) {
		field := prefix + g.key
		k, v := lookup(m, g.key)
		fail := func(line int, err error) *patchError { return &patchError{line, field, err.Error()} }
		// "key:" with nothing after it, in a block mapping: the value goes after the key, a mapping below it.
		empty := v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Value == "" &&
			m.Style&yaml.FlowStyle == 0 && t.at(v) == t.lineEnd(k.Line)
		switch {
		case v == nil:
			added = append(added, prepend(g.key, g.rest)...)
		case g.leaf && empty:
			text, err := scalar(g.rest[0].value)
			if err != nil {
				return nil, fail(k.Line, err)
			}
			ops = append(ops, splice{t.at(v), t.at(v), " " + text})
		case g.leaf:
			op, err := t.replace(v, g.rest[0].value)
			if err != nil {
				return nil, fail(v.Line, err)
			}
			ops = append(ops, op)
		case empty:
			text, err := block(g.rest, strings.Repeat(" ", k.Column+1))
			if err != nil {
				return nil, fail(k.Line, err)
			}
			ops = append(ops, t.insertAfter(k.Line, text))
		case v.Kind != yaml.MappingNode:
			if err := shared(v); err != nil {
				return nil, fail(v.Line, err)
			}
			return nil, fail(v.Line, fmt.Errorf("must be a mapping to be edited, got %s", describe(v)))
		default:
			sub, perr := t.set(v, field+".", g.rest)
			if perr != nil {
				return nil, perr
			}
			ops = append(ops, sub...)
		}
	}
	if len(added) == 0 {
		return ops, nil
	}
	op, err := t.add(m, added)
	if err != nil {
		return nil, &patchError{m.Line, prefix + strings.Join(added[0].path, "."), err.Error()}
	}
	return append(ops, op), nil
}

// add adds the assignments at the end of mapping m.
func (t *text) add(m *yaml.Node, as []assign) (splice, error) {
	if m.Style&yaml.FlowStyle != 0 {
		entries, err := flow(as)
		if err != nil {
			return splice{}, err
		}
		return t.insertInFlow(m, entries)
	}
	lines, err := block(as, strings.Repeat(" ", m.Content[0].Column-1))
	if err != nil {
		return splice{}, err
	}
	return t.insertAtEnd(m, lines), nil
}

// keyGroup is the assignments under one key: the value of the key (leaf), or the assignments below it.
type keyGroup struct {
	key  string
	leaf bool
	rest []assign // the paths below key
}

// byKey groups assignments by their first key, in order.
func byKey(as []assign) []keyGroup {
	var gs []keyGroup
	for _, a := range as {
		i := slices.IndexFunc(gs, func(g keyGroup) bool { return g.key == a.path[0] })
		if i < 0 {
			i = len(gs)
			gs = append(gs, keyGroup{key: a.path[0], leaf: len(a.path) == 1})
		}
		gs[i].rest = append(gs[i].rest, assign{a.path[1:], a.value})
	}
	return gs
}

// prepend puts key in front of the assignments' paths.
func prepend(key string, as []assign) []assign {
	out := make([]assign, len(as))
	for i, a := range as {
		out[i] = assign{append([]string{key}, a.path...), a.value}
	}
	return out
}

// block renders assignments as block mapping lines indented by pad.
func block(as []assign, pad string) (string, error) {
	var b strings.Builder
	for _, g := range byKey(as) {
		if g.leaf {
			v, err := scalar(g.rest[0].value)
			if err != nil {
				return "", err
			}
			b.WriteString(pad + g.key + ": " + v + "\n")
			continue
		}
		sub, err := block(g.rest, pad+"  ")
		if err != nil {
			return "", err
		}
		b.WriteString(pad + g.key + ":\n" + sub)
	}
	return b.String(), nil
}

// flow renders assignments as the entries of a flow mapping, "key: value, key: {key: value}".
func flow(as []assign) (string, error) {
	var entries []string
	for _, g := range byKey(as) {
		if g.leaf {
			v, err := scalar(g.rest[0].value)
			if err != nil {
				return "", err
			}
			entries = append(entries, g.key+": "+v)
			continue
		}
		sub, err := flow(g.rest)
		if err != nil {
			return "", err
		}
		entries = append(entries, g.key+": {"+sub+"}")
	}
	return strings.Join(entries, ", "), nil
}
