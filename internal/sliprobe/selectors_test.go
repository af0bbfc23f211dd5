package sliprobe

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

func keys(t *testing.T, sli slo.SLI) []string {
	t.Helper()
	sels, err := Selectors(&slo.SLO{Service: "svc", Name: "x", SLI: sli})
	require.NoError(t, err)
	out := make([]string, len(sels))
	for i, s := range sels {
		out[i] = s.Key
		require.NotEmpty(t, s.Matchers, s.Key)
	}
	return out
}

// Each SLI kind is probed on the selectors its generated rules read; an errors selector is not one of them.
func TestSelectors(t *testing.T) {
	for name, tc := range map[string]struct {
		sli  slo.SLI
		want []string
	}{
		"events with errors: the total only": {
			slo.SLI{Kind: slo.SLIEvents, Errors: `http_requests_total{job="api",code=~"5.."}`, Total: `http_requests_total{job="api"}`},
			[]string{`http_requests_total{job="api"}`},
		},
		"events with good: both": {
			slo.SLI{Kind: slo.SLIEvents, Good: `ok_total{job="api"}`, Total: `all_total{job="api"}`},
			[]string{`all_total{job="api"}`, `ok_total{job="api"}`},
		},
		"events as window queries: every selector, once, matchers sorted": {
			slo.SLI{Kind: slo.SLIEvents, Errors: `sum(rate(e_total[{{.window}}]))`,
				Total: `sum(rate(a_total{z="1",job="api"}[{{ .window }}])) + sum(rate(b_total[{{.window}}] offset 1m)) + sum(rate(a_total{job="api",z="1"}[{{.window}}]))`},
			[]string{`a_total{job="api",z="1"}`, `b_total`},
		},
		"classic histogram: _count and the threshold's bucket": {
			slo.SLI{Kind: slo.SLILatency, Histogram: `http_duration_seconds{job="api"}`, Threshold: 0.3},
			[]string{`http_duration_seconds_count{job="api"}`, `http_duration_seconds_bucket{job="api",le=~"0\\.30*"}`},
		},
		"native histogram": {
			slo.SLI{Kind: slo.SLINativeLatency, Histogram: `http_duration_seconds{job="api"}`, Threshold: 0.3},
			[]string{`http_duration_seconds{job="api"}`},
		},
		"probe": {
			slo.SLI{Kind: slo.SLIProbe, Success: `probe_success{job="blackbox"}`},
			[]string{`probe_success{job="blackbox"}`},
		},
		"raw: every selector of the query": {
			slo.SLI{Kind: slo.SLIRaw, ErrorRatio: `sum(rate(e_total[{{.window}}])) / sum(rate(t_total[{{.window}}]))`},
			[]string{`e_total`, `t_total`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, keys(t, tc.sli))
		})
	}
}

func TestSelectorsRefusesWhatItCannotRead(t *testing.T) {
	_, err := Selectors(&slo.SLO{SLI: slo.SLI{Kind: slo.SLIEvents, Total: `sum(`}})
	require.ErrorContains(t, err, "couldn't parse the SLI query")
	_, err = Selectors(&slo.SLO{SLI: slo.SLI{Kind: "unknown"}})
	require.ErrorContains(t, err, "no selectors")
}
