package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func examples(t *testing.T) []string {
	files, err := filepath.Glob("../../examples/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func writeSpec(t *testing.T, dir, name, body string) string {
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

const badSpec = `apiVersion: slokeeper/v1
service: broken
owner: team
layer: service
slos:
  - name: a
    objective: 100
    sli:
      events:
        errors: x_total{code="500"}
        total: x_total
  - name: b
    objective: 99
    periodd: 7d
    sli:
      probe:
        success: rate(up[5m])
`

func TestCheck(t *testing.T) {
	code, out, _ := runCLI(t, append([]string{"check"}, examples(t)...)...)
	require.Equal(t, 0, code)
	require.Equal(t, "7 SLO(s) in 3 file(s) OK\n", out)

	bad := writeSpec(t, t.TempDir(), "broken.yaml", badSpec)
	code, _, errOut := runCLI(t, "check", bad)
	require.Equal(t, 1, code)
	// Every error at once, in line order, each naming file, line and field.
	require.Equal(t, []string{
		bad + ":7: slos[0].objective: must be in (0,100), got 100",
		bad + `:14: slos[1].periodd: unknown field "periodd" (valid: name, description, objective, period, sli, capacity, rationale, dependsOn, review, minEvents, grouping, alerting, labels, policy, exclusions)`,
		bad + ":17: slos[1].sli.probe.success: must be a series selector such as metric{label=\"value\"}, got a function call expression",
		"3 problem(s) found",
	}, strings.Split(strings.TrimSpace(errOut), "\n"))
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, append([]string{"generate", "--tests", "-o", dir}, examples(t)...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "wrote 9 file(s) for 7 SLO(s)")
	names := listDir(t, dir)
	require.Equal(t, []string{
		"checkout.fast.test.yml", "checkout.rules.yml", "checkout.test.yml",
		"payments-db.fast.test.yml", "payments-db.rules.yml", "payments-db.test.yml",
		"payments.fast.test.yml", "payments.rules.yml", "payments.test.yml",
	}, names, "no temporary files are left behind")

	// The checked-in rules/ are what generate writes (make test checks it too).
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		want, err := os.ReadFile(filepath.Join("../../rules", n))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "rules/%s is stale: run make generate", n)
	}

	op := t.TempDir()
	code, _, errOut = runCLI(t, append([]string{"generate", "--format=prometheus-operator", "-o", op}, examples(t)...)...)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(filepath.Join(op, "payments.rules.yml"))
	require.NoError(t, err)
	require.Contains(t, string(b), "kind: PrometheusRule\n")

	// Grouped by service: one sli and one budget group for payments' two SLOs (one tile length).
	svc := t.TempDir()
	code, _, errOut = runCLI(t, append([]string{"generate", "--group-by=service", "-o", svc}, examples(t)...)...)
	require.Equal(t, 0, code, errOut)
	b, err = os.ReadFile(filepath.Join(svc, "payments.rules.yml"))
	require.NoError(t, err)
	var groups []string
	for _, m := range regexp.MustCompile(`(?m)^  - name: (\S+)$`).FindAllStringSubmatch(string(b), -1) {
		groups = append(groups, m[1])
	}
	require.Equal(t, []string{"slo:payments:sli", "slo:payments:tiles:10m", "slo:payments:budget"}, groups)

	code, _, errOut = runCLI(t, append([]string{"generate", "--gate.url=slokeeper:9099", "-o", op}, examples(t)...)...)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--gate.url must be an http(s) URL")

	code, _, errOut = runCLI(t, append([]string{"generate", "--tests", "--format=prometheus-operator", "-o", op}, examples(t)...)...)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--tests needs --format=prometheus")
}

// A bad spec among good ones writes nothing, and leaves earlier output as it
// was.
func TestGenerateWritesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "payments.rules.yml")
	require.NoError(t, os.WriteFile(old, []byte("# earlier output\n"), 0o644))
	bad := writeSpec(t, t.TempDir(), "broken.yaml", badSpec)
	code, _, errOut := runCLI(t, append([]string{"generate", "-o", dir, bad}, examples(t)...)...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "broken.yaml:7: slos[0].objective")
	require.Contains(t, errOut, "no files written")
	require.Equal(t, []string{"payments.rules.yml"}, listDir(t, dir))
	b, err := os.ReadFile(old)
	require.NoError(t, err)
	require.Equal(t, "# earlier output\n", string(b))
}

func TestUsageErrors(t *testing.T) {
	code, _, errOut := runCLI(t, "generate", "../../examples/payments.yaml")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--output.dir")

	code, _, errOut = runCLI(t, "check", "does-not-exist.yaml")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "does-not-exist.yaml")

	code, out, _ := runCLI(t, "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "generate")
}

func listDir(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// runAsCLI, set in the environment, makes the test binary run the CLI on its
// arguments instead of the tests: benchmarks measure a command in a process
// of its own that way.
const runAsCLI = "SLOKEEPER_TEST_RUN_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCLI) != "" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
