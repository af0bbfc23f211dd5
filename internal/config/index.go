package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxEntries bounds the index of one file. Aliases are not expanded, so only
// a file this large in plain text can reach it.
const maxEntries = 1 << 20

// entry is one field or list item of the file: its path, its key (nil for a
// list item) and its value.
type entry struct {
	path  string
	key   *yaml.Node
	value *yaml.Node
}

// line is where the entry starts: its key, or the item itself.
func (e entry) line() int {
	if e.key != nil {
		return e.key.Line
	}
	return e.value.Line
}

// index locates field paths in the yaml.v3 node tree of a file, for errors
// that yaml.v2 (Prometheus' decoder) reports without a line or without a path.
type index struct {
	entries []entry // document order
	byPath  map[string]int
	byLine  map[int][]int // entries whose key or value starts on a line
}

func newIndex(root *yaml.Node) *index {
	ix := &index{byPath: map[string]int{}, byLine: map[int][]int{}}
	if root != nil {
		ix.walk(root, "")
	}
	return ix
}

func (ix *index) add(e entry) {
	if len(ix.entries) >= maxEntries {
		return
	}
	i := len(ix.entries)
	if _, ok := ix.byPath[e.path]; !ok {
		ix.byPath[e.path] = i
	}
	ix.byLine[e.line()] = append(ix.byLine[e.line()], i)
	if e.value.Line != e.line() {
		ix.byLine[e.value.Line] = append(ix.byLine[e.value.Line], i)
	}
	ix.entries = append(ix.entries, e)
}

// walk records every field and item under n. Aliases are recorded where they
// stand, not followed: their target was recorded where it was defined.
func (ix *index) walk(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinPath(path, k.Value)
			ix.add(entry{path: p, key: k, value: v})
			ix.walk(v, p)
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			ix.add(entry{path: p, value: v})
			ix.walk(v, p)
		}
	}
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// lineOf is the line where path starts, or 0 when the file does not have it.
func (ix *index) lineOf(path string) int {
	if i, ok := ix.byPath[path]; ok {
		return ix.entries[i].line()
	}
	return 0
}

// pathAt names the field that a yaml.v2 error at line is about. field is the
// field or key name the message names, if any; tag is the YAML tag of the
// offending value for type errors ("!!map", "!!seq", "!!str" …), if any.
func (ix *index) pathAt(line int, field, tag string) string {
	for _, i := range ix.byLine[line] {
		e := ix.entries[i]
		switch {
		case field != "":
			if e.key != nil && e.key.Line == line && e.key.Value == field {
				return e.path
			}
		case tag != "":
			// yaml.v2 reports a type error at the value, which for a block
			// collection is below its key: match the value's line and kind.
			if e.value.Line == line && kindOfTag(tag) == e.value.Kind {
				return e.path
			}
		default:
			if e.line() == line {
				return e.path
			}
		}
	}
	return ""
}

func kindOfTag(tag string) yaml.Kind {
	switch tag {
	case "!!map":
		return yaml.MappingNode
	case "!!seq":
		return yaml.SequenceNode
	}
	return yaml.ScalarNode
}

// subtree is the entry at path and every entry below it: they follow each
// other in document order.
func (ix *index) subtree(path string) []entry {
	start, ok := ix.byPath[path]
	if !ok {
		return nil
	}
	end := start + 1
	for end < len(ix.entries) {
		p := ix.entries[end].path
		if !strings.HasPrefix(p, path+".") && !strings.HasPrefix(p, path+"[") {
			break
		}
		end++
	}
	return ix.entries[start:end]
}

var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// locate places an error that Prometheus' unmarshalling or validation
// returned, without a line, for the block at path. When the message quotes a
// value that appears exactly once in the block (`not a valid duration string:
// "5x"`, `"http://am/" is not a valid hostname`), the error is placed at that
// value's field; otherwise at the block.
func (ix *index) locate(path, msg string) (string, int) {
	for _, q := range quotedRE.FindAllString(msg, -1) {
		v, err := strconv.Unquote(q)
		if err != nil || v == "" {
			continue
		}
		var found []entry
		for _, e := range ix.subtree(path) {
			if e.value.Kind == yaml.ScalarNode && e.value.Value == v {
				found = append(found, e)
			}
		}
		if len(found) == 1 {
			return found[0].path, found[0].line()
		}
	}
	return path, ix.lineOf(path)
}
