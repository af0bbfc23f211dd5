package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/config"
)

const fieldList = "global, specs, storage, windows, backfill, policies, escalation, alerting, remote_read, remote_write"

// badConfigs maps each fixture testdata/NAME.bad.yml to every error it must
// produce (from Load, or from SpecFiles when Load accepts it), in order.
var badConfigs = []struct {
	name string
	want []string
}{
	{"alertmanager-url-target", []string{
		`testdata/alertmanager-url-target.bad.yml:7: alerting.alertmanagers[0].static_configs[0].targets[1]: "http://127.0.0.1:9094/" is not a valid hostname`,
		`testdata/alertmanager-url-target.bad.yml:8: alerting.alertmanagers[1]: expected Alertmanager api version to be one of [v2] but got v1`,
		`testdata/alertmanager-url-target.bad.yml:11: alerting.alertmanagers[2].kubernetes_sd_config: unknown field "kubernetes_sd_config"`,
	}},
	{"kubernetes-sd", []string{
		`testdata/kubernetes-sd.bad.yml:6: alerting.alertmanagers[0].kubernetes_sd_configs: unknown field "kubernetes_sd_configs"`,
	}},
	{"bad-duration", []string{
		`testdata/bad-duration.bad.yml:2: global.evaluation_interval: must be a duration such as 30s, 5m, 1h or 91d, got "5x"`,
		`testdata/bad-duration.bad.yml:5: backfill.max_lookback: must be a duration such as 30s, 5m, 1h or 91d, got "1 week"`,
		`testdata/bad-duration.bad.yml:8: remote_read[0].remote_timeout: unknown unit "x" in duration "1x"`,
	}},
	{"bad-external-label", []string{
		`testdata/bad-external-label.bad.yml:4: global.external_labels.__tenant__: label names starting with "__" are reserved for Prometheus' internal use: choose another name`,
		`testdata/bad-external-label.bad.yml:5: global.external_labels: "" is not a valid label name`,
		`testdata/bad-external-label.bad.yml:6: global.external_labels.cluster: label "cluster" appears twice (first on line 3)`,
		`testdata/bad-external-label.bad.yml:7: global.external_labels.replica: must be a non-empty label value, got ""`,
	}},
	{"bad-relabel", []string{
		`testdata/bad-relabel.bad.yml:4: alerting.alert_relabel_configs[0]: relabel configuration for replace action requires 'target_label' value`,
		`testdata/bad-relabel.bad.yml:14: remote_write[0].write_relabel_configs[1]: relabel configuration for hashmod requires non-zero modulus`,
		"testdata/bad-relabel.bad.yml:16: remote_write[1]: error parsing regexp: missing closing ): `^(?s:()$`",
	}},
	{"bad-url", []string{
		`testdata/bad-url.bad.yml:3: remote_read[0].url: must be an absolute http or https URL (http[s]://host[:port]/path), got "/api/v1/read"`,
		`testdata/bad-url.bad.yml:5: remote_write[0].url: must be an absolute http or https URL (http[s]://host[:port]/path), got "ftp://127.0.0.1/push"`,
	}},
	{"duplicate-key", []string{
		`testdata/duplicate-key.bad.yml:4: storage: field "storage" appears twice (first on line 2)`,
		`testdata/duplicate-key.bad.yml:8: remote_read[0].url: field "url" appears twice`,
	}},
	{"duplicate-remote-write-name", []string{
		`testdata/duplicate-remote-write-name.bad.yml:8: remote_write[2].name: name "mimir" is used twice (also remote_write[0].name): give each remote_write a distinct name`,
	}},
	{"empty", []string{
		`testdata/empty.bad.yml: specs: required: the file is empty; list glob patterns of spec files, e.g. specs: [specs/*.yaml]`,
	}},
	{"empty-specs", []string{
		`testdata/empty-specs.bad.yml:3: specs: must not be empty: list glob patterns of spec files, relative to this file's directory, e.g. specs: [specs/*.yaml]`,
	}},
	{"glob-nothing", []string{
		`testdata/glob-nothing.bad.yml:3: specs[1]: "nothing/*.yaml" matches no file (looked for testdata/nothing/*.yaml)`,
		`testdata/glob-nothing.bad.yml:4: specs[2]: "specs/*.json" matches no file (looked for testdata/specs/*.json)`,
	}},
	{"many", []string{
		`testdata/many.bad.yml:4: remote_write[0].queue_config.max_shard: unknown field "max_shard"`,
		`testdata/many.bad.yml:7: specs[1]: "[z-a" is not a valid glob pattern: syntax error in pattern`,
		`testdata/many.bad.yml:9: global.evaluation_interval: must be a duration such as 30s, 5m, 1h or 91d, got "soon"`,
		`testdata/many.bad.yml:12: storage.path: must be a directory path, got ""`,
		`testdata/many.bad.yml:15: windows.max: unknown field "max"; the only field here is min`,
	}},
	{"missing-remote-read-url", []string{
		`testdata/missing-remote-read-url.bad.yml:4: remote_read[1]: url for remote_read is empty`,
		`testdata/missing-remote-read-url.bad.yml:6: remote_read[2]: empty or null remote_read config: give at least a url`,
	}},
	{"missing-specs", []string{
		`testdata/missing-specs.bad.yml: specs: required: list glob patterns of spec files, e.g. specs: [specs/*.yaml]`,
	}},
	{"negative-retention", []string{
		`testdata/negative-retention.bad.yml:3: storage.retention: must not be negative, got "-30d"`,
	}},
	{"not-a-mapping", []string{
		`testdata/not-a-mapping.bad.yml:1: a config file must be a mapping of global, specs, storage, windows, backfill, policies, escalation, alerting, remote_read and remote_write, got a list`,
	}},
	{"same-remote-write", []string{
		`testdata/same-remote-write.bad.yml:4: remote_write[1]: same settings as remote_write[0]: remove one, or give them distinct names`,
	}},
	{"syntax", []string{
		`testdata/syntax.bad.yml:1: invalid YAML: did not find expected ',' or ']'`,
	}},
	{"two-documents", []string{
		`testdata/two-documents.bad.yml:2: a config file holds one YAML document: remove the others (---)`,
	}},
	{"escalation", []string{
		`testdata/escalation.bad.yml:6: escalation.teams["team-payments"]: unknown field "paper"; the fields are pager, tickets`,
		`testdata/escalation.bad.yml:7: escalation.repeat_interval: must be a duration such as 30s, 5m or 4h, got "often"`,
	}},
	{"escalation-invalid", []string{
		`testdata/escalation-invalid.bad.yml:3: escalation.default_receiver: must not be empty: name the receiver of alerts whose owner has no entry in teams`,
		`testdata/escalation-invalid.bad.yml:3: escalation.teams["team-payments"].pager: must not be empty: name the receiver of the team's pages`,
	}},
	{"policies", []string{
		`testdata/policies.bad.yml:3: policies.strict: lift_at: must be above freeze_at (0.2) so that a budget hovering at the threshold does not flap, got 0.1`,
		`testdata/policies.bad.yml:7: policies.wrong-types.warn_at: must be a share of the error budget left, a number such as 0.25 (1 untouched, 0 spent, negative overspent), between -1 and 1, got "lots"`,
		`testdata/policies.bad.yml:8: policies.wrong-types.min_freeze: must be a duration such as 30s, 5m, 1h or 91d, got "1 week"`,
		`testdata/policies.bad.yml:9: policies.wrong-types.layers[1]: unknown layer "platform"; the layers are [product service infrastructure]`,
		`testdata/policies.bad.yml:10: policies.wrong-types.min_coverage: must be a share of the period such as 0.25, from 0 to 1, got "2"`,
		`testdata/policies.bad.yml:11: policies.wrong-types.min_events: must be a number of events such as 1000, 0 or more, got "-1"`,
		`testdata/policies.bad.yml:12: policies.wrong-types.close_gate_on_page: must be a boolean (true or false), got "sometimes"`,
		`testdata/policies.bad.yml:14: policies.typo.freez_at: unknown field "freez_at"; the fields here are freeze_at, warn_at, lift_at, min_freeze, layers, exempt, min_coverage, min_events, close_gate_on_page`,
		`testdata/policies.bad.yml:15: policies.strict: policy "strict" appears twice (first on line 3)`,
	}},
	{"unknown-remote-read-field", []string{
		`testdata/unknown-remote-read-field.bad.yml:4: remote_read[0].remote_timout: unknown field "remote_timout"`,
		`testdata/unknown-remote-read-field.bad.yml:7: remote_read[0].basic_auth.pasword: unknown field "pasword"`,
	}},
	{"unknown-top-field", []string{
		`testdata/unknown-top-field.bad.yml:4: alertmanagers: unknown field "alertmanagers"; the fields here are ` + fieldList,
	}},
	{"window-shorter-than-interval", []string{
		`testdata/window-shorter-than-interval.bad.yml:2: global.evaluation_interval: 10m is longer than windows.min (default 5m): every window must span at least one evaluation; lower the interval or raise windows.min`,
	}},
	{"windows", []string{
		`testdata/windows.bad.yml:5: windows.min: must be whole minutes, at least 1m, got 1m30s`,
	}},
	{"wrong-types", []string{
		`testdata/wrong-types.bad.yml:1: specs: must be a list of glob patterns, got "specs/*.yaml"`,
		`testdata/wrong-types.bad.yml:3: remote_read: must be a list, got a mapping`,
		`testdata/wrong-types.bad.yml:7: remote_write[0].queue_config.max_shards: must be a whole number, got "many"`,
		`testdata/wrong-types.bad.yml:9: backfill.enabled: must be a boolean (true or false), got "yes"`,
	}},
}

