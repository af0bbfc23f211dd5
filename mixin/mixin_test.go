package mixin_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-jsonnet"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The rendered mixin, relative to this package's directory.
const (
	dashboardsDir = "dashboards_out"
	alertsFile    = "prometheus_alerts.yaml"
	rulesFile     = "prometheus_rules.yaml"
	runbookFile   = "runbook.md"
)

var promqlParser = parser.NewParser(parser.Options{})

// dashboard is what the tests read of a Grafana dashboard.
type dashboard struct {
	UID        string   `json:"uid"`
	Title      string   `json:"title"`
	Tags       []string `json:"tags"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string         `json:"name"`
	Label      string         `json:"label"`
	Type       string         `json:"type"`
	Query      any            `json:"query"`
	Datasource *datasourceRef `json:"datasource"`
	Refresh    int            `json:"refresh"`
	Multi      bool           `json:"multi"`
	IncludeAll bool           `json:"includeAll"`
	AllValue   string         `json:"allValue"`
}

type panel struct {
	ID          int            `json:"id"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Datasource  *datasourceRef `json:"datasource"`
	Repeat      string         `json:"repeat"`
	GridPos     struct {
		X int `json:"x"`
		Y int `json:"y"`
		W int `json:"w"`
		H int `json:"h"`
	} `json:"gridPos"`
	Targets     []target `json:"targets"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

type target struct {
	RefID      string         `json:"refId"`
	Expr       string         `json:"expr"`
	Instant    bool           `json:"instant"`
	Format     string         `json:"format"`
	Datasource *datasourceRef `json:"datasource"`
}

// query is one PromQL query of a dashboard: a panel's target, or a variable's label_values selector.
type query struct {
	where string // for messages: dashboard, panel and refId, or variable
	expr  string
	// instant: evaluated at one time (stat, table, bar gauge), where $__range makes sense; otherwise a graph.
	instant bool
	// repeatedBy names the variable the panel's row repeats by: the panel sees one value of it at a time.
	repeatedBy string
	panel      *panel
}

// loadDashboards reads the rendered dashboards, by file name.
func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no dashboards in %s: run make mixin", dashboardsDir)
	out := map[string]dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = decodeDashboard(t, f, b)
	}
	return out
}

func decodeDashboard(t *testing.T, name string, b []byte) dashboard {
	t.Helper()
	var d dashboard
	require.NoError(t, json.Unmarshal(b, &d), "%s is not a dashboard", name)
	return d
}

// queries lists every query of d: each panel target, then each variable's selector.
func queries(d dashboard) []query {
	var out []query
	repeat := ""
	for i := range d.Panels {
		p := &d.Panels[i]
		if p.Type == "row" {
			repeat = p.Repeat
			continue
		}
		for _, tg := range p.Targets {
			out = append(out, query{
				where:      fmt.Sprintf("%s: panel %q, target %s", d.Title, p.Title, tg.RefID),
				expr:       tg.Expr,
				instant:    tg.Instant,
				repeatedBy: repeat,
				panel:      p,
			})
		}
	}
	for _, v := range d.Templating.List {
		if sel, _, ok := labelValues(v); ok {
			out = append(out, query{where: fmt.Sprintf("%s: variable %s", d.Title, v.Name), expr: sel, instant: true})
		}
	}
	return out
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// labelValues splits a variable's label_values(selector, label) query.
func labelValues(v variable) (selector, label string, ok bool) {
	q, isString := v.Query.(string)
	if v.Type != "query" || !isString {
		return "", "", false
	}
	m := labelValuesRE.FindStringSubmatch(q)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Grafana's built-in variables become these durations before parsing, so that the parsed AST still tells
// which range came from which variable (as the dashboard linter does).
var builtins = map[string]string{
	"__rate_interval": "7m13s",
	"__range":         "3h17m",
	"__interval":      "11s",
}

var variableRE = regexp.MustCompile(`\$\{([a-zA-Z0-9_]+)(?::[a-z]+)?\}|\$([a-zA-Z0-9_]+)`)

// expand substitutes Grafana's variables in expr: built-ins from builtins (unless values sets them), others from
// values. It fails on a variable that is neither: a query naming a variable the dashboard lacks.
func expand(expr string, values map[string]string) (string, error) {
	var missing []string
	out := variableRE.ReplaceAllStringFunc(expr, func(m string) string {
		sub := variableRE.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if v, ok := values[name]; ok {
			return v
		}
		if v, ok := builtins[name]; ok {
			return v
		}
		missing = append(missing, name)
		return m
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("unknown variables %v", missing)
	}
	return out, nil
}

// placeholders gives every variable of d a placeholder value, as the dashboard linter does: it sits inside
// label matcher strings, so any word parses.
func placeholders(d dashboard) map[string]string {
	out := map[string]string{}
	for _, v := range d.Templating.List {
		out[v.Name] = "placeholder_" + v.Name
	}
	return out
}

// parse expands and parses a query with placeholder variables.
func parse(q query, vars map[string]string) (parser.Expr, error) {
	expr, err := expand(q.expr, vars)
	if err != nil {
		return nil, err
	}
	e, err := promqlParser.ParseExpr(expr)
	if err != nil {
		return nil, fmt.Errorf("%w (expanded: %s)", err, expr)
	}
	return e, nil
}

// selectors returns every vector selector of e.
func selectors(e parser.Expr) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// metricName is the name a selector selects: its name, or its __name__ equality matcher.
func metricName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// hasMatchers reports whether vs carries every one of want (same name, type and value).
func hasMatchers(vs *parser.VectorSelector, want []*labels.Matcher) bool {
	for _, w := range want {
		if !slices.ContainsFunc(vs.LabelMatchers, func(m *labels.Matcher) bool {
			return m.Name == w.Name && m.Type == w.Type && m.Value == w.Value
		}) {
			return false
		}
	}
	return true
}

// notScraped are the series the mixin reads that do not come from scraping slokeeper: slo_info is recorded by
// the generated rules (in Prometheus, a ruler, or the daemon's remote write), so it carries no job label.
var notScraped = map[string]bool{"slo_info": true}

// selectorProblems lists the selectors of scraped series in e that lack the mixin's job selector (job).
func selectorProblems(e parser.Expr, job []*labels.Matcher) []string {
	var out []string
	for _, vs := range selectors(e) {
		if !notScraped[metricName(vs)] && !hasMatchers(vs, job) {
			out = append(out, fmt.Sprintf("%s does not select %v (the mixin's slokeeperSelector)", vs, job))
		}
	}
	return out
}

// jobMatchers parses a _config.slokeeperSelector.
func jobMatchers(t *testing.T, selector string) []*labels.Matcher {
	t.Helper()
	ms, err := promqlParser.ParseMetricSelector("{" + selector + "}")
	require.NoError(t, err, "slokeeperSelector %q", selector)
	return ms
}

// configString is a string field of the mixin's default _config.
func configString(t *testing.T, field string) string {
	t.Helper()
	var s string
	evaluate(t, "(import 'config.libsonnet')._config."+field, &s)
	return s
}

// evaluate evaluates jsonnet code in this directory (so it can import mixin.libsonnet) and decodes its JSON
// result into v.
func evaluate(t *testing.T, code string, v any) {
	t.Helper()
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.FileImporter{JPaths: []string{"."}})
	out, err := vm.EvaluateAnonymousSnippet("test.jsonnet", code)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), v))
}

// ruleFile is a Prometheus rule file, as far as the tests read it.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name" json:"name"`
		Rules []rule `yaml:"rules" json:"rules"`
	} `yaml:"groups" json:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert" json:"alert"`
	Record      string            `yaml:"record" json:"record"`
	Expr        string            `yaml:"expr" json:"expr"`
	For         string            `yaml:"for" json:"for"`
	Labels      map[string]string `yaml:"labels" json:"labels"`
	Annotations map[string]string `yaml:"annotations" json:"annotations"`
}

