package main

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

// The freeze command against the daemon's real override route; the override itself is tested in internal/app.
func TestFreezeCommand(t *testing.T) {
	var got []v1.OverrideRequest
	override := func(service string, req v1.OverrideRequest) (any, bool, error) {
		if service != "payments" {
			return nil, false, nil
		}
		if req.Action == "set" && req.Duration == "0s" {
			return nil, true, errors.New("duration: must be a positive duration such as 4h or 2d, got \"0s\"")
		}
		got = append(got, req)
		return map[string]string{"status": map[string]string{"lift": "warning", "set": "frozen"}[req.Action], "reason": "freeze " + req.Action + " by " + req.Who}, true, nil
	}
	admin := httptest.NewServer(web.New(web.Options{Override: override, EnableAdmin: true}))
	t.Cleanup(admin.Close)
	closed := httptest.NewServer(web.New(web.Options{Override: override}))
	t.Cleanup(closed.Close)

	code, out, errOut := runCLI(t, "freeze", "lift", "--url="+admin.URL, "--service=payments", "--reason=CVE-2026-1234 fix", "--who=alice", "--duration=4h")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "payments is now warning: freeze lift by alice\n", out)
	require.Equal(t, []v1.OverrideRequest{{Action: "lift", Who: "alice", Reason: "CVE-2026-1234 fix", Duration: "4h"}}, got)

	code, out, _ = runCLI(t, "freeze", "set", "--url="+admin.URL, "--service=payments", "--reason=release freeze", "--who=bob")
	require.Equal(t, 0, code)
	require.Equal(t, "payments is now frozen: freeze set by bob\n", out)
	require.Equal(t, "1d", got[1].Duration, "24h by default")

	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"set", "--url=" + admin.URL, "--service=payments", "--reason=x", "--duration=0s"}, 1, `duration: must be a positive duration`},
		{[]string{"set", "--url=" + admin.URL, "--service=nope", "--reason=x"}, 1, `unknown service "nope"`},
		{[]string{"set", "--url=" + closed.URL, "--service=payments", "--reason=x"}, 1, "admin APIs are disabled: start slokeeper with --web.enable-admin-api"},
		{[]string{"set", "--service=payments"}, 2, "required flag(s) '--reason' not provided"},
	} {
		code, _, errOut := runCLI(t, append([]string{"freeze"}, tc.args...)...)
		require.Equal(t, tc.code, code, errOut)
		require.Contains(t, errOut, tc.err)
	}
}
