package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/e2etest"
)

const remoteSpec = `apiVersion: slokeeper/v1
service: api
owner: team-api
layer: service
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        errors: api_requests_total{job="api",code="500"}
        total: api_requests_total{job="api"}
  - name: ghost
    objective: 99
    sli:
      events:
        errors: ghost_total{code="500"}
        total: ghost_total
`

// checkConfig writes a daemon config with global.external_labels {cluster: eu1} and a remote_read named prom to
// url, with the extra lines of the remote_read (e.g. filter_external_labels).
func checkConfig(t *testing.T, dir, url, extra string) string {
	t.Helper()
	return writeSpec(t, dir, "slokeeper-"+fmt.Sprint(len(extra))+".yml", fmt.Sprintf(`global:
  external_labels: {cluster: eu1}
specs: ["*.yaml"]
remote_read:
  - name: prom
    url: %s
    read_recent: true
%s`, url, extra))
}

// `slokeeper check --config.file` tests the SLIs' selectors against a real Prometheus over remote read, as the
// daemon reads it: the external labels it filters by make everything match nothing, and check says so, names
// the labels and fails; without the filter only the selector no source has fails; without the flag nothing is
// read and the check passes as before.
func TestCheckRemote(t *testing.T) {
	t.Parallel()
	prom := e2etest.StartPrometheus(t, e2etest.PrometheusOptions{})
	now := time.Now()
	var series []e2etest.Series
	for _, code := range []string{"200", "500"} {
		series = append(series, e2etest.Series{
			Labels:  map[string]string{"__name__": "api_requests_total", "job": "api", "code": code},
			Samples: []e2etest.Sample{{T: now.Add(-time.Minute), V: 1}, {T: now, V: 2}},
		})
	}
	require.NoError(t, prom.Push(t.Context(), series))
	dir := t.TempDir()
	spec := writeSpec(t, dir, "api.yaml", remoteSpec)

	// The shape docs/daemon.md shows: external labels beside remote_read, filter_external_labels left at its default.
	code, out, errOut := runCLI(t, "check", "--config.file="+checkConfig(t, dir, prom.RemoteReadURL(), ""), spec)
	require.Equal(t, 1, code, errOut)
	require.Empty(t, out)
	require.Equal(t, []string{
		spec + `:6: error: api/availability: no series match api_requests_total{job="api"} in any source over the last 10m; ` +
			`remote read "prom" holds 2 series without the external labels {cluster="eu1"}, which it adds as matchers (filter_external_labels defaults to true): ` +
			`set filter_external_labels: false on that remote_read, or add the labels to its series`,
		spec + `:12: error: api/ghost: no series match ghost_total in any source over the last 10m; check the selector's metric name and labels against the series the sources hold`,
		"2 SLO(s) read selectors that match no series over remote_read",
	}, problems(errOut))

	unfiltered := checkConfig(t, dir, prom.RemoteReadURL(), "    filter_external_labels: false\n")
	code, out, errOut = runCLI(t, "check", "--config.file="+unfiltered, spec)
	require.Equal(t, 1, code, errOut)
	require.Empty(t, out)
	require.Equal(t, []string{
		spec + `:12: error: api/ghost: no series match ghost_total in any source over the last 10m; check the selector's metric name and labels against the series the sources hold`,
		"1 SLO(s) read selectors that match no series over remote_read",
	}, problems(errOut))

	present := writeSpec(t, dir, "present.yaml", remoteSpec[:strings.Index(remoteSpec, "  - name: ghost")])
	code, out, errOut = runCLI(t, "check", "--config.file="+unfiltered, present)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "the SLIs' selectors of 1 SLO(s) match series over 1 remote_read endpoint(s)\n1 SLO(s) in 1 file(s) OK\n", out)

	// Without the flag, nothing is read.
	code, out, errOut = runCLI(t, "check", spec)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "2 SLO(s) in 1 file(s) OK\n", out)
}

// problems are the lines of check's stderr that are not warnings (which other checks print and do not fail on).
func problems(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.Contains(l, ": warning: ") && !strings.HasSuffix(l, " warning(s)") {
			out = append(out, l)
		}
	}
	return out
}

// A remote that does not answer cannot vouch for a selector: the check fails and says so; so does a config
// without remote_read.
func TestCheckRemoteFailures(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, "api.yaml", remoteSpec)
	dead := "http://" + e2etest.DeadAddress(t) + "/api/v1/read" // nothing listens there
	code, out, errOut := runCLI(t, "check", "--config.file="+checkConfig(t, dir, dead, ""), spec)
	require.Equal(t, 1, code, errOut)
	require.Empty(t, out)
	require.Contains(t, errOut, "slokeeper: couldn't test every SLI selector over remote_read: couldn't probe api_requests_total{job=\"api\"}")
	require.NotContains(t, errOut, "error: api/", "an unanswered selector is not reported as missing")

	noRemote := writeSpec(t, dir, "local.yml", "global:\n  external_labels: {cluster: eu1}\nspecs: [\"*.yaml\"]\n")
	code, _, errOut = runCLI(t, "check", "--config.file="+noRemote, spec)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "has no remote_read")

	code, _, errOut = runCLI(t, "check", "--config.file="+filepath.Join(dir, "absent.yml"), spec)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "couldn't load --config.file")
}
