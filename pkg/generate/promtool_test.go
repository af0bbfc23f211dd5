package generate_test

import (
	"cmp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// promtool runs the real promtool pinned in go.mod.
func promtool(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"tool", "promtool"}, args...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// copyGolden copies a golden rule file and its tests into a temp dir: base names an example (rules/) or a
// spec of testdata/specs.
func copyGolden(t *testing.T, base string) string {
	dir := t.TempDir()
	in := filepath.Join("testdata", "specs", base+".yaml")
	if _, err := os.Stat(in); err != nil {
		in = filepath.Join("..", "..", "examples", base+".yaml")
	}
	for _, suffix := range []string{".rules.yml", generate.MainTests.Suffix, generate.FastPageTests.Suffix} {
		b, err := os.ReadFile(goldenPath(in, base+suffix))
		require.NoError(t, err)
		require.NoError(t, generate.WriteFile(filepath.Join(dir, base+suffix), b))
	}
	return dir
}

// testRules is the promtool command that runs every test file of base in dir.
func testRules(dir, base string) []string {
	args := []string{"test", "rules"}
	for _, u := range generate.Suites {
		args = append(args, filepath.Join(dir, base+u.Suffix))
	}
	return args
}

// The generated promtool tests pass on the generated rules of every SLI
// kind and option (rules/ for examples/ is checked by make test).
func TestPromtoolPassesGeneratedTests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool's generated rule tests of every SLI kind: a minute or more")
	}
	t.Parallel() // promtool runs in a process of its own: the promtool tests overlap
	dir := copyGolden(t, "edge")
	out, err := promtool(t, "check", "rules", filepath.Join(dir, "edge.rules.yml"))
	require.NoError(t, err, out)
	out, err = promtool(t, testRules(dir, "edge")...)
	require.NoError(t, err, out)
	require.Contains(t, out, "SUCCESS")
}

// testExampleSelector is the selector the golden rules read the recorded series of the example SLO id with.
func testExampleSelector(t *testing.T, id string) string {
	t.Helper()
	all, err := spec.Load(goldenInputs(t))
	require.NoError(t, err)
	for _, s := range all {
		if s.ID() == id {
			rev := generate.SLOGroups(s, generate.Options{})[0].Rules[0].Labels[conventions.LabelRevision]
			require.NotEmpty(t, rev)
			return `{` + conventions.LabelRevision + `="` + rev + `"}`
		}
	}
	t.Fatalf("no SLO %s in the examples", id)
	return ""
}

// The generated tests can fail: break the rules the way real bugs would and
// promtool must report the scenario that catches it.
func TestPromtoolCatchesBrokenRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool's generated rule tests once per broken rule: minutes")
	}
	t.Parallel()
	avail := testExampleSelector(t, "payments/api-availability")
	availOut := `{service="payments",slo="api-availability"}` // what is computed afresh carries no revision
	for _, tc := range []struct {
		name, from, to, caughtBy string
		re                       bool   // from is a regular expression, to its replacement
		golden                   string // the golden rules to break: payments unless set
	}{
		{
			// What slokeeper did before: the 1h window averaged overlapping 5m base rates, whose newest samples
			// hold only part of the burn. It pages 1.5 minutes later at this 1m scrape.
			name: "page window that weighs its newest events less pages late",
			from: `(- record: slo:sli_(error|total):rate1h\n\s+expr: )'\(slo:sli_(?:error|total):rate5m` + regexp.QuoteMeta(avail) + ` \+ [^\n]*'`,
			to:   `${1}'avg_over_time(slo:sli_${2}:rate5m` + avail + `[1h])'`,
			re:   true, caughtBy: `long_window=\"1h\"`,
		},
		{
			name: "page threshold too low pages on a steady burn",
			from: "/ 0.001 > 14.4", to: "/ 0.001 > 0.5",
			caughtBy: "max_over_time(ALERTS{alertname=\\\"SLOErrorBudgetBurn\\\", alertstate=\\\"firing\\\", service=\\\"payments\\\", slo=\\\"api-availability\\\", slo_tier=\\\"page\\\"}[2h])",
		},
		{
			name: "page threshold too high misses the fast burn",
			from: "/ 0.001 > 14.4", to: "/ 0.001 > 100",
			caughtBy: `long_window=\"1h\"`,
		},
		{
			name:     "mean of ratios instead of ratio of sums",
			from:     "slo:sli_error:rate_period" + availOut + " / (slo:sli_total:rate_period" + availOut + " > 0)",
			to:       "slo:sli_error:rate_period" + availOut + " / (slo:sli_total:rate_period" + availOut + " > 0) * 2",
			caughtBy: "slo:sli_error:ratio_period",
		},
		{
			name:     "zero traffic records NaN",
			from:     "/ (slo:sli_total:rate5m" + avail + " > 0)",
			to:       "/ slo:sli_total:rate5m" + avail,
			caughtBy: "== +Inf",
		},
		{
			// What slokeeper did before: a new SLO ticketed its team the minute its rules were loaded.
			name:     "an SLO without a review date is due at once",
			from:     `expr: 'min(slo:review_since:timestamp_seconds{service="edge",slo="events-query-1d"}) < time() - 7776000'`,
			to:       `expr: 'vector(1)'`,
			caughtBy: `slo=\"events-query-1d\"}[15m])", time: 15m`, golden: "edge",
		},
		{
			name:     "the review clock does not keep its start",
			from:     `expr: 'min(last_over_time(slo:review_since:timestamp_seconds{service="edge",slo="events-query-1d"}[1d])) or vector(time())'`,
			to:       `expr: 'vector(time())'`,
			caughtBy: `slo:review_since:timestamp_seconds{service=\"edge\",slo=\"events-query-1d\"}", time: 15m`, golden: "edge",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			golden := cmp.Or(tc.golden, "payments")
			dir := copyGolden(t, golden)
			path := filepath.Join(dir, golden+".rules.yml")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			broken := strings.ReplaceAll(string(b), tc.from, tc.to)
			if tc.re {
				re := regexp.MustCompile(tc.from)
				require.Len(t, re.FindAllString(string(b), -1), 2, "the rules to break")
				broken = re.ReplaceAllString(string(b), tc.to)
			} else {
				require.Contains(t, string(b), tc.from)
			}
			require.NoError(t, os.WriteFile(path, []byte(broken), 0o644))
			out, err := promtool(t, testRules(dir, golden)...)
			require.Error(t, err, "promtool passed broken rules:\n%s", out)
			require.Contains(t, out, "FAILED")
			require.Contains(t, out, tc.caughtBy)
		})
	}
}
