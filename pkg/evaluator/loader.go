package evaluator

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// loader is a rules.GroupLoader that serves validated groups from memory instead of reading rule files.
type loader struct {
	parser parser.Parser

	mtx    sync.RWMutex
	groups map[string]*rulefmt.RuleGroups
}

// swap installs groups and returns the previous set.
func (l *loader) swap(groups map[string]*rulefmt.RuleGroups) map[string]*rulefmt.RuleGroups {
	l.mtx.Lock()
	defer l.mtx.Unlock()
	prev := l.groups
	l.groups = groups
	return prev
}

// Load implements rules.GroupLoader. The groups were validated by Update, so the arguments that tune parsing
// do not apply.
func (l *loader) Load(identifier string, _ bool, _ model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	l.mtx.RLock()
	defer l.mtx.RUnlock()
	rgs, ok := l.groups[identifier]
	if !ok {
		return nil, []error{fmt.Errorf("%s: no such rule groups", identifier)}
	}
	return rgs, nil
}

// Parse implements rules.GroupLoader.
func (l *loader) Parse(query string) (parser.Expr, error) { return l.parser.ParseExpr(query) }

// validate runs the groups through rulefmt.Parse, the check Prometheus and promtool run when loading a rule
// file, and returns what it parsed.
func validate(id string, groups []rulefmt.RuleGroup, p parser.Parser, logger *slog.Logger) (*rulefmt.RuleGroups, error) {
	if id == "" {
		return nil, errors.New("rule groups need an identifier, got an empty one")
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(rulefmt.RuleGroups{Groups: groups}); err != nil {
		return nil, fmt.Errorf("%s: couldn't encode rule groups: %w", id, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%s: couldn't encode rule groups: %w", id, err)
	}
	rgs, errs := rulefmt.Parse(buf.Bytes(), false, model.UTF8Validation, p, logger)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", id, errors.Join(errs...))
	}
	return rgs, nil
}
