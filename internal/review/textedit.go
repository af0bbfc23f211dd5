package review

// Editing YAML text in place: spans of nodes, splices, so that everything the edit does not touch (comments,
// quoting, layout) stays byte for byte.

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// splice replaces data[start:end] with text.
type splice struct {
	start, end int
	text       string
}

// text is a file's content with the offsets of its lines.
type text struct {
	data  []byte
	lines []int // offset of each line's start; lines[0] is line 1
}

func (t *text) index() {
	t.lines = []int{0}
	for i, c := range t.data {
		if c == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
}

// lineStart is the offset of 1-based line n (the end of the data past the last line).
func (t *text) lineStart(n int) int {
	if n-1 < len(t.lines) {
		return t.lines[n-1]
	}
	return len(t.data)
}

// lineEnd is the offset of the end of line n, before its newline.
func (t *text) lineEnd(n int) int {
	end := t.lineStart(n + 1)
	if end > 0 && end <= len(t.data) && n < len(t.lines) && t.data[end-1] == '\n' {
		end--
	}
	return end
}

// at is the offset of node n (its line and column, the column counted in characters).
func (t *text) at(n *yaml.Node) int {
	off := t.lineStart(n.Line)
	for c := 1; c < n.Column && off < len(t.data) && t.data[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(t.data[off:])
		off += size
	}
	return off
}

// span is the extent of a one-line scalar node in the text.
func (t *text) span(n *yaml.Node) (int, int, error) {
	if n == nil {
		return 0, 0, errors.New("not set")
	}
	if n.Kind == yaml.AliasNode {
		return 0, 0, fmt.Errorf("is an alias (*%s) shared with other places; edit it by hand", n.Value)
	}
	if n.Kind != yaml.ScalarNode || strings.Contains(n.Value, "\n") || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return 0, 0, errors.New("is not a one-line value; edit it by hand")
	}
	start := t.at(n)
	if n.Anchor != "" {
		return 0, 0, fmt.Errorf("carries the anchor &%s, shared with other places; edit it by hand", n.Anchor)
	}
	rest := t.data[start:]
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := 1; i < len(rest) && rest[i] != '\n'; i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return start, start + i + 1, nil
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := 1; i < len(rest) && rest[i] != '\n'; i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return start, start + i + 1, nil
			}
		}
	case bytes.HasPrefix(rest, []byte(n.Value)):
		return start, start + len(n.Value), nil
	}
	return 0, 0, errors.New("couldn't find its text; edit it by hand")
}

// replace replaces a scalar with value, in the same quotes as before.
func (t *text) replace(n *yaml.Node, value string) (splice, error) {
	s, e, err := t.span(n)
	if err != nil {
		return splice{}, err
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0 && !strings.ContainsAny(value, `"\`):
		value = `"` + value + `"`
	case n.Style&yaml.SingleQuotedStyle != 0 && !strings.Contains(value, "'"):
		value = "'" + value + "'"
	}
	return splice{s, e, value}, nil
}

// insertAtEnd inserts lines (each ending in a newline) after the last line of block mapping m: after the
// last line, following the mapping's first key, that is indented at least as deep as its keys, leaving out
// trailing blank lines and comments indented less (they belong to what follows).
func (t *text) insertAtEnd(m *yaml.Node, lines string) splice {
	first := m.Content[0]
	indent := first.Column - 1
	last := first.Line
	nlines := len(t.lines)
	if len(t.data) > 0 && t.data[len(t.data)-1] == '\n' {
		nlines-- // the empty "line" after the final newline
	}
scan:
	for n := first.Line + 1; n <= nlines; n++ {
		line := string(t.data[t.lineStart(n):t.lineEnd(n)])
		trimmed := strings.TrimLeft(line, " ")
		depth := len(line) - len(trimmed)
		switch {
		case trimmed == "":
		case strings.HasPrefix(trimmed, "#"):
			if depth >= indent {
				last = n
			}
		case depth < indent:
			break scan // the mapping ended
		default:
			last = n
		}
	}
	off := t.lineStart(last + 1)
	if off == len(t.data) && (len(t.data) == 0 || t.data[len(t.data)-1] != '\n') {
		lines = "\n" + lines
	}
	return splice{off, off, lines}
}

// apply performs the splices, which must not overlap.
func (t *text) apply(ops []splice) []byte {
	slices.SortStableFunc(ops, func(a, b splice) int { return b.start - a.start })
	out := slices.Clone(t.data)
	for _, op := range ops {
		out = slices.Concat(out[:op.start], []byte(op.text), out[op.end:])
	}
	return out
}

// flowEnd is the offset after the '}' that closes the flow mapping opening at start.
func flowEnd(data []byte, start int) (int, error) {
	depth := 0
	for i := start; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(data); i++ {
				if data[i] == '\'' {
					if i+1 < len(data) && data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, errors.New("couldn't find the end of the flow mapping; edit it by hand")
}
