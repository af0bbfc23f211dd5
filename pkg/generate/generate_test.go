package generate

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

func TestLeRegexp(t *testing.T) {
	for _, tc := range []struct {
		v       float64
		match   []string
		noMatch []string
	}{
		{0.4, []string{"0.4", "0.40", "0.400"}, []string{"0.04", "0.41", "4", "0x4"}},
		{1, []string{"1", "1.0", "1.00"}, []string{"10", "0.1", "1.01", "1e0x"}},
		{3, []string{"3", "3.0"}, []string{"30", "3.5"}},
		{0.025, []string{"0.025", "0.0250"}, []string{"0.0255", "0.25"}},
		{10, []string{"10", "10.0"}, []string{"1", "100"}},
	} {
		re := regexp.MustCompile("^(?:" + LeRegexp(tc.v) + ")$")
		for _, s := range tc.match {
			require.True(t, re.MatchString(s), "%g should match le=%q", tc.v, s)
		}
		for _, s := range tc.noMatch {
			require.False(t, re.MatchString(s), "%g should not match le=%q", tc.v, s)
		}
	}
}

func TestSynthesiseMatchingSeries(t *testing.T) {
	errs, ok := selectorMatchers(`http_requests_total{job="api",code=~"5..",method!="OPTIONS"}`)
	require.True(t, ok)
	total, ok := selectorMatchers(`http_requests_total{job="api",method!="OPTIONS"}`)
	require.True(t, ok)
	bad, ok := satisfy(errs, map[string]string{"route": "test"})
	require.True(t, ok)
	require.True(t, matches(errs, bad), "%v", bad)
	require.Equal(t, "test", bad["route"])
	good, ok := violate(bad, total, errs)
	require.True(t, ok)
	require.True(t, matches(total, good), "%v", good)
	require.False(t, matches(errs, good), "%v", good)

	for re, want := range map[string]string{"5..": "500", "hit|miss": "hit", "a+b*": "a", "(x){3}": "xxx", "[a-c]z": "az"} {
		got, ok := shortestMatch(re)
		require.True(t, ok, re)
		require.Equal(t, want, got, re)
		require.True(t, labels.MustNewMatcher(labels.MatchRegexp, "l", re).Matches(got))
	}
}

func testSLO(kind slo.SLIKind, period time.Duration) *slo.SLO {
	s := &slo.SLO{
		Name: "s", Service: "svc", Owner: "team", Layer: slo.LayerService,
		Objective: slo.MustObjective("99.9"), Period: period,
		Alerting: slo.Alerting{Page: slo.TierAlerting{Severity: "critical"}, Ticket: slo.TierAlerting{Severity: "warning"}},
	}
	switch kind {
	case slo.SLIEvents:
		s.SLI = slo.SLI{Kind: kind, Errors: `req_total{code="500"}`, Total: `req_total`}
	case slo.SLILatency, slo.SLINativeLatency:
		s.SLI = slo.SLI{Kind: kind, Histogram: `dur_seconds{job="a"}`, Threshold: 0.3}
	case slo.SLIRaw:
		s.SLI = slo.SLI{Kind: kind, ErrorRatio: `sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))`}
	case slo.SLIProbe:
		s.SLI = slo.SLI{Kind: kind, Success: `probe_success{job="bb"}`}
	}
	return s
}

// Cheap: only the two base recordings read raw series; every other rule
// reads slokeeper's own recordings, and no range is longer than the base
// window unless it reads a recording.
func TestOnlyBaseRulesReadRawSeries(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	for _, kind := range []slo.SLIKind{slo.SLIEvents, slo.SLILatency, slo.SLINativeLatency, slo.SLIRaw, slo.SLIProbe} {
		for _, period := range []time.Duration{24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour} {
			s := testSLO(kind, period)
			w := slo.WindowsFor(period, slo.DefaultCatalog, 0)
			groups := SLOGroups(s, Options{})
			require.Len(t, groups, 3)
			require.Zero(t, groups[0].Interval, "the sli group runs at the ruler's interval")
			require.Equal(t, w.Tile, time.Duration(groups[1].Interval))
			require.Equal(t, c.BudgetInterval, time.Duration(groups[2].Interval))
			for gi, g := range groups {
				for ri, r := range g.Rules {
					e, err := p.ParseExpr(r.Expr)
					require.NoError(t, err, r.Expr)
					base := gi == 0 && ri < 2
					parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
						switch n := n.(type) {
						case *parser.VectorSelector:
							if !base {
								require.True(t, strings.HasPrefix(n.Name, "slo:"), "%s/%s: rule %q reads raw series %s", kind, period, r.Record+r.Alert, n)
							}
						case *parser.MatrixSelector:
							if base {
								require.LessOrEqual(t, n.Range, w.Base, "%s: base rule reads raw range %s", kind, n)
							}
						}
						return nil
					})
				}
			}
		}
	}
}

// Alerts carry what routing, inhibition and humans need.
func TestAlertLabelsAndAnnotations(t *testing.T) {
	s := testSLO(slo.SLIEvents, 30*24*time.Hour)
	s.Alerting.RunbookURL = "https://runbooks.example.com/x"
	s.Alerting.Labels = map[string]string{"component": "api"}
	s.MinEvents = 100
	var alerts int
	for _, g := range SLOGroups(s, Options{}) {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Alert == c.AlertReviewOverdue { // TestReviewOverdueAlert
				continue
			}
			alerts++
			require.Equal(t, c.AlertBurn, r.Alert)
			for _, l := range []string{"slo", "service", "layer", "owner", "severity", "slo_tier", "long_window", "short_window", "burn_factor", "component"} {
				require.NotEmpty(t, r.Labels[l], "label %s of %s", l, r.Expr)
			}
			require.Equal(t, map[string]string{"page": "critical", "ticket": "warning"}[r.Labels["slo_tier"]], r.Labels["severity"])
			require.Equal(t, s.Alerting.RunbookURL, r.Annotations["runbook_url"])
			require.Contains(t, r.Annotations["description"], "{{ $value")
			require.NotEmpty(t, r.Annotations["summary"])
			require.Contains(t, r.Expr, ">= 100", "minEvents guard")
		}
	}
	require.Equal(t, 4, alerts)

	s.Alerting.Page.Disabled = true
	alerts = 0
	for _, g := range SLOGroups(s, Options{}) {
		for _, r := range g.Rules {
			if r.Alert != "" && r.Alert != c.AlertReviewOverdue {
				alerts++
				require.Equal(t, "ticket", r.Labels["slo_tier"])
			}
		}
	}
	require.Equal(t, 2, alerts)
}
