package mixin_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
)

// Every rendered dashboard has its stable uid, a title, the template variables, and well-formed panels whose
// queries parse, select slokeeper's job and use Grafana's range variables.
func TestDashboards(t *testing.T) {
	ds := loadDashboards(t)
	require.Equal(t, slices.Sorted(maps.Keys(wantDashboards)), slices.Sorted(maps.Keys(ds)), "dashboard files in %s", dashboardsDir)
	job := jobMatchers(t, configString(t, "slokeeperSelector"))
	for _, file := range slices.Sorted(maps.Keys(ds)) {
		t.Run(file, func(t *testing.T) {
			d := ds[file]
			want := wantDashboards[file]
			require.Equal(t, want.uid, d.UID, "uid: links and provisioning rely on it")
			require.Regexp(t, `^[a-zA-Z0-9_-]{1,40}$`, d.UID)
			require.NotEmpty(t, d.Title)
			require.Contains(t, d.Tags, "slokeeper")
			checkVariables(t, d, want.variables)
			checkPanels(t, d)
			qs := queries(d)
			require.NotEmpty(t, qs)
			vars := placeholders(d)
			for _, q := range qs {
				for _, problem := range queryProblems(q, vars, job) {
					t.Errorf("%s: %s", q.where, problem)
				}
			}
			for _, problem := range repeatProblems(d) {
				t.Error(problem)
			}
		})
	}
}

func checkVariables(t *testing.T, d dashboard, want []string) {
	t.Helper()
	var names []string
	for _, v := range d.Templating.List {
		names = append(names, v.Name)
		require.NotEmpty(t, v.Label, "variable %s has no label", v.Name)
		switch v.Type {
		case "datasource":
			// The dashboard linter's template-datasource-rule.
			require.Equal(t, "datasource", v.Name)
			require.Equal(t, "Data source", v.Label)
			require.Equal(t, "prometheus", v.Query)
		case "query":
			_, _, ok := labelValues(v)
			require.True(t, ok, "variable %s: query %v is not label_values(selector, label)", v.Name, v.Query)
			require.Equal(t, datasourceRef{Type: "prometheus", UID: "${datasource}"}, *v.Datasource, "variable %s", v.Name)
			require.Equal(t, 2, v.Refresh, "variable %s must reload when the time range changes", v.Name)
			if v.Multi {
				require.True(t, v.IncludeAll, "variable %s", v.Name)
				require.Equal(t, ".*", v.AllValue, "variable %s: All must match every value", v.Name)
			}
		case "custom":
			require.True(t, v.IncludeAll, "variable %s", v.Name)
		default:
			t.Errorf("variable %s has unexpected type %q", v.Name, v.Type)
		}
	}
	require.Equal(t, want, names, "template variables")
}

// unitPanels must set a unit (the dashboard linter's panel-units-rule, with bar gauges too).
var unitPanels = []string{"stat", "timeseries", "table", "bargauge"}

func checkPanels(t *testing.T, d dashboard) {
	t.Helper()
	require.NotEmpty(t, d.Panels)
	ids := map[int]bool{}
	templated := datasourceRef{Type: "prometheus", UID: "${datasource}"}
	for i, p := range d.Panels {
		require.Positive(t, p.ID, "panel %q", p.Title)
		require.False(t, ids[p.ID], "panel id %d is used twice", p.ID)
		ids[p.ID] = true
		g := p.GridPos
		require.True(t, g.X >= 0 && g.W > 0 && g.H > 0 && g.X+g.W <= 24, "panel %q: gridPos %+v outside the 24 columns", p.Title, g)
		for _, o := range d.Panels[:i] {
			og := o.GridPos
			overlap := g.X < og.X+og.W && og.X < g.X+g.W && g.Y < og.Y+og.H && og.Y < g.Y+g.H
			require.False(t, overlap, "panels %q %+v and %q %+v overlap", o.Title, og, p.Title, g)
		}
		require.NotEmpty(t, p.Title, "panel %d has no title", p.ID)
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Description, "panel %q has no description", p.Title)
		if p.Type == "text" {
			require.Empty(t, p.Targets, "text panel %q", p.Title)
			continue
		}
		require.NotNil(t, p.Datasource, "panel %q", p.Title)
		require.Equal(t, templated, *p.Datasource, "panel %q must use the datasource variable", p.Title)
		require.NotEmpty(t, p.Targets, "panel %q has no queries", p.Title)
		refIDs := map[string]bool{}
		for _, tg := range p.Targets {
			require.NotEmpty(t, tg.Expr, "panel %q target %s", p.Title, tg.RefID)
			require.False(t, refIDs[tg.RefID], "panel %q: refId %s twice", p.Title, tg.RefID)
			refIDs[tg.RefID] = true
			require.Equal(t, templated, *tg.Datasource, "panel %q target %s", p.Title, tg.RefID)
			if p.Type == "table" {
				require.True(t, tg.Instant && tg.Format == "table", "table %q: target %s must be an instant table query", p.Title, tg.RefID)
			}
		}
		if slices.Contains(unitPanels, p.Type) {
			require.NotEmpty(t, p.FieldConfig.Defaults.Unit, "panel %q has no unit", p.Title)
		}
	}
}

