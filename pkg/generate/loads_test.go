package generate_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// generate does not parse what it writes: a rule file built from valid specs
// must load in Prometheus by construction. These tests are the proof. Every
// valid spec, however odd its strings, periods, objectives and options,
// renders rule files (both formats, grouped by SLO and by service) that
// Prometheus' own loader accepts, and a test file promtool can read.

// awkward are strings a spec may put where the generator embeds them.
var awkward = []string{
	"plain", "with space", "colon: inside", "hash # inside", `quote " inside`, "apostrophe ' inside", "ünïcödé ✓ ×",
	"{{ $value }}", "{{ $labels.service }} is {{ printf \"%.2f\" $value }}", "{ braces }", "[list]", "- dash", "yes",
	"null", "14.4", "5m", "%", "@at", "`tick`", "back\\slash", "trailing ", " leading", "tab\tinside", "two\nlines",
}

// randomSpec writes a spec file of n SLOs from rng. Most are valid; some are not, and Parse must say so.
func randomSpec(rng *rand.Rand, n int) string {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	q := func(s string) string { return strconv.Quote(s) } // YAML double quotes take Go's escapes
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: slokeeper/v1\nservice: svc-%d\nowner: %s\nlayer: %s\n", rng.IntN(100), pick("team-a", "platform"), pick("product", "service", "infrastructure"))
	fmt.Fprintf(&b, "description: %s\nlabels:\n  tier: %s\n  note: %s\nslos:\n", q(pick(awkward...)), q(pick(awkward...)), q(pick(awkward...)))
	for i := range n {
		fmt.Fprintf(&b, "  - name: slo-%d\n    objective: %s\n", i, pick("99.9", "99", "95", "99.99", "99.999", "90", "99.95", "75"))
		fmt.Fprintf(&b, "    period: %s\n", pick("30d", "28d", "7d", "1d", "90d", "14d", "60d", "3d", "45d", "13d"))
		fmt.Fprintf(&b, "    description: %s\n    rationale: %s\n", q(pick(awkward...)), q(pick(awkward...)))
		job := q(pick("api", "a-b", `we"ird`, "ünï", "x y"))
		switch rng.IntN(7) {
		case 0:
			fmt.Fprintf(&b, "    sli:\n      events:\n        errors: %s\n        total: %s\n", q(`http_requests_total{job=`+job+`,code=~"5.."}`+pick("", "", " # 5xx")), q(`http_requests_total{job=`+job+`}`))
		case 1:
			fmt.Fprintf(&b, "    sli:\n      events:\n        good: %s\n        total: %s\n", q(`req_total{job=`+job+`,ok="true"}`), q(`req_total{job=`+job+`}`))
		case 2:
			fmt.Fprintf(&b, "    sli:\n      events:\n        errors: %s\n        total: %s\n",
				q(`sum by (route) (rate(errors_total{job=`+job+`}[{{.window}}]))`), q(`sum by (route) (rate(requests_total{job=`+job+`}[{{.window}}]))`))
		case 3:
			fmt.Fprintf(&b, "    sli:\n      latency:\n        histogram: %s\n        threshold: %s\n", q(`http_request_duration_seconds_bucket{job=`+job+`}`), pick("250ms", "1s", "2.5s"))
		case 4:
			fmt.Fprintf(&b, "    sli:\n      nativeLatency:\n        histogram: %s\n        threshold: %s\n", q(`rpc_duration_seconds{job=`+job+`}`), pick("123ms", "1s"))
		case 5:
			fmt.Fprintf(&b, "    sli:\n      raw:\n        errorRatio: %s\n", q(pick(
				"1 - avg(rate(ok_total[{{.window}}]) / rate(all_total[{{.window}}]))",
				"sum by (route) (rate(bad_total[{{.window}}]))\n/ sum by (route) (rate(all_total[{{.window}}]))")))
		default:
			fmt.Fprintf(&b, "    sli:\n      probe:\n        success: %s\n", q(`probe_success{job=`+job+`}`))
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "    grouping: [%s]\n", pick("route", "route, method", "region"))
		}
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&b, "    minEvents: %d\n", rng.IntN(1000))
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "    review:\n      lastReviewed: 2026-%02d-01\n", 1+rng.IntN(12))
		}
		fmt.Fprintf(&b, "    labels:\n      component: %s\n", q(pick(awkward...)))
		fmt.Fprintf(&b, "    alerting:\n      runbookURL: %s\n", q("https://runbooks.example.com/"+pick("a", "a b", "{{ $labels.slo }}", "q?x=1&y=2")))
		fmt.Fprintf(&b, "      labels:\n        team: %s\n      annotations:\n        extra: %s\n", q(pick(awkward...)), q(pick(awkward...)))
		switch rng.IntN(4) {
		case 0:
			b.WriteString("      page:\n        disable: true\n")
		case 1:
			b.WriteString("      ticket:\n        disable: true\n      page:\n        severity: pager\n")
		}
	}
	return b.String()
}

