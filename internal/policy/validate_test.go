package policy

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// goodEntry is a valid service entry of policy.json, as slokeeper writes it; each bad case breaks one field.
func goodEntry() map[string]any {
	override := func() map[string]any {
		return map[string]any{"action": "lift", "who": "alice", "why": "P0 fix",
			"at": "2026-11-26T10:00:00Z", "expires": "2026-11-26T12:00:00Z"}
	}
	return map[string]any{
		"service": "payments", "owner": "team-pay", "status": "frozen", "since": "2026-11-26T09:00:00Z",
		"reason": "budget spent", "freezes": 1,
		"triggers":        []any{map[string]any{"slo": "avail", "layer": "service", "budget_remaining": -0.1, "threshold": 0}},
		"unknown_budgets": []any{"latency"},
		"override":        override(),
		"history":         []any{override()},
	}
}

// writeState writes policy.json with the given services and returns its store.
func writeState(t *testing.T, services map[string]any) Store {
	t.Helper()
	b, err := json.Marshal(map[string]any{"version": 1, "services": services})
	require.NoError(t, err)
	s := Store{Path: filepath.Join(t.TempDir(), "policy.json")}
	require.NoError(t, os.WriteFile(s.Path, b, 0o600))
	return s
}

// A policy.json that is valid JSON but a wrong state is refused on load, with the entry, the field and what to
// change; before, it loaded and the daemon panicked in the deploy gate later.
func TestLoadRefusesWrongState(t *testing.T) {
	history := make([]any, MaxHistory+1)
	for i := range history {
		history[i] = goodEntry()["override"]
	}
	for _, tc := range []struct {
		name     string
		services map[string]any
		edit     func(e map[string]any)
		want     string // after "policy state PATH: "
	}{
		{name: "null entry", services: map[string]any{"payments": nil},
			want: `services["payments"]: is null: remove the entry or move the file away to start from an empty state (every service unfrozen)`},
		{name: "another service's name", edit: func(e map[string]any) { e["service"] = "checkout" },
			want: `services["payments"].service: is "checkout", not the entry's key "payments": set one to the other`},
		{name: "unknown status", edit: func(e map[string]any) { e["status"] = "thawed" },
			want: `services["payments"].status: unknown status "thawed": use "ok", "warning" or "frozen"`},
		{name: "no status", edit: func(e map[string]any) { delete(e, "status") },
			want: `services["payments"].status: unknown status "": use "ok", "warning" or "frozen"`},
		{name: "no since", edit: func(e map[string]any) { delete(e, "since") },
			want: `services["payments"].since: is missing or zero: set when the service entered its status, e.g. "2026-11-26T09:00:00Z"`},
		{name: "negative freezes", edit: func(e map[string]any) { e["freezes"] = -2 },
			want: `services["payments"].freezes: must not be negative, got -2: set the number of freezes, 0 if unknown`},
		{name: "trigger without SLO", edit: func(e map[string]any) { e["triggers"] = []any{map[string]any{"budget_remaining": 0}} },
			want: `services["payments"].triggers[0].slo: is empty: set the name of the SLO or remove the trigger`},
		{name: "unknown override", edit: func(e map[string]any) { e["override"].(map[string]any)["action"] = "thaw" },
			want: `services["payments"].override.action: unknown override "thaw": use "lift" or "set"`},
		{name: "override without who", edit: func(e map[string]any) { e["override"].(map[string]any)["who"] = "" },
			want: `services["payments"].override.who: is empty: set who made the override, for the audit trail`},
		{name: "override expiring when made", edit: func(e map[string]any) { e["override"].(map[string]any)["expires"] = "2026-11-26T10:00:00Z" },
			want: `services["payments"].override.expires: 2026-11-26T10:00:00Z is not after at (2026-11-26T10:00:00Z): set when the override ends`},
		{name: "history entry without why", edit: func(e map[string]any) {
			e["history"] = []any{goodEntry()["override"], map[string]any{"action": "set", "who": "bob", "at": "2026-11-26T10:00:00Z", "expires": "2026-11-27T10:00:00Z"}}
		}, want: `services["payments"].history[1].why: is empty: set why the override was made, for the audit trail`},
		{name: "history entry without at", edit: func(e map[string]any) { delete(e["history"].([]any)[0].(map[string]any), "at") },
			want: `services["payments"].history[0].at: is missing or zero: set when the override was made, e.g. "2026-11-26T09:00:00Z"`},
		{name: "history too long", edit: func(e map[string]any) { e["history"] = history },
			want: `services["payments"].history: has 51 entries, slokeeper keeps at most 50: remove the oldest (first) ones`},
		{name: "empty key", services: map[string]any{"": map[string]any{"status": "ok", "since": "2026-11-26T09:00:00Z"}},
			want: `services[""]: the key is empty: set it to the service's name or remove the entry`},
		{name: "every problem, in key order", services: map[string]any{"shop": map[string]any{"status": "ok"}, "pay": nil},
			want: `services["pay"]: is null: remove the entry or move the file away to start from an empty state (every service unfrozen)` + "\n" +
				`services["shop"].since: is missing or zero: set when the service entered its status, e.g. "2026-11-26T09:00:00Z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			services := tc.services
			if services == nil {
				e := goodEntry()
				tc.edit(e)
				services = map[string]any{"payments": e}
			}
			s := writeState(t, services)
			_, err := s.Load()
			require.EqualError(t, err, "policy state "+s.Path+": "+tc.want)
		})
	}
}

// Problems a file cannot hold (JSON has no NaN) are still refused in a state built in memory, and a file broken
// everywhere gives a bounded message.
func TestValidateInMemory(t *testing.T) {
	svc := func() *Service {
		return &Service{Service: "pay", Status: StatusOK, Since: t0}
	}
	nan := svc()
	nan.Triggers = []Trigger{{SLO: "avail", Remaining: math.NaN(), Threshold: math.Inf(1)}}
	require.EqualError(t, State{Services: map[string]*Service{"pay": nan}}.Validate(),
		`services["pay"].triggers[0].budget_remaining: must be a number, got NaN: set the share of the budget or remove the trigger`+"\n"+
			`services["pay"].triggers[0].threshold: must be a number, got +Inf: set the share of the budget or remove the trigger`)

	many := State{Services: map[string]*Service{}}
	for _, k := range strings.Split("a b c d e f g h i j k l", " ") {
		many.Services[k] = nil
	}
	err := many.Validate()
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, maxStateErrors+1)
	require.Equal(t, "and 2 more problems", lines[maxStateErrors])

	require.NoError(t, State{Services: map[string]*Service{"pay": svc()}}.Validate())
	require.NoError(t, State{}.Validate(), "an empty state is a first start")
}

// A good state, with every field set, round-trips through Save and Load; an entry without its service name gets
// the key's.
func TestGoodStateRoundTrips(t *testing.T) {
	o := Override{Action: OverrideSet, Who: "alice", Why: "incident 42", At: t0, Expires: t0.Add(4 * time.Hour)}
	st := State{Services: map[string]*Service{
		"pay": {Service: "pay", Owner: "team-pay", Status: StatusFrozen, Since: t0, Reason: "freeze set by alice",
			Triggers: []Trigger{{SLO: "avail", Layer: slo.LayerService, Remaining: -0.25, Threshold: 0}},
			Unknown:  []string{"latency"}, Freezes: 3, Override: &o, History: []Override{o, o}},
		"shop": {Service: "shop", Status: StatusOK, Since: t0.Add(time.Hour), Reason: "every SLO within its budget"},
	}}
	require.NoError(t, st.Validate())
	s := Store{Path: filepath.Join(t.TempDir(), "policy.json")}
	require.NoError(t, s.Save(st))
	got, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, st, got)

	e := goodEntry()
	delete(e, "service")
	got, err = writeState(t, map[string]any{"payments": e}).Load()
	require.NoError(t, err)
	require.Equal(t, "payments", got.Services["payments"].Service)
}
