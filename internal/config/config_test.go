package config_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/discovery/dns"
	"github.com/prometheus/prometheus/discovery/file"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

func TestGood(t *testing.T) {
	c, err := config.Load("testdata/good.yml")
	require.NoError(t, err)

	require.Equal(t, model.Duration(time.Minute), c.Global.EvaluationInterval)
	require.Equal(t, labels.FromStrings("cluster", "eu1", "replica", "a"), c.Global.ExternalLabels)
	require.Equal(t, []string{"testdata/specs/*.yaml", "testdata/specs/payments.yaml"}, c.Specs)
	files, err := c.SpecFiles()
	require.NoError(t, err)
	require.Equal(t, []string{"testdata/specs/checkout.yaml", "testdata/specs/payments.yaml"}, files)
	require.Equal(t, config.StorageConfig{Path: "testdata/data", Retention: model.Duration(91 * 24 * time.Hour)}, c.Storage)
	require.Equal(t, config.WindowsConfig{Min: model.Duration(10 * time.Minute)}, c.Windows)
	require.Equal(t, config.BackfillConfig{Enabled: false, MaxLookback: model.Duration(7 * 24 * time.Hour)}, c.Backfill)

	t.Run("alerting", func(t *testing.T) {
		require.Len(t, c.Alerting.AlertRelabelConfigs, 1)
		rc := c.Alerting.AlertRelabelConfigs[0]
		require.Equal(t, relabel.LabelDrop, rc.Action)
		require.Equal(t, "replica", rc.Regex.String())
		require.Equal(t, model.UTF8Validation, rc.NameValidationScheme, "set by validation, as Prometheus does")

		ams := c.Alerting.AlertmanagerConfigs
		require.Len(t, ams, 3)
		am := ams[0]
		require.Equal(t, "https", am.Scheme)
		require.Equal(t, "/alertmanager", am.PathPrefix)
		require.Equal(t, model.Duration(5*time.Second), am.Timeout)
		require.Equal(t, promconfig.AlertmanagerAPIVersionV2, am.APIVersion, "Prometheus' default")
		require.True(t, am.HTTPClientConfig.FollowRedirects, "Prometheus' default")
		require.Equal(t, "slokeeper", am.HTTPClientConfig.BasicAuth.Username)
		require.Equal(t, "testdata/secrets/am-password", am.HTTPClientConfig.BasicAuth.PasswordFile)
		require.Equal(t, "testdata/certs/ca.pem", am.HTTPClientConfig.TLSConfig.CAFile)
		require.Len(t, am.ServiceDiscoveryConfigs, 1)
		static, ok := am.ServiceDiscoveryConfigs[0].(discovery.StaticConfig)
		require.True(t, ok, "%T", am.ServiceDiscoveryConfigs[0])
		require.Len(t, static, 1)
		require.Equal(t, []model.LabelSet{{model.AddressLabel: "127.0.0.1:9093"}, {model.AddressLabel: "127.0.0.1:9094"}}, static[0].Targets)

		am = ams[1]
		require.Equal(t, "http", am.Scheme, "Prometheus' default")
		require.Equal(t, "am-inline-credentials", string(am.HTTPClientConfig.Authorization.Credentials))
		require.Equal(t, "Bearer", am.HTTPClientConfig.Authorization.Type, "Prometheus' default")
		fileSD, ok := am.ServiceDiscoveryConfigs[0].(*file.SDConfig)
		require.True(t, ok, "%T", am.ServiceDiscoveryConfigs[0])
		require.Equal(t, []string{"testdata/alertmanagers/*.json"}, fileSD.Files)

		am = ams[2]
		dnsSD, ok := am.ServiceDiscoveryConfigs[0].(*dns.SDConfig)
		require.True(t, ok, "%T", am.ServiceDiscoveryConfigs[0])
		require.Equal(t, "SRV", dnsSD.Type)
		require.Equal(t, []string{"_web._tcp.alertmanager-operated.monitoring.svc"}, dnsSD.Names)
		require.Len(t, am.RelabelConfigs, 1)
		require.Equal(t, relabel.Keep, am.RelabelConfigs[0].Action)
	})

	t.Run("remote_read", func(t *testing.T) {
		require.Len(t, c.RemoteReadConfigs, 2)
		rr := c.RemoteReadConfigs[0]
		require.Equal(t, "http://127.0.0.1:9090/api/v1/read", rr.URL.String())
		require.Equal(t, "prometheus", rr.Name)
		require.True(t, rr.ReadRecent)
		require.Equal(t, model.LabelSet{"job": "api"}, rr.RequiredMatchers)
		require.Equal(t, "reader", rr.HTTPClientConfig.BasicAuth.Username)
		require.Equal(t, "read-inline-password", string(rr.HTTPClientConfig.BasicAuth.Password))
		// Prometheus' defaults, which remote.Storage relies on.
		require.Equal(t, promconfig.DefaultRemoteReadConfig.RemoteTimeout, rr.RemoteTimeout)
		require.Equal(t, uint64(promconfig.DefaultChunkedReadLimit), rr.ChunkedReadLimit)
		require.True(t, rr.FilterExternalLabels)

		rr = c.RemoteReadConfigs[1]
		require.Equal(t, "mimir", rr.Name)
		require.Equal(t, map[string]string{"X-Scope-OrgID": "team-a"}, rr.Headers)
		// Prometheus' validation turns bearer_token_file into authorization.
		require.Equal(t, "testdata/secrets/token", rr.HTTPClientConfig.Authorization.CredentialsFile)
	})

	t.Run("remote_write", func(t *testing.T) {
		require.Len(t, c.RemoteWriteConfigs, 2)
		rw := c.RemoteWriteConfigs[0]
		require.Equal(t, "mimir", rw.Name)
		require.Equal(t, "testdata/secrets/token", rw.HTTPClientConfig.Authorization.CredentialsFile)
		require.Len(t, rw.WriteRelabelConfigs, 1)
		require.Equal(t, "slo:.*", rw.WriteRelabelConfigs[0].Regex.String())
		require.Equal(t, model.UTF8Validation, rw.WriteRelabelConfigs[0].NameValidationScheme)
		// The one queue setting given, and Prometheus' defaults for the rest.
		q := promconfig.DefaultQueueConfig
		q.MaxSamplesPerSend = 500
		require.Equal(t, q, rw.QueueConfig)
		require.Equal(t, promconfig.DefaultRemoteWriteConfig.RemoteTimeout, rw.RemoteTimeout)
		require.Equal(t, promconfig.DefaultRemoteWriteConfig.ProtobufMessage, rw.ProtobufMessage)
		require.Equal(t, promconfig.DefaultMetadataConfig, rw.MetadataConfig)

		rw = c.RemoteWriteConfigs[1]
		require.Empty(t, rw.Name)
		require.Equal(t, "http://writer:xxxxx@127.0.0.1:9091/api/v1/write", rw.URL.Redacted())
	})
}

