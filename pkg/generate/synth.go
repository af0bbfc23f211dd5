package generate

import (
	"regexp/syntax"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// candidates are label values tried, after the ones the matchers suggest,
// when a test needs a series that does or does not match a selector.
var candidates = []string{"200", "2xx", "ok", "success", "true", "0", "1", "GET", "x", "y", ""}

// selectorMatchers parses a plain series selector.
func selectorMatchers(sel string) ([]*labels.Matcher, bool) {
	e, err := promql.ParseExpr(sel)
	if err != nil {
		return nil, false
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok {
		return nil, false
	}
	return vs.LabelMatchers, true
}

// matches reports whether the label set l (name included) is selected.
func matches(ms []*labels.Matcher, l map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(l[m.Name]) {
			return false
		}
	}
	return true
}

// satisfy builds a label set that the matchers select, starting from base.
// It fails when no candidate value fits a label's matchers.
func satisfy(ms []*labels.Matcher, base map[string]string) (map[string]string, bool) {
	out := make(map[string]string, len(base)+len(ms))
	for k, v := range base {
		out[k] = v
	}
	byName := map[string][]*labels.Matcher{}
	var names []string
	for _, m := range ms {
		if _, ok := byName[m.Name]; !ok {
			names = append(names, m.Name)
		}
		byName[m.Name] = append(byName[m.Name], m)
	}
	sort.Strings(names)
	for _, n := range names {
		group := byName[n]
		if v, ok := out[n]; ok && matchAll(group, v) {
			continue
		}
		v, ok := pick(group, nil)
		if !ok {
			return nil, false
		}
		set(out, n, v)
	}
	return out, true
}

// violate changes one label of l so that avoid no longer selects it while
// keep still does.
func violate(l map[string]string, keep, avoid []*labels.Matcher) (map[string]string, bool) {
	for _, m := range avoid {
		var keepSame []*labels.Matcher
		for _, k := range keep {
			if k.Name == m.Name {
				keepSame = append(keepSame, k)
			}
		}
		v, ok := pick(keepSame, m)
		if !ok {
			continue
		}
		out := make(map[string]string, len(l))
		for k, x := range l {
			out[k] = x
		}
		set(out, m.Name, v)
		if matches(keep, out) && !matches(avoid, out) {
			return out, true
		}
	}
	return nil, false
}

func set(l map[string]string, name, v string) {
	if v == "" {
		delete(l, name)
		return
	}
	l[name] = v
}

func matchAll(ms []*labels.Matcher, v string) bool {
	for _, m := range ms {
		if !m.Matches(v) {
			return false
		}
	}
	return true
}

// pick finds a value all of ms accept and notM (if given) rejects.
func pick(ms []*labels.Matcher, notM *labels.Matcher) (string, bool) {
	var tries []string
	// Values that notM's own pattern names are the likeliest to fail it.
	if notM != nil && (notM.Type == labels.MatchNotEqual || notM.Type == labels.MatchNotRegexp) {
		tries = appendNamed(tries, notM)
	}
	for _, m := range ms {
		if m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp {
			tries = appendNamed(tries, m)
		}
	}
	tries = append(tries, candidates...)
	for _, v := range tries {
		if matchAll(ms, v) && (notM == nil || !notM.Matches(v)) {
			return v, true
		}
	}
	return "", false
}

// appendNamed appends the value m's pattern names: its value, or the
// shortest match of its regular expression.
func appendNamed(tries []string, m *labels.Matcher) []string {
	if m.Type == labels.MatchEqual || m.Type == labels.MatchNotEqual {
		return append(tries, m.Value)
	}
	if s, ok := shortestMatch(m.Value); ok {
		return append(tries, s)
	}
	return tries
}

// shortestMatch returns a short string the regular expression matches: the
// first branch of every alternation, the minimum of every repetition, '0'
// for any character.
func shortestMatch(re string) (string, bool) {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !gen(&b, r.Simplify()) {
		return "", false
	}
	return b.String(), true
}

func gen(b *strings.Builder, r *syntax.Regexp) bool {
	switch r.Op {
	case syntax.OpLiteral:
		b.WriteString(string(r.Rune))
	case syntax.OpCharClass:
		if len(r.Rune) == 0 {
			return false
		}
		lo, hi := r.Rune[0], r.Rune[1]
		c := lo
		if lo <= '0' && '0' <= hi {
			c = '0'
		}
		b.WriteRune(c)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('0')
	case syntax.OpCapture, syntax.OpPlus:
		return gen(b, r.Sub[0])
	case syntax.OpRepeat:
		for range r.Min {
			if !gen(b, r.Sub[0]) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, s := range r.Sub {
			if !gen(b, s) {
				return false
			}
		}
	case syntax.OpAlternate:
		return gen(b, r.Sub[0])
	case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch,
		syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	default:
		return false
	}
	return true
}

// seriesString formats a label set as a promtool input series.
func seriesString(l map[string]string) string {
	name := l[labels.MetricName]
	rest := make(map[string]string, len(l))
	for k, v := range l {
		if k != labels.MetricName {
			rest[k] = v
		}
	}
	return name + labels.FromMap(rest).String()
}
