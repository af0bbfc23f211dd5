package main

import (
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/internal/web"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The gate command against the daemon's real gate route, over a real policy state.
func TestGateCommand(t *testing.T) {
	since := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	ps := policy.Policies{policy.DefaultName: policy.Default()}
	st, _ := policy.Evaluate(policy.State{}, ps, []policy.Budget{
		{Service: "payments", SLO: "availability", Layer: slo.LayerService, Remaining: -0.12},
		{Service: "shop", SLO: "journey", Layer: slo.LayerProduct, Remaining: 0.8},
		{Service: "nodata", SLO: "latency", Layer: slo.LayerService, Remaining: math.NaN()},
	}, since)
	h := web.New(web.Options{Gate: func(service, class string) (any, web.GateAnswer) {
		d, ok := st.Gate(ps, policy.GateRequest{Service: service, ChangeClass: class, Now: since.Add(time.Second), MaxAge: time.Minute})
		switch {
		case service == "fresh": // loaded, budgets not evaluated yet
			return nil, web.GateNotYet
		case !ok:
			return nil, web.GateUnknownService
		case d.Blind():
			return d, web.GateBlind
		case !d.Allowed:
			return d, web.GateRefused
		}
		return d, web.GateAllowed
	}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"--service=shop"}, 0, "shop may ship (ok: every SLO within its budget)\n", ""},
		{[]string{"--service=payments"}, 1, "payments is frozen since 2026-11-26T09:00:00Z: budget spent: availability at -12.0% of its budget (threshold 0.0%)\n", ""},
		{[]string{"--service=payments", "--change-class=security"}, 0, "payments may ship this security change through its freeze (frozen since 2026-11-26T09:00:00Z: budget spent: availability at -12.0% of its budget (threshold 0.0%))\n", ""},
		{[]string{"--service=nope"}, 2, "", `slokeeper gate: unknown service "nope": no loaded SLO belongs to it`},
		{[]string{"--service=fresh"}, 2, "", `slokeeper gate: the budgets of service "fresh" are not known yet`},
		{[]string{"--service=nodata"}, 2, "", `slokeeper gate: service "nodata": the budgets of latency are not known (no data); the gate lets a change through only when it knows every budget`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"gate", "--url=" + srv.URL}, tc.args...)...)
			require.Equal(t, tc.code, code, errOut)
			require.Equal(t, tc.out, out)
			require.Contains(t, errOut, tc.err)
		})
	}

	code, _, errOut := runCLI(t, "gate", "--url=ftp://x", "--service=shop")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--url must be an http(s) URL")
	// Nothing listening: the gate cannot answer, which must not read as "ship".
	closed := httptest.NewServer(h)
	closed.Close()
	code, _, errOut = runCLI(t, "gate", "--url="+closed.URL, "--service=shop", "--timeout=2s")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "couldn't ask the gate")
}