func TestDefaults(t *testing.T) {
	d := config.Default()
	require.Equal(t, model.Duration(config.DefaultEvaluationInterval), d.Global.EvaluationInterval)
	require.Equal(t, model.Duration(30*time.Second), d.Global.EvaluationInterval)
	require.True(t, d.Global.ExternalLabels.IsEmpty())
	require.Empty(t, d.Specs)
	require.Equal(t, config.StorageConfig{Path: "data/"}, d.Storage)
	require.Equal(t, config.WindowsConfig{Min: model.Duration(slo.DefaultMinWindow)}, d.Windows)
	require.Equal(t, config.BackfillConfig{Enabled: true}, d.Backfill)
	require.Empty(t, d.Alerting.AlertmanagerConfigs)
	require.Empty(t, d.RemoteReadConfigs)
	require.Empty(t, d.RemoteWriteConfigs)
	files, err := d.SpecFiles()
	require.NoError(t, err)
	require.Empty(t, files)

	// A file with nothing but specs, or with empty blocks, gets the same
	// defaults, paths resolved against its directory.
	for _, tc := range []struct {
		name, data string
	}{
		{"specs only", "specs: [specs/*.yaml]\n"},
		{"empty blocks", "global:\nspecs: [specs/*.yaml]\nstorage: {}\nwindows:\nbackfill: {}\nalerting:\nremote_read: []\nremote_write:\n"},
		{"null values", "global: {evaluation_interval: null, external_labels: null}\nspecs: [specs/*.yaml]\nstorage: {path: ~, retention: ~}\nwindows: {min: null}\nbackfill: {enabled: null, max_lookback: null}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse("etc/slokeeper/slokeeper.yml", []byte(tc.data))
			require.NoError(t, err)
			want := config.Default()
			require.Equal(t, want.Global.EvaluationInterval, c.Global.EvaluationInterval)
			require.True(t, c.Global.ExternalLabels.IsEmpty())
			require.Equal(t, []string{"etc/slokeeper/specs/*.yaml"}, c.Specs)
			require.Equal(t, config.StorageConfig{Path: "etc/slokeeper/data"}, c.Storage)
			require.Equal(t, want.Windows, c.Windows)
			require.Equal(t, want.Backfill, c.Backfill)
			require.Empty(t, c.Alerting.AlertRelabelConfigs)
			require.Empty(t, c.Alerting.AlertmanagerConfigs)
			require.Empty(t, c.RemoteReadConfigs)
			require.Empty(t, c.RemoteWriteConfigs)
		})
	}
}