func loadAndExpand(path string) error {
	c, err := config.Load(path)
	if err != nil {
		return err
	}
	_, err = c.SpecFiles()
	return err
}

func TestBadConfigs(t *testing.T) {
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			err := loadAndExpand(filepath.Join("testdata", tc.name+".bad.yml"))
			require.Error(t, err)
			var errs config.Errors
			require.True(t, errors.As(err, &errs), "%T is not config.Errors: %v", err, err)
			got := strings.Split(err.Error(), "\n")
			require.Equal(t, tc.want, got)
			require.Len(t, errs, len(tc.want))
			for i := 1; i < len(errs); i++ {
				require.LessOrEqual(t, errs[i-1].Line, errs[i].Line, "errors out of line order")
			}
		})
	}
}

// Every fixture on disk has a case, and every case a fixture.
func TestBadConfigsAllListed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.bad.yml"))
	require.NoError(t, err)
	var onDisk, listed []string
	for _, f := range files {
		onDisk = append(onDisk, strings.TrimSuffix(filepath.Base(f), ".bad.yml"))
	}
	for _, tc := range badConfigs {
		listed = append(listed, tc.name)
	}
	require.ElementsMatch(t, onDisk, listed)
}

// A secret in a bad file never appears in its errors.
func TestBadConfigErrorsHideSecrets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slokeeper.yml")
	require.NoError(t, os.WriteFile(path, []byte(`specs: [x]
remote_write:
  - url: ftp://writer:hunter2@127.0.0.1/push
  - url: http://127.0.0.1/push
    basic_auth: {username: u, password: hunter3, password_file: p}
`), 0o600))
	_, err := config.Load(path)
	require.Error(t, err)
	require.Contains(t, err.Error(), path+`:3: remote_write[0].url: must be an absolute http or https URL (http[s]://host[:port]/path), got "ftp://writer:xxxxx@127.0.0.1/push"`)
	require.Contains(t, err.Error(), path+":4: remote_write[1]: at most one of basic_auth password")
	require.NotContains(t, err.Error(), "hunter2")
	require.NotContains(t, err.Error(), "hunter3")
}
