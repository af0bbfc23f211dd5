package generate

import (
	"bytes"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
)

// A hand-written emitter for the one YAML shape slokeeper writes, rule
// groups: a generic YAML encoder spends ~100× the time and memory of
// generating the rules, and rule files are the product's main output.
// Everything it writes is parsed back by Prometheus' own loader (Check)
// before it reaches a file, so an emitter bug cannot ship a bad file.

// keywords are the plain scalars YAML 1.1 readers take for booleans or null,
// in any case.
var keywords = []string{"true", "false", "yes", "no", "on", "off", "null", "y", "n"}

func keyword(s string) bool {
	if len(s) > len("false") {
		return false
	}
	for _, k := range keywords {
		if strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

// plain reports whether s can be written unquoted: a name such as
// slo:sli_error:rate5m, team-payments or a path, or a Prometheus duration.
func plain(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; c >= '0' && c <= '9' {
		return isDuration(s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '/':
		case i > 0 && (c >= '0' && c <= '9' || c == ':' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return !keyword(s)
}

// isDuration matches digits followed by a unit, repeated: 5m, 1h30m, 2w.
func isDuration(s string) bool {
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i || j == len(s) {
			return false
		}
		switch {
		case strings.HasPrefix(s[j:], "ms"):
			j += 2
		case strings.IndexByte("smhdwy", s[j]) >= 0:
			j++
		default:
			return false
		}
		i = j
	}
	return true
}

// printable reports whether s has no control or invalid characters.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return strings.IndexFunc(s[i:], func(r rune) bool { return !strconv.IsPrint(r) }) < 0
			}
			return false
		}
	}
	return true
}

// scalar formats s as a YAML scalar on one line, quoting only when needed.
func scalar(s string) string {
	var b bytes.Buffer
	writeScalar(&b, s)
	return b.String()
}

func writeScalar(b *bytes.Buffer, s string) {
	switch {
	case plain(s):
		b.WriteString(s)
	case printable(s):
		b.WriteByte('\'')
		for {
			i := strings.IndexByte(s, '\'')
			if i < 0 {
				break
			}
			b.WriteString(s[:i+1])
			b.WriteByte('\'')
			s = s[i+1:]
		}
		b.WriteString(s)
		b.WriteByte('\'')
	default:
		b.WriteString(strconv.Quote(s)) // YAML double quotes take Go's escapes
	}
}

// blockSafe reports whether s can be a literal block scalar (|-): several
// lines, none with leading or trailing white space, all printable.
func blockSafe(s string) bool {
	if !strings.Contains(s, "\n") || strings.HasSuffix(s, "\n") {
		return false
	}
	for l := range strings.SplitSeq(s, "\n") {
		if l == "" || l != strings.TrimSpace(l) || !printable(l) {
			return false
		}
	}
	return true
}

type emitter struct {
	b    bytes.Buffer
	keys []string // reused to sort mapping keys
	// last is the mapping written last, where in b it is: the recording rules
	// of an SLO share one label map, written once and copied after that.
	last struct {
		m          uintptr
		indent     int
		key        string
		start, end int
	}
}

const spaces = "                                "

func (e *emitter) line(indent int, s string) {
	e.b.WriteString(spaces[:indent])
	e.b.WriteString(s)
	e.b.WriteByte('\n')
}

// field writes key: value, as a block scalar when value spans lines.
func (e *emitter) field(indent int, prefix, key, value string) {
	if blockSafe(value) {
		e.line(indent, prefix+key+": |-")
		for _, l := range strings.Split(value, "\n") {
			e.line(indent+len(prefix)+2, l) // deeper than the key, which follows the prefix
		}
		return
	}
	e.b.WriteString(spaces[:indent])
	e.b.WriteString(prefix)
	e.b.WriteString(key)
	e.b.WriteString(": ")
	writeScalar(&e.b, value)
	e.b.WriteByte('\n')
}

// item writes a list item that is a scalar.
func (e *emitter) item(indent int, value string) {
	e.b.WriteString(spaces[:indent])
	e.b.WriteString("- ")
	writeScalar(&e.b, value)
	e.b.WriteByte('\n')
}

func (e *emitter) mapping(indent int, key string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	id := reflect.ValueOf(m).Pointer()
	if l := &e.last; l.m == id && l.indent == indent && l.key == key {
		written := e.b.Bytes()[l.start:l.end] // still valid if Write grows b: it copies from it
		l.start = e.b.Len()
		e.b.Write(written)
		l.end = e.b.Len()
		return
	}
	start := e.b.Len()
	defer func() {
		e.last.m, e.last.indent, e.last.key, e.last.start, e.last.end = id, indent, key, start, e.b.Len()
	}()
	e.line(indent, key+":")
	keys := e.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.keys = keys
	for _, k := range keys {
		if plain(k) {
			e.field(indent+2, "", k, m[k])
		} else {
			e.field(indent+2, "", scalar(k), m[k])
		}
	}
}

// groups writes the items of a groups: list at indent.
func (e *emitter) groups(indent int, gs []rulefmt.RuleGroup) {
	e.b.Grow(estimate(indent, gs)) // one allocation, not a dozen
	for _, g := range gs {
		e.field(indent+2, "- ", "name", g.Name)
		in := indent + 4
		if g.Interval != 0 {
			e.line(in, "interval: "+g.Interval.String())
		}
		e.mapping(in, "labels", g.Labels)
		e.line(in, "rules:")
		for _, r := range g.Rules {
			if r.Record != "" {
				e.field(in+2, "- ", "record", r.Record)
			} else {
				e.field(in+2, "- ", "alert", r.Alert)
			}
			ri := in + 4
			e.field(ri, "", "expr", r.Expr)
			if r.For != 0 {
				e.line(ri, "for: "+model.Duration(r.For).String())
			}
			if r.KeepFiringFor != 0 {
				e.line(ri, "keep_firing_for: "+model.Duration(r.KeepFiringFor).String())
			}
			e.mapping(ri, "labels", r.Labels)
			e.mapping(ri, "annotations", r.Annotations)
		}
	}
}

// estimate is a close upper bound of the bytes groups emits: growing the
// buffer by doubling would allocate twice the output.
func estimate(indent int, gs []rulefmt.RuleGroup) int {
	n := 16
	perLine := indent + 16
	for _, g := range gs {
		n += len(g.Name) + 4*perLine
		for _, r := range g.Rules {
			n += len(r.Record) + len(r.Alert) + len(r.Expr) + 4*perLine + 16
			for k, v := range r.Labels {
				n += len(k) + len(v) + perLine
			}
			for k, v := range r.Annotations {
				n += len(k) + len(v) + perLine
			}
		}
	}
	return n
}