// Relative paths resolve against the config file's directory, like
// Prometheus' SetDirectory; absolute paths stay as written.
func TestRelativePaths(t *testing.T) {
	const data = `
specs: [specs/*.yaml, /srv/specs/*.yaml, ../shared/*.yaml]
storage: {path: tsdb}
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:9093"]}]
      bearer_token_file: am/token
      tls_config: {ca_file: tls/ca.pem, cert_file: /etc/tls/cert.pem, key_file: tls/key.pem}
    - file_sd_configs: [{files: [am/*.yml, /srv/am/*.json]}]
      oauth2:
        client_id: slokeeper
        client_secret_file: oauth/secret
        token_url: http://127.0.0.1:8080/token
        tls_config: {ca_file: oauth/ca.pem}
remote_read:
  - url: http://127.0.0.1:9090/api/v1/read
    basic_auth: {username: reader, password_file: read/password}
remote_write:
  - url: http://127.0.0.1:9009/api/v1/push
    authorization: {credentials_file: write/credentials}
    http_headers:
      X-Token: {files: [write/header]}
`
	dir := filepath.Join(t.TempDir(), "etc")
	c, err := config.Parse(filepath.Join(dir, "slokeeper.yml"), []byte(data))
	require.NoError(t, err)
	in := func(p string) string { return filepath.Join(dir, p) }
	am0 := c.Alerting.AlertmanagerConfigs[0].HTTPClientConfig
	am1 := c.Alerting.AlertmanagerConfigs[1]
	for _, tc := range []struct {
		name, got, want string
	}{
		{"specs[0]", c.Specs[0], in("specs/*.yaml")},
		{"specs[1] absolute", c.Specs[1], "/srv/specs/*.yaml"},
		{"specs[2] parent", c.Specs[2], filepath.Join(filepath.Dir(dir), "shared/*.yaml")},
		{"storage.path", c.Storage.Path, in("tsdb")},
		{"alertmanager bearer_token_file", am0.Authorization.CredentialsFile, in("am/token")},
		{"alertmanager tls ca_file", am0.TLSConfig.CAFile, in("tls/ca.pem")},
		{"alertmanager tls cert_file absolute", am0.TLSConfig.CertFile, "/etc/tls/cert.pem"},
		{"alertmanager tls key_file", am0.TLSConfig.KeyFile, in("tls/key.pem")},
		{"file_sd files[0]", am1.ServiceDiscoveryConfigs[0].(*file.SDConfig).Files[0], in("am/*.yml")},
		{"file_sd files[1] absolute", am1.ServiceDiscoveryConfigs[0].(*file.SDConfig).Files[1], "/srv/am/*.json"},
		{"oauth2 client_secret_file", am1.HTTPClientConfig.OAuth2.ClientSecretFile, in("oauth/secret")},
		{"oauth2 tls ca_file", am1.HTTPClientConfig.OAuth2.TLSConfig.CAFile, in("oauth/ca.pem")},
		{"remote_read password_file", c.RemoteReadConfigs[0].HTTPClientConfig.BasicAuth.PasswordFile, in("read/password")},
		{"remote_write credentials_file", c.RemoteWriteConfigs[0].HTTPClientConfig.Authorization.CredentialsFile, in("write/credentials")},
		{"remote_write http_headers file", c.RemoteWriteConfigs[0].HTTPClientConfig.HTTPHeaders.Headers["X-Token"].Files[0], in("write/header")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.got)
		})
	}
}

func TestSpecFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.yaml", "b.yaml", "c.yml", "sub/d.yaml", "dir.yaml/e.yaml"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), nil, 0o600))
	}
	in := func(p string) string { return filepath.Join(dir, p) }
	for _, tc := range []struct {
		name    string
		specs   string
		want    []string
		wantErr string
	}{
		{name: "one glob", specs: "[\"*.yaml\"]", want: []string{in("a.yaml"), in("b.yaml")}},
		{name: "sorted and de-duplicated", specs: "[c.yml, \"*.yaml\", a.yaml, \"?.yaml\"]",
			want: []string{in("a.yaml"), in("b.yaml"), in("c.yml")}},
		{name: "subdirectory", specs: "[\"*/*.yaml\"]", want: []string{in("dir.yaml/e.yaml"), in("sub/d.yaml")}},
		{name: "absolute", specs: "[" + in("sub/*.yaml") + "]", want: []string{in("sub/d.yaml")}},
		{name: "directories are no spec files", specs: "[dir.yaml]",
			wantErr: in("slokeeper.yml") + `:1: specs[0]: "dir.yaml" matches no file (looked for ` + in("dir.yaml") + ")"},
		{name: "one of several matches nothing", specs: "\n  - \"*.yaml\"\n  - \"*.json\"",
			wantErr: in("slokeeper.yml") + `:3: specs[1]: "*.json" matches no file (looked for ` + in("*.json") + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse(in("slokeeper.yml"), []byte("specs: "+tc.specs+"\n"))
			require.NoError(t, err)
			got, err := c.SpecFiles()
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}

	t.Run("patterns set by the caller", func(t *testing.T) {
		c := config.Default()
		c.Specs = []string{in("*.yml"), in("none/*.yaml")}
		_, err := c.SpecFiles()
		require.EqualError(t, err, `specs[1]: "`+in("none/*.yaml")+`" matches no file`)
		c.Specs = c.Specs[:1]
		got, err := c.SpecFiles()
		require.NoError(t, err)
		require.Equal(t, []string{in("c.yml")}, got)
	})
}