func (f ruleFile) rules() []rule {
	var out []rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

func loadRuleFile(t *testing.T, name string) ruleFile {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	var f ruleFile
	require.NoError(t, yaml.Unmarshal(b, &f), name)
	return f
}

// ranges returns every range of e with the name of the function applied to it ("" outside a call).
func ranges(e parser.Expr) map[time.Duration][]string {
	out := map[time.Duration][]string{}
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		var r time.Duration
		switch n := n.(type) {
		case *parser.MatrixSelector:
			r = n.Range
		case *parser.SubqueryExpr:
			r = n.Range
		default:
			return nil
		}
		fn := ""
		if len(path) > 0 {
			if c, ok := path[len(path)-1].(*parser.Call); ok {
				fn = c.Func.Name
			}
		}
		out[r] = append(out[r], fn)
		return nil
	})
	return out
}

func mustDuration(s string) time.Duration {
	d, err := model.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return time.Duration(d)
}

// wantDashboards are the rendered dashboards by file name: their uid, and the template variables they must
// have, in order.
var wantDashboards = map[string]struct {
	uid       string
	variables []string
}{
	"slokeeper-overview.json":   {"slokeeper-overview", []string{"datasource", "owner", "layer", "service", "slo"}},
	"slokeeper-slo-detail.json": {"slokeeper-slo-detail", []string{"datasource", "owner", "layer", "service", "slo"}},
	"slokeeper-layers.json":     {"slokeeper-layers", []string{"datasource", "service", "slo", "layer", "owner", "dependency"}},
	"slokeeper-operations.json": {"slokeeper-operations", []string{"datasource", "instance"}},
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
