package spec

// Editing YAML text in place, for Patch: the spans of nodes and splices into the original text, so that
// everything an edit does not touch (comments, quoting, layout) stays byte for byte.

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
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

func newText(data []byte) *text {
	t := &text{data: data, lines: []int{0}}
	for i, c := range data {
		if c == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	return t
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

// shared refuses a node that other places share: an alias, or one that carries an anchor.
func shared(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return fmt.Errorf("is an alias (*%s) shared with other places; edit it by hand", n.Value)
	case n.Anchor != "":
		return fmt.Errorf("carries the anchor &%s, shared with other places; edit it by hand", n.Anchor)
	}
	return nil
}

// span is the extent of a one-line scalar node in the text.
func (t *text) span(n *yaml.Node) (int, int, error) {
	if err := shared(n); err != nil {
		return 0, 0, err
	}
	if n.Kind != yaml.ScalarNode || strings.Contains(n.Value, "\n") || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return 0, 0, errors.New("is not a one-line value; edit it by hand")
	}
	start := t.at(n)
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

// end is the offset after node n in the text: after a one-line scalar or alias, or after the bracket that
// closes a flow collection.
func (t *text) end(n *yaml.Node) (int, error) {
	switch {
	case n.Kind == yaml.AliasNode:
		return t.at(n) + 1 + len(n.Value), nil
	case n.Anchor != "":
		return 0, errors.New("the last entry carries an anchor; edit it by hand")
	case n.Kind != yaml.ScalarNode && n.Style&yaml.FlowStyle != 0:
		return flowEnd(t.data, t.at(n))
	}
	_, e, err := t.span(n)
	return e, err
}

// replace replaces a scalar with value, in the same quotes as before when value can be written in them.
func (t *text) replace(n *yaml.Node, value string) (splice, error) {
	s, e, err := t.span(n)
	if err != nil {
		return splice{}, err
	}
	text, err := scalar(value)
	if err != nil {
		return splice{}, err
	}
	printable := !strings.ContainsFunc(value, func(r rune) bool { return !unicode.IsPrint(r) })
	switch {
	case printable && n.Style&yaml.DoubleQuotedStyle != 0 && !strings.ContainsAny(value, `"\`):
		text = `"` + value + `"`
	case printable && n.Style&yaml.SingleQuotedStyle != 0 && !strings.Contains(value, "'"):
		text = "'" + value + "'"
	}
	return splice{s, e, text}, nil
}

// scalar writes value as a one-line YAML scalar: as it is when YAML reads that back as the same text (a word,
// a number, a date) and not as null, otherwise in quotes.
func scalar(value string) (string, error) {
	if strings.ContainsAny(value, "\n\r") {
		return "", errors.New("the value must be one line")
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(value), &doc) == nil && len(doc.Content) == 1 {
		n := doc.Content[0]
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Value == value && n.Tag != "!!null" && n.LineComment == "" {
			return value, nil
		}
	}
	out, err := yaml.Marshal(value)
	if s := strings.TrimSuffix(string(out), "\n"); err == nil && !strings.Contains(s, "\n") {
		return s, nil
	}
	return strconv.Quote(value), nil // YAML's double quotes take Go's escapes
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
	return t.insertAfter(last, lines)
}

// insertAfter inserts lines (each ending in a newline) after line n.
func (t *text) insertAfter(n int, lines string) splice {
	off := t.lineStart(n + 1)
	if off == len(t.data) && (len(t.data) == 0 || t.data[len(t.data)-1] != '\n') {
		lines = "\n" + lines
	}
	return splice{off, off, lines}
}

// insertInFlow inserts entries ("key: value, …") at the end of flow mapping m, after its last entry.
func (t *text) insertInFlow(m *yaml.Node, entries string) (splice, error) {
	if len(m.Content) == 0 {
		off := t.at(m) + 1 // after the {
		return splice{off, off, entries}, nil
	}
	off, err := t.end(m.Content[len(m.Content)-1])
	if err != nil {
		return splice{}, err
	}
	return splice{off, off, ", " + entries}, nil
}

// apply performs the splices, which must not overlap; splices at the same offset keep their order.
func (t *text) apply(ops []splice) []byte {
	slices.SortStableFunc(ops, func(a, b splice) int { return a.start - b.start })
	var out bytes.Buffer
	at := 0
	for _, op := range ops {
		out.Write(t.data[at:op.start])
		out.WriteString(op.text)
		at = op.end
	}
	out.Write(t.data[at:])
	return out.Bytes()
}

// flowEnd is the offset after the bracket that closes the flow collection opening at start.
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
	return 0, errors.New("couldn't find the end of the flow collection; edit it by hand")
}