// queryProblems lists what is wrong with a dashboard query: it names a variable the dashboard lacks or does not
// parse with the variables substituted; a range is not a Grafana variable ($__rate_interval, or $__range where
// one value stands for the whole time range); or a scraped series is not selected by the mixin's job selector.
func queryProblems(q query, vars map[string]string, job []*labels.Matcher) []string {
	e, err := parse(q, vars)
	if err != nil {
		return []string{err.Error()}
	}
	problems := selectorProblems(e, job)
	rateInterval, rangeVar := mustDuration(builtins["__rate_interval"]), mustDuration(builtins["__range"])
	for r, fns := range ranges(e) {
		switch {
		case r == rateInterval:
		case r == rangeVar && q.instant:
		case r == rangeVar:
			problems = append(problems, fmt.Sprintf("$__range in a graph query (in %v): use $__rate_interval", fns))
		default:
			problems = append(problems, fmt.Sprintf("fixed range %s (in %v): use $__rate_interval or, in instant queries, $__range", r, fns))
		}
	}
	return problems
}

// repeatProblems lists the panels of rows repeated by a variable that none of their queries uses: every
// repetition would show the same.
func repeatProblems(d dashboard) []string {
	uses := map[*panel]bool{}
	var order []*panel
	for _, q := range queries(d) {
		if q.repeatedBy == "" {
			continue
		}
		if _, seen := uses[q.panel]; !seen {
			order = append(order, q.panel)
		}
		uses[q.panel] = uses[q.panel] || variableUsed(q.expr, q.repeatedBy)
	}
	var problems []string
	for _, p := range order {
		if !uses[p] {
			problems = append(problems, fmt.Sprintf("%s: panel %q: its row repeats by a variable no query of it uses", d.Title, p.Title))
		}
	}
	return problems
}

func variableUsed(expr, name string) bool {
	for _, m := range variableRE.FindAllStringSubmatch(expr, -1) {
		if m[1]+m[2] == name {
			return true
		}
	}
	return false
}

// The query checks fail on what they are meant to catch.
func TestQueryChecksCatchMistakes(t *testing.T) {
	job := jobMatchers(t, `job="slokeeper"`)
	vars := map[string]string{"slo": "placeholder_slo", "layer": "placeholder_layer"}
	for _, tc := range []struct {
		name, expr string
		instant    bool
		want       string // a problem's text; empty: none
	}{
		{name: "graph", expr: `rate(slokeeper_slos{job="slokeeper"}[$__rate_interval])`},
		{name: "instant over the time range", expr: `max_over_time(slo_budget_remaining{job="slokeeper"}[$__range])`, instant: true},
		{name: "recorded series without job", expr: `slo_info{slo="$slo"}`, instant: true},
		{name: "unknown variable", expr: `slo_budget_remaining{job="slokeeper", owner=~"$owner"}`, want: "unknown variables [owner]"},
		{name: "bad PromQL", expr: `sum(slo_budget_remaining{job="slokeeper"}`, want: "unclosed left parenthesis"},
		{name: "fixed range", expr: `rate(slokeeper_slos{job="slokeeper"}[5m])`, want: "fixed range 5m0s (in [rate])"},
		{name: "range in a graph", expr: `max_over_time(slo_budget_remaining{job="slokeeper"}[$__range])`, want: "$__range in a graph query"},
		{name: "no job", expr: `slo_budget_remaining{slo=~"$slo"}`, want: "does not select"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := queryProblems(query{expr: tc.expr, instant: tc.instant}, vars, job)
			if tc.want == "" {
				require.Empty(t, problems)
				return
			}
			require.Len(t, problems, 1, "%v", problems)
			require.Contains(t, problems[0], tc.want)
		})
	}
}

// A panel of a repeated row that ignores the row's variable is reported; one query using it is enough.
func TestRepeatCheckCatchesMistakes(t *testing.T) {
	row := panel{Type: "row", Title: "per layer", Repeat: "layer"}
	uses := panel{Type: "timeseries", Title: "uses", Targets: []target{
		{RefID: "A", Expr: `slo_budget_remaining{layer=~"$layer"}`},
		{RefID: "B", Expr: `slo_budget_remaining{layer="product"}`},
	}}
	ignores := panel{Type: "timeseries", Title: "ignores", Targets: []target{{RefID: "A", Expr: `slo_budget_remaining`}}}
	d := dashboard{Title: "d", Panels: []panel{row, uses, ignores}}
	require.Equal(t, []string{`d: panel "ignores": its row repeats by a variable no query of it uses`}, repeatProblems(d))
}
