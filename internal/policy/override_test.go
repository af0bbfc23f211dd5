package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// SetOverride refuses an override that would make a poor audit record: who or why empty, too long, or holding
// control characters (a newline forges a line of the log; an escape sequence rewrites the terminal of whoever
// reads it), and one that lasts longer than 90 days. The limits themselves are accepted.
func TestSetOverrideRefuses(t *testing.T) {
	ok := Override{Action: OverrideSet, Who: "alice", Why: "INC-42: release freeze", At: t0, Expires: t0.Add(time.Hour)}
	with := func(change func(o *Override)) Override {
		o := ok
		change(&o)
		return o
	}
	for _, tc := range []struct {
		name string
		o    Override
		want string // empty: accepted
	}{
		{"valid", ok, ""},
		{"who at the limit", with(func(o *Override) { o.Who = strings.Repeat("é", 200) }), ""},
		{"why at the limit", with(func(o *Override) { o.Why = strings.Repeat("é", 1000) }), ""},
		{"90 days", with(func(o *Override) { o.Expires = t0.Add(90 * 24 * time.Hour) }), ""},

		{"who blank", with(func(o *Override) { o.Who = " \t " }), "an override needs who and why, for the audit trail"},
		{"why blank", with(func(o *Override) { o.Why = "  " }), "an override needs who and why, for the audit trail"},
		{"who too long", with(func(o *Override) { o.Who = strings.Repeat("é", 201) }),
			"who must be at most 200 characters, got 201: give a name or handle"},
		{"why too long", with(func(o *Override) { o.Why = strings.Repeat("a", 1001) }),
			"why must be at most 1000 characters, got 1001: give a short reason with a link to the incident or ticket"},
		{"who newline", with(func(o *Override) { o.Who = "alice\nlevel=info msg=forged" }),
			`who must be printable text on one line, got "alice\nlevel=info msg=forged": remove the control characters (newlines, tabs, escapes)`},
		{"why escape", with(func(o *Override) { o.Why = "fix \x1b[2Jcleared" }),
			`why must be printable text on one line, got "fix \x1b[2Jcleared": remove the control characters (newlines, tabs, escapes)`},
		{"why tab", with(func(o *Override) { o.Why = "a\tb" }),
			`why must be printable text on one line, got "a\tb": remove the control characters (newlines, tabs, escapes)`},
		{"who C1 control", with(func(o *Override) { o.Who = "bob\u0085" }),
			`who must be printable text on one line, got "bob\u0085": remove the control characters (newlines, tabs, escapes)`},
		{"who not UTF-8", with(func(o *Override) { o.Who = "bob\xff" }), `who must be UTF-8 text, got "bob\xff"`},
		{"90 days and a second", with(func(o *Override) { o.Expires = t0.Add(90*24*time.Hour + time.Second) }),
			"an override may last at most 90 days, got one made at 2026-11-02T09:00:00Z that expires at 2027-01-31T09:00:01Z: " +
				"choose a shorter duration, and renew the override if it is still needed then"},
		{"292 years", with(func(o *Override) { o.Expires = t0.Add(292 * 365 * 24 * time.Hour) }),
			"an override may last at most 90 days, got one made at 2026-11-02T09:00:00Z that expires at 2318-08-24T09:00:00Z: " +
				"choose a shorter duration, and renew the override if it is still needed then"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRun(t)
			r.step(0, budget("shop", "avail", slo.LayerProduct, 0.9))
			err := r.state.SetOverride("shop", tc.o)
			svc := r.state.Services["shop"]
			if tc.want == "" {
				require.NoError(t, err)
				require.Equal(t, &tc.o, svc.Override)
				require.Equal(t, []Override{tc.o}, svc.History)
				return
			}
			require.EqualError(t, err, tc.want)
			require.Nil(t, svc.Override, "a refused override is not in force")
			require.Empty(t, svc.History, "nor in the history")
		})
	}
}