// String shows the configuration with defaults and resolved paths, every
// secret masked, and is itself a config file that loads to the same String.
func TestStringMasksSecrets(t *testing.T) {
	c, err := config.Load("testdata/good.yml")
	require.NoError(t, err)
	s := c.String()
	for _, secret := range []string{"read-inline-password", "am-inline-credentials", "url-inline-password"} {
		require.NotContains(t, s, secret)
	}
	// The secrets read from files are never read at load time at all.
	require.NotContains(t, s, "token-from-file")
	require.NotContains(t, s, "am-password-from-file")

	var doc struct {
		Global struct {
			EvaluationInterval string            `yaml:"evaluation_interval"`
			ExternalLabels     map[string]string `yaml:"external_labels"`
		} `yaml:"global"`
		Storage     map[string]string `yaml:"storage"`
		RemoteRead  []map[string]any  `yaml:"remote_read"`
		RemoteWrite []map[string]any  `yaml:"remote_write"`
		Alerting    struct {
			Alertmanagers []map[string]any `yaml:"alertmanagers"`
		} `yaml:"alerting"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(s), &doc), s)
	require.Equal(t, "1m", doc.Global.EvaluationInterval)
	require.Equal(t, map[string]string{"cluster": "eu1", "replica": "a"}, doc.Global.ExternalLabels)
	require.Equal(t, map[string]string{"path": "testdata/data", "retention": "13w"}, doc.Storage)
	require.Equal(t, map[string]any{"username": "reader", "password": "<secret>"}, doc.RemoteRead[0]["basic_auth"])
	require.Equal(t, "http://writer:xxxxx@127.0.0.1:9091/api/v1/write", doc.RemoteWrite[1]["url"])
	require.Equal(t, map[string]any{"type": "Bearer", "credentials": "<secret>"}, doc.Alerting.Alertmanagers[1]["authorization"])
	require.Equal(t, "testdata/secrets/am-password", doc.Alerting.Alertmanagers[0]["basic_auth"].(map[string]any)["password_file"])

	again, err := config.Parse("slokeeper.yml", []byte(s))
	require.NoError(t, err)
	require.Equal(t, s, again.String())
}

// String masks every header value (API keys, tenant tokens) of remote_read,
// remote_write and alertmanagers, and the config keeps the real values.
func TestStringMasksHeaders(t *testing.T) {
	const data = `
specs: [specs/*.yaml]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:9093"]}]
      http_headers:
        X-Am-Key: {values: [am-header-value]}
remote_read:
  - url: http://127.0.0.1:9090/api/v1/read
    headers: {X-Api-Key: read-header-value, X-Scope-OrgID: read-tenant}
remote_write:
  - url: http://127.0.0.1:9009/api/v1/push
    headers: {X-Api-Key: write-header-value}
    http_headers:
      X-Token: {values: [http-header-value, second-value], secrets: [http-header-secret], files: [token]}
`
	dir := t.TempDir()
	c, err := config.Parse(filepath.Join(dir, "slokeeper.yml"), []byte(data))
	require.NoError(t, err)
	s := c.String()
	for _, value := range []string{"am-header-value", "read-header-value", "read-tenant", "write-header-value", "http-header-value", "second-value", "http-header-secret"} {
		require.NotContains(t, s, value)
	}

	type httpHeaders map[string]map[string][]string
	var doc struct {
		RemoteRead []struct {
			Headers map[string]string `yaml:"headers"`
		} `yaml:"remote_read"`
		RemoteWrite []struct {
			Headers     map[string]string `yaml:"headers"`
			HTTPHeaders httpHeaders       `yaml:"http_headers"`
		} `yaml:"remote_write"`
		Alerting struct {
			Alertmanagers []struct {
				HTTPHeaders httpHeaders `yaml:"http_headers"`
			} `yaml:"alertmanagers"`
		} `yaml:"alerting"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(s), &doc), s)
	require.Equal(t, map[string]string{"X-Api-Key": "<secret>", "X-Scope-OrgID": "<secret>"}, doc.RemoteRead[0].Headers)
	require.Equal(t, map[string]string{"X-Api-Key": "<secret>"}, doc.RemoteWrite[0].Headers)
	require.Equal(t, httpHeaders{"X-Token": {"values": {"<secret>", "<secret>"}, "secrets": {"<secret>"}, "files": {filepath.Join(dir, "token")}}},
		doc.RemoteWrite[0].HTTPHeaders)
	require.Equal(t, httpHeaders{"X-Am-Key": {"values": {"<secret>"}}}, doc.Alerting.Alertmanagers[0].HTTPHeaders)

	// The running config keeps the real values.
	require.Equal(t, map[string]string{"X-Api-Key": "read-header-value", "X-Scope-OrgID": "read-tenant"}, c.RemoteReadConfigs[0].Headers)
	require.Equal(t, map[string]string{"X-Api-Key": "write-header-value"}, c.RemoteWriteConfigs[0].Headers)
	require.Equal(t, []string{"http-header-value", "second-value"}, c.RemoteWriteConfigs[0].HTTPClientConfig.HTTPHeaders.Headers["X-Token"].Values)
	require.Equal(t, []string{"am-header-value"}, c.Alerting.AlertmanagerConfigs[0].HTTPClientConfig.HTTPHeaders.Headers["X-Am-Key"].Values)
	require.Equal(t, "read-header-value", c.PrometheusConfig().RemoteReadConfigs[0].Headers["X-Api-Key"])

	// The shown form is still a config file that loads to the same String.
	again, err := config.Parse(filepath.Join(dir, "slokeeper.yml"), []byte(s))
	require.NoError(t, err)
	require.Equal(t, s, again.String())
}

// Anchors and aliases work in slokeeper's fields and in Prometheus' blocks.
func TestAliases(t *testing.T) {
	c, err := config.Parse("slokeeper.yml", []byte(`
global:
  evaluation_interval: &interval 5m
  external_labels: &labels {cluster: eu1}
specs: &specs [specs/*.yaml]
windows: {min: *interval}
remote_read:
  - url: http://127.0.0.1:9090/api/v1/read
    basic_auth: &auth {username: u, password: p}
    required_matchers: *labels
remote_write:
  - url: http://127.0.0.1:9009/api/v1/push
    basic_auth: *auth
`))
	require.NoError(t, err)
	require.Equal(t, model.Duration(5*time.Minute), c.Windows.Min)
	require.Equal(t, []string{"specs/*.yaml"}, c.Specs)
	require.Equal(t, model.LabelSet{"cluster": "eu1"}, c.RemoteReadConfigs[0].RequiredMatchers)
	require.Equal(t, "u", c.RemoteWriteConfigs[0].HTTPClientConfig.BasicAuth.Username)
}

func TestPolicies(t *testing.T) {
	c, err := config.Parse("slokeeper.yml", []byte(`specs: [specs/*.yaml]
policies:
  platform:
    warn_at: 0.5
    min_freeze: 1d
    layers: [infrastructure]
    min_coverage: 0
    min_events: 5000
    close_gate_on_page: false
  default:
    freeze_at: -0.1
    lift_at: 0
    exempt: []
`))
	require.NoError(t, err)
	require.Equal(t, map[string]policy.Policy{
		"default": {Name: "default", FreezeAt: -0.1, WarnAt: 0.25, LiftAt: 0, Exempt: []string{}, MinCoverage: 0.25, CloseGateOnPage: true},
		"platform": {Name: "platform", FreezeAt: 0, WarnAt: 0.5, LiftAt: 0.1, MinFreeze: model.Duration(24 * time.Hour),
			Layers: []slo.Layer{slo.LayerInfrastructure}, Exempt: []string{"p0", "security"}, MinEvents: 5000},
	}, c.Policies)

	// Without policies, the default one.
	c, err = config.Parse("slokeeper.yml", []byte("specs: [specs/*.yaml]\n"))
	require.NoError(t, err)
	require.Equal(t, map[string]policy.Policy{"default": policy.Default()}, c.Policies)
}
