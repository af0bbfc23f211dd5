package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// notInDemo are the conventions' families the demo cannot make, so that the generated reference has no row of
// them: its prose must name them instead.
var notInDemo = map[string]string{
	"slo_freeze_override_active": "only while a manual override is in force, through the admin API the demo does not enable",
}

// Every family pkg/conventions names (its Metric* constants) has a row in the checked-in docs/metrics.md (which
// `make check-generated` keeps equal to what the daemon's registry exposes), or is named in its prose and listed
// in notInDemo with the reason.
func TestReferenceHasConventionsMetrics(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \\|").FindAllStringSubmatch(string(page), -1) {
		rows[m[1]] = true
	}
	names := conventionsMetrics(t)
	require.NotEmpty(t, names)
	for constName, family := range names {
		if reason, ok := notInDemo[family]; ok {
			require.False(t, rows[family], "%s has a row now: drop it from notInDemo", family)
			require.Contains(t, string(page), "`"+family+"`", "%s (%s) has no row, so the prose must name it", family, reason)
			continue
		}
		require.True(t, rows[family], "conventions.%s = %q has no row in docs/metrics.md: does the demo expose it? (make docs)", constName, family)
	}
	named := map[string]bool{}
	for _, family := range names {
		named[family] = true
	}
	for family := range notInDemo {
		require.True(t, named[family], "notInDemo lists %s, which conventions does not name", family)
	}
}

// conventionsMetrics maps the Metric* constants of pkg/conventions to their values, read from its sources so
// that a new constant is checked without being listed here.
func conventionsMetrics(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join("..", "..", "pkg", "conventions")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range spec.Names {
				if !strings.HasPrefix(id.Name, "Metric") {
					continue
				}
				require.Less(t, i, len(spec.Values), "conventions.%s has no value of its own", id.Name)
				lit, ok := spec.Values[i].(*ast.BasicLit)
				require.True(t, ok && lit.Kind == token.STRING, "conventions.%s is not a string literal: teach this test to read it", id.Name)
				v, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				out[id.Name] = v
			}
			return true
		})
	}
	return out
}

// readGauges fails rather than waiting forever when the daemon renames a gauge settle reads.
func TestReadGauges(t *testing.T) {
	reg := prometheus.NewRegistry()
	gauges := map[string]prometheus.Gauge{}
	for _, name := range []string{gaugeBackfillPending, gaugeProbeDuration, gaugeSnapshot} {
		gauges[name] = prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "h"})
	}
	reg.MustRegister(gauges[gaugeBackfillPending], gauges[gaugeSnapshot])
	_, err := readGauges(reg)
	require.ErrorContains(t, err, "no gauge "+gaugeProbeDuration)

	reg.MustRegister(gauges[gaugeProbeDuration])
	gauges[gaugeSnapshot].Set(1.7e9)
	got, err := readGauges(reg)
	require.NoError(t, err)
	require.Equal(t, map[string]float64{gaugeBackfillPending: 0, gaugeProbeDuration: 0, gaugeSnapshot: 1.7e9}, got)
}
