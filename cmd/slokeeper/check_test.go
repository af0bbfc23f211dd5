package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// check warns about objectives their dependencies cannot deliver, and about SLOs without a review date, on stderr,
// and still passes.
func TestCheckWarnings(t *testing.T) {
	code, out, errOut := runCLI(t, append([]string{"check"}, examples(t)...)...)
	require.Equal(t, 0, code)
	require.Equal(t, "7 SLO(s) in 3 file(s) OK\n", out)
	// Every example has a review date: the one warning is about dependencies.
	require.Equal(t, []string{
		"../../examples/payments.yaml:26: warning: payments/api-availability: objective 99.9% is above what its dependencies can deliver together: " +
			"at most 99.5% (payments-db/availability 99.5%); lower the objective, make a dependency more reliable, or declare redundant dependencies with relation: parallel",
		"1 warning(s)",
	}, strings.Split(strings.TrimSpace(errOut), "\n"))

	dir := t.TempDir()
	shop := writeSpec(t, dir, "shop.yaml", `apiVersion: slokeeper/v1
service: shop
owner: team-shop
layer: product
slos:
  - name: checkout
    objective: 99.95
    sli: {probe: {success: 'probe_success{job="shop"}'}}
    dependsOn:
      - api/a
      - {slo: api/b, relation: parallel}
      - {slo: api/c, relation: parallel}
  - name: latency
    objective: 95
    sli: {latency: {histogram: shop_duration_seconds, threshold: 500ms}}
    dependsOn: [api/slow-a, api/slow-b]
`)
	api := writeSpec(t, dir, "api.yaml", `apiVersion: slokeeper/v1
service: api
owner: team-api
layer: service
slos:
  - {name: a, objective: 99.99, sli: {probe: {success: 'up{job="a"}'}}}
  - {name: b, objective: 99.9, sli: {probe: {success: 'up{job="b"}'}}}
  - {name: c, objective: 99.9, sli: {probe: {success: 'up{job="c"}'}}}
  - {name: slow-a, objective: 95, sli: {latency: {histogram: a_duration_seconds, threshold: 300ms}}}
  - {name: slow-b, objective: 95, sli: {latency: {histogram: b_duration_seconds, threshold: 300ms}}}
`)
	code, out, errOut = runCLI(t, "check", shop, api)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "7 SLO(s) in 2 file(s) OK\n", out)
	// 99.99% × (1 - 0.1%²) is enough for 99.95%; 300ms + 300ms is not enough for 500ms. None has a review date.
	var other []string
	noDate := 0
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if !strings.Contains(line, ": no review date: ") {
			other = append(other, line)
			continue
		}
		noDate++
		if strings.Contains(line, "shop/checkout") {
			require.Equal(t, shop+":6: warning: shop/checkout: no review date: set review.agreed (the date this SLO was agreed) or review.lastReviewed; "+
				"until then it is due one cadence (90d) after slokeeper first evaluates it", line)
		}
	}
	require.Equal(t, 7, noDate, "one per SLO without a review date")
	require.Equal(t, []string{
		shop + ":13: warning: shop/latency: threshold 500ms at 95% is below what its dependencies may take together: 600ms " +
			"(api/slow-a 300ms at 95%, api/slow-b 300ms at 95%); raise the threshold or tighten a dependency's",
		"8 warning(s)",
	}, other)
}

