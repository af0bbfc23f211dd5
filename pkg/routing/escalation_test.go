package routing_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/routing"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// badFiles maps each fixture testdata/NAME.bad.yaml to the messages its
// decoding, or else its validation, must produce.
var badFiles = []struct {
	name string
	want []string
}{
	{"unknown-field", []string{
		`line 2: escalation: unknown field "defaults_receiver"; the fields are default_receiver, freeze, group_by, group_interval, group_wait, layers, repeat_interval, teams`,
		`line 5: escalation.teams["team-x"]: unknown field "paper"; the fields are pager, tickets`,
		`line 8: escalation.layers.product: unknown field "notify"; the fields are also_notify`,
		`line 10: escalation.freeze: unknown field "notfy"; the fields are notify, page`,
	}},
	{"bad-duration", []string{`line 3: escalation.repeat_interval: must be a duration such as 30s, 5m or 4h, got "4 hours"`}},
	{"bad-type", []string{"line 3: cannot unmarshal !!seq into map[string]routing.Team"}},
	{"duplicate-key", []string{`line 6: mapping key "team-x" already defined at line 4`}},
	{"invalid", []string{
		`escalation.default_receiver: must not be empty`,
		`escalation.teams["team-x"].pager: must not be empty`,
		`escalation.layers: unknown layer "frontend"; the layers are product, service, infrastructure`,
		`escalation.layers.product.also_notify: must list at least one receiver`,
		`escalation.freeze.notify[1]: receiver "release-management" is listed twice (also escalation.freeze.notify[0])`,
		`escalation.freeze.notify[2]: receiver names must not be empty`,
		`escalation.group_by[1]: "service-name" is not a label name`,
		`escalation.group_by[2]: label "alertname" is listed twice`,
	}},
}

func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.yaml")
	require.NoError(t, err)
	require.Len(t, files, len(badFiles), "every fixture needs a row in badFiles")
	for _, tc := range badFiles {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.name+".bad.yaml"))
			require.NoError(t, err)
			cfg, err := decode(data)
			if err == nil {
				err = cfg.Validate()
			}
			require.Error(t, err)
			for _, want := range tc.want {
				require.Contains(t, err.Error(), want)
			}
			var messages []string
			for _, line := range strings.Split(err.Error(), "\n") {
				if line != "yaml: unmarshal errors:" {
					messages = append(messages, line)
				}
			}
			require.Len(t, messages, len(tc.want), "unexpected extra messages in:\n%v", err)
		})
	}
}

func TestValidate(t *testing.T) {
	valid := func() routing.Config {
		return routing.Config{
			DefaultReceiver: "slo-unrouted",
			Teams:           map[string]routing.Team{"team-x": {Pager: "x-pager"}},
		}
	}
	cases := []struct {
		name   string
		modify func(*routing.Config)
		want   string // "" for valid
	}{
		{"valid", func(*routing.Config) {}, ""},
		{"no teams is valid", func(c *routing.Config) { c.Teams = nil }, ""},
		{"every layer", func(c *routing.Config) {
			c.Layers = map[slo.Layer]routing.LayerEscalation{}
			for _, l := range slo.Layers {
				c.Layers[l] = routing.LayerEscalation{AlsoNotify: []string{string(l) + "-leads"}}
			}
		}, ""},
		{"group by all", func(c *routing.Config) { c.GroupBy = []string{"..."} }, ""},
		{"no default receiver", func(c *routing.Config) { c.DefaultReceiver = "" },
			"escalation.default_receiver: must not be empty"},
		{"empty pager", func(c *routing.Config) { c.Teams["team-y"] = routing.Team{Tickets: "y-tickets"} },
			`escalation.teams["team-y"].pager: must not be empty`},
		{"empty team name", func(c *routing.Config) { c.Teams[""] = routing.Team{Pager: "p"} },
			`escalation.teams[""]: team names are values of the owner label and must be non-empty UTF-8`},
		{"invalid UTF-8 team name", func(c *routing.Config) { c.Teams["team-\xff"] = routing.Team{Pager: "p"} },
			`escalation.teams["team-\xff"]: team names are values of the owner label and must be non-empty UTF-8`},
		{"unknown layer", func(c *routing.Config) {
			c.Layers = map[slo.Layer]routing.LayerEscalation{"platform": {AlsoNotify: []string{"p"}}}
		}, `escalation.layers: unknown layer "platform"; the layers are product, service, infrastructure`},
		{"layer without receivers", func(c *routing.Config) {
			c.Layers = map[slo.Layer]routing.LayerEscalation{slo.LayerService: {}}
		}, "escalation.layers.service.also_notify: must list at least one receiver"},
		{"empty layer receiver", func(c *routing.Config) {
			c.Layers = map[slo.Layer]routing.LayerEscalation{slo.LayerProduct: {AlsoNotify: []string{"a", ""}}}
		}, "escalation.layers.product.also_notify[1]: receiver names must not be empty"},
		{"empty freeze receiver", func(c *routing.Config) { c.Freeze.Notify = []string{""} },
			"escalation.freeze.notify[0]: receiver names must not be empty"},
		{"group by all and more", func(c *routing.Config) { c.GroupBy = []string{"service", "..."} },
			`escalation.group_by[1]: "..." (group by all labels) must be the only entry`},
		{"group by an invalid label", func(c *routing.Config) { c.GroupBy = []string{"0service"} },
			`escalation.group_by[0]: "0service" is not a label name`},
		{"negative repeat interval", func(c *routing.Config) { c.RepeatInterval = model.Duration(-1) },
			"escalation.repeat_interval: must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.modify(&cfg)
			err := cfg.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				_, err := routing.Generate(cfg)
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			_, err = routing.Generate(cfg)
			require.ErrorContains(t, err, "invalid escalation config: "+tc.want)
		})
	}
}

func TestDecodeSample(t *testing.T) {
	cfg := sample(t)
	require.Equal(t, "slo-unrouted", cfg.DefaultReceiver)
	require.Equal(t, routing.Team{Pager: "search-pager"}, cfg.Teams["team-search"])
	require.Equal(t, "search-pager", cfg.Teams["team-search"].TicketReceiver())
	require.Equal(t, "payments-tickets", cfg.Teams["team-payments"].TicketReceiver())
	require.Equal(t, []string{"platform-oncall", "sre-leads"}, cfg.Layers[slo.LayerInfrastructure].AlsoNotify)
	require.Equal(t, []string{"release-management"}, cfg.Freeze.Notify)
	require.Equal(t, "4h", cfg.RepeatInterval.String())
	require.Empty(t, cfg.GroupBy, "defaults are applied by Generate, not when decoding")
}
