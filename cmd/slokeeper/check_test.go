package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// check warns about objectives their dependencies cannot deliver, on stderr, and still passes.
func TestCheckWarnings(t *testing.T) {
	code, out, errOut := runCLI(t, append([]string{"check"}, examples(t)...)...)
	require.Equal(t, 0, code)
	require.Equal(t, "7 SLO(s) in 3 file(s) OK\n", out)
	require.Equal(t, []string{
		"../../examples/payments.yaml:24: warning: payments/api-availability: objective 99.9% is above what its dependencies can deliver together: " +
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
	// 99.99% × (1 - 0.1%²) is enough for 99.95%; 300ms + 300ms is not enough for 500ms.
	require.Equal(t, []string{
		shop + ":13: warning: shop/latency: threshold 500ms at 95% is below what its dependencies may take together: 600ms " +
			"(api/slow-a 300ms at 95%, api/slow-b 300ms at 95%); raise the threshold or tighten a dependency's",
		"1 warning(s)",
	}, strings.Split(strings.TrimSpace(errOut), "\n"))
}
