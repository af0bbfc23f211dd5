package evaluator

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// loader is a rules.GroupLoader that serves validated groups from memory instead of reading rule files, and the
// expressions Update parsed while validating them, so that each is parsed once.
type loader struct {
	parser parser.Parser

	mtx sync.Mutex
	set *loadSet
}

// loadSet is what one Update loads: groups by identifier, and their validated expressions by text (textExpr:
// immutable, so rules with the same text share one).
type loadSet struct {
	groups map[string]*rulefmt.RuleGroups
	exprs  map[string]parser.Expr
}

// swap installs set and returns the previous one.
func (l *loader) swap(set *loadSet) *loadSet {
	l.mtx.Lock()
	defer l.mtx.Unlock()
	prev := l.set
	l.set = set
	return prev
}

// Load implements rules.GroupLoader. The groups were validated by Update, so the arguments that tune parsing
// do not apply.
func (l *loader) Load(identifier string, _ bool, _ model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	l.mtx.Lock()
	defer l.mtx.Unlock()
	if l.set != nil {
		if rgs, ok := l.set.groups[identifier]; ok {
			return rgs, nil
		}
	}
	return nil, []error{fmt.Errorf("%s: no such rule groups", identifier)}
}

// Parse implements rules.GroupLoader: an expression Update parsed, or a new parse.
func (l *loader) Parse(query string) (parser.Expr, error) {
	l.mtx.Lock()
	if l.set != nil {
		if e, ok := l.set.exprs[query]; ok {
			l.mtx.Unlock()
			return e, nil
		}
	}
	l.mtx.Unlock()
	return l.parser.ParseExpr(query)
}

// validate checks the groups as rulefmt.Parse does, but for alert templates, parses their expressions (keeping
// only their text and type, in set.exprs) and adds them to set. It does not parse a YAML rendering of them: the groups come from pkg/generate,
// whose templates are proven by its tests, and every user string in them was checked when the specs were
// validated (pkg/spec).
func validate(set *loadSet, id string, groups []rulefmt.RuleGroup, p parser.Parser) error {
	if id == "" {
		return errors.New("rule groups need an identifier, got an empty one")
	}
	names := make(map[string]bool, len(groups))
	for _, g := range groups {
		switch {
		case g.Name == "":
			return fmt.Errorf("%s: a rule group has no name", id)
		case names[g.Name]:
			return fmt.Errorf("%s: group %q is repeated in the same file", id, g.Name)
		}
		names[g.Name] = true
		for i, r := range g.Rules {
			if (r.Record == "") == (r.Alert == "") || r.Expr == "" {
				return fmt.Errorf("%s: group %q, rule %d: a rule needs an expression and one of record or alert", id, g.Name, i+1)
			}
			if r.Record != "" && !model.UTF8Validation.IsValidMetricName(r.Record) {
				return fmt.Errorf("%s: group %q, rule %d: invalid recording rule name %q", id, g.Name, i+1, r.Record)
			}
			e, err := p.ParseExpr(r.Expr)
			if err != nil {
				return fmt.Errorf("%s: group %q, rule %d: could not parse expression: %w", id, g.Name, i+1, err)
			}
			set.exprs[r.Expr] = textExpr{text: r.Expr, typ: e.Type()}
		}
	}
	set.groups[id] = &rulefmt.RuleGroups{Groups: groups}
	return nil
}

// fingerprint hashes groups: equal fingerprints, equal groups (but for a hash collision, one in 2^64).
func fingerprint(groups []rulefmt.RuleGroup) uint64 {
	h := fnv.New64a()
	write := func(ss ...string) {
		for _, s := range ss {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	writeMap := func(m map[string]string) {
		keys := slices.Sorted(maps.Keys(m))
		write(strconv.Itoa(len(keys)))
		for _, k := range keys {
			write(k, m[k])
		}
	}
	for _, g := range groups {
		offset := "none"
		if g.QueryOffset != nil {
			offset = g.QueryOffset.String()
		}
		write("\x02", g.Name, g.Interval.String(), strconv.Itoa(g.Limit), offset)
		writeMap(g.Labels)
		for _, r := range g.Rules {
			write("\x03", r.Record, r.Alert, r.Expr, r.For.String(), r.KeepFiringFor.String())
			writeMap(r.Labels)
			writeMap(r.Annotations)
		}
	}
	return h.Sum64()
}