// check rejects every string that would make a rule file Prometheus (and so generate and run) refuses, and an
// events SLI whose errors are its total, each with file, line and field; generate rejects the same.
func TestCheckRejectsWhatRulesCannotHold(t *testing.T) {
	bad := writeSpec(t, t.TempDir(), "shop.yaml", `apiVersion: slokeeper/v1
service: shop
owner: team-shop
layer: service
labels: {note: "{{ .Labels.x"}
slos:
  - name: templates
    objective: 99.9
    labels: {component: "{{ range }}"}
    sli: {probe: {success: 'probe_success{job="shop"}'}}
    alerting:
      labels: {team: "{{ if }}"}
      annotations: {dashboard: "{{ range }}"}
  - name: commented
    objective: 99.9
    sli: {raw: {errorRatio: "sum(rate(errors_total[{{.window}}])) / sum(rate(requests_total[{{.window}}])) # ratio"}}
  - name: all-bad
    objective: 99.9
    sli:
      events:
        errors: 'http_requests_total{job="shop", code=~".*"}'
        total: 'http_requests_total{code=~".*",job="shop"}'
`)
	want := []string{
		bad + `:5: labels.note: alerts expand {{ }} in label values as Prometheus templates, and this one does not parse: template: __alert_check:1: unclosed action`,
		bad + `:9: slos[0].labels.component: alerts expand {{ }} in label values as Prometheus templates, and this one does not parse: template: __alert_check:1: missing value for range`,
		bad + `:12: slos[0].alerting.labels.team: alerts expand {{ }} in label values as Prometheus templates, and this one does not parse: template: __alert_check:1: missing value for if`,
		bad + `:13: slos[0].alerting.annotations.dashboard: annotations are Prometheus templates, and this one does not parse: template: __alert_check:1: missing value for range`,
		bad + `:16: slos[1].sli.raw.errorRatio: must not contain a # comment: slokeeper embeds it in larger expressions, where it would comment out the rest of the line`,
		bad + `:21: slos[2].sli.events.errors: is the same expression as total: every event would count as an error and the SLI would be 100% bad; ` +
			`select only the failed events, e.g. total's selector with a matcher such as code=~"5.."`,
	}
	code, out, errOut := runCLI(t, "check", bad)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, append(want, "6 problem(s) found"), strings.Split(strings.TrimSpace(errOut), "\n"))

	code, _, errOut = runCLI(t, "generate", "-o", t.TempDir(), bad)
	require.Equal(t, 1, code)
	require.Equal(t, append(want, "no files written"), strings.Split(strings.TrimSpace(errOut), "\n"))
}

// check runs every check generate runs before it writes: over every bad spec fixture of the repository, and two
// spec files of the same base name (which would write the same rule file), both fail, with the same problems.
func TestCheckRejectsWhatGenerateRejects(t *testing.T) {
	const fixtures = "../../testdata/bad-specs"
	cases := map[string][]string{}
	entries, err := os.ReadDir(fixtures)
	require.NoError(t, err)
	for _, e := range entries {
		p := filepath.Join(fixtures, e.Name())
		if !e.IsDir() {
			cases[e.Name()] = []string{p}
			continue
		}
		files, err := filepath.Glob(filepath.Join(p, "*.yaml"))
		require.NoError(t, err)
		require.NotEmpty(t, files, p)
		cases[e.Name()] = files
	}
	require.GreaterOrEqual(t, len(cases), 60, "the fixtures are where they were")

	// Two good files, two directories, one base name: each spec is fine, together they are not.
	a, b := filepath.Join(t.TempDir(), "payments.yaml"), filepath.Join(t.TempDir(), "payments.yml")
	for i, p := range []string{a, b} {
		writeSpec(t, filepath.Dir(p), filepath.Base(p), fmt.Sprintf("apiVersion: slokeeper/v1\nservice: svc-%d\nowner: o\nlayer: service\n"+
			"slos:\n  - {name: up, objective: 99, sli: {probe: {success: up}}}\n", i))
	}
	cases["same base name"] = []string{a, b}

	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			gen, _, genErr := runCLI(t, append([]string{"generate", "-o", t.TempDir()}, files...)...)
			require.Equal(t, 1, gen, genErr)
			problems, ok := strings.CutSuffix(genErr, "no files written\n")
			require.True(t, ok, genErr)

			code, out, errOut := runCLI(t, append([]string{"check"}, files...)...)
			require.Equal(t, 1, code, "check passes what generate rejects: %s", genErr)
			require.Empty(t, out)
			require.Regexp(t, `(?s)^`+regexp.QuoteMeta(problems)+`\d+ problem\(s\) found\n$`, errOut)
		})
	}
}

// check refuses a FIFO without waiting for a writer, and a device without reading it.
func TestCheckRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, tc := range []struct{ path, want string }{
		{fifo, fifo + ": couldn't read: is a FIFO (named pipe), not a regular file: spec files must be regular files"},
		{"/dev/zero", "/dev/zero: couldn't read: is a character device, not a regular file: spec files must be regular files"},
	} {
		type result struct {
			code   int
			errOut string
		}
		done := make(chan result, 1)
		go func() {
			code, _, errOut := runCLI(t, "check", tc.path)
			done <- result{code, errOut}
		}()
		select {
		case r := <-done:
			require.Equal(t, 1, r.code)
			require.Equal(t, tc.want+"\n1 problem(s) found\n", r.errOut)
		case <-time.After(10 * time.Second):
			t.Fatalf("check blocked on %s", tc.path)
		}
	}
}