func TestGeneratedRulesAlwaysLoad(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 7))
	cases := 150
	if testing.Short() || raceEnabled { // the same code paths; -race only multiplies the time
		cases = 30
	}
	valid := 0
	for i := range cases {
		text := randomSpec(rng, 1+rng.IntN(4))
		slos, err := spec.Parse(fmt.Sprintf("random-%d.yaml", i), []byte(text))
		if err != nil {
			continue // rejected with located errors: the generator never sees it
		}
		valid++
		requireLoads(t, slos, text)
	}
	require.Greater(t, valid, cases/2, "too few random specs were valid to prove anything")
}

// FuzzGeneratedRulesLoad: for any spec Parse accepts, the rule files load in Prometheus. The seeds (examples,
// golden inputs, the spec package's good corpus) run in make test; `go test -fuzz FuzzGeneratedRulesLoad` explores.
func FuzzGeneratedRulesLoad(f *testing.F) {
	for _, pattern := range []string{"../../examples/*.yaml", "testdata/specs/*.yaml", "../spec/testdata/*.good.yaml"} {
		files, err := filepath.Glob(pattern)
		require.NoError(f, err)
		for _, file := range files {
			data, err := os.ReadFile(file)
			require.NoError(f, err)
			f.Add(data)
		}
	}
	f.Add([]byte(randomSpec(rand.New(rand.NewPCG(1, 2)), 3)))
	f.Fuzz(func(t *testing.T, data []byte) {
		slos, err := spec.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		requireLoads(t, slos, string(data))
	})
}

// requireLoads checks every output of slos under the generator's options.
func requireLoads(t *testing.T, slos []*slo.SLO, text string) {
	t.Helper()
	for _, o := range []generate.Options{{}, {GroupBy: generate.GroupByService, GateURL: "http://slokeeper:9099/"}, {MinWindow: 2 * time.Minute}} {
		rules := generate.RuleFile(slos, o, generate.FormatPrometheus, "random")
		require.NoError(t, generate.Check(rules), "spec:\n%s", text)
		var op struct {
			Spec struct {
				Groups []yaml.Node `yaml:"groups"`
			} `yaml:"spec"`
		}
		require.NoError(t, yaml.Unmarshal(generate.RuleFile(slos, o, generate.FormatPrometheusOperator, "random"), &op), "spec:\n%s", text)
		require.NotEmpty(t, op.Spec.Groups)
		for _, u := range generate.Suites {
			var tests struct {
				RuleFiles []string `yaml:"rule_files"`
			}
			require.NoError(t, yaml.Unmarshal(generate.TestFile(slos, o, "random.rules.yml", u), &tests), "spec:\n%s", text)
			require.Equal(t, []string{"random.rules.yml"}, tests.RuleFiles)
		}
	}
}
