package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	commoncfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/model/labels"
	yamlv2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/internal/policy"
	"github.com/slokeeper/slokeeper/internal/regularfile"
	"github.com/slokeeper/slokeeper/pkg/routing"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

const (
	// DefaultEvaluationInterval is how often rule groups without an interval
	// of their own are evaluated.
	DefaultEvaluationInterval = 30 * time.Second
	// DefaultStoragePath is the TSDB directory, relative to the config file's
	// directory (to the working directory for Default).
	DefaultStoragePath = "data/"
)

// Config is the daemon's configuration. Every relative path in it has been
// resolved against the config file's directory.
type Config struct {
	Global GlobalConfig `yaml:"global"`
	// Specs are glob patterns of slokeeper spec files (filepath.Match syntax);
	// SpecFiles expands them.
	Specs    []string       `yaml:"specs"`
	Storage  StorageConfig  `yaml:"storage"`
	Windows  WindowsConfig  `yaml:"windows"`
	Backfill BackfillConfig `yaml:"backfill"`
	// Alerting is Prometheus' `alerting:` block: where alerts are sent
	// (alertmanagers, with static configs or any service discovery) and how
	// they are relabelled first.
	Alerting promconfig.AlertingConfig `yaml:"alerting,omitempty"`
	// RemoteReadConfigs are Prometheus' `remote_read:` endpoints, where the
	// raw history behind the SLIs is read.
	RemoteReadConfigs []*promconfig.RemoteReadConfig `yaml:"remote_read,omitempty"`
	// RemoteWriteConfigs are Prometheus' `remote_write:` endpoints, where the
	// recorded SLO series are sent.
	RemoteWriteConfigs []*promconfig.RemoteWriteConfig `yaml:"remote_write,omitempty"`
	// Policies are the error budget policies by name; the default policy (policy.DefaultName) is always
	// there. SLOs choose one with `policy:` in their spec.
	Policies map[string]policy.Policy `yaml:"policies,omitempty"`
	// Escalation routes slokeeper's alerts to the owning teams' receivers (`slokeeper alertmanager` renders
	// it as Alertmanager configuration); nil when not configured.
	Escalation *routing.Config `yaml:"escalation,omitempty"`

	file        string
	specSources []specSource // as written, parallel to Specs
}

// specSource is a spec pattern as written in the file, with its line.
type specSource struct {
	pattern  string
	resolved string
	line     int
}

// GlobalConfig holds what applies to every rule group and every alert.
type GlobalConfig struct {
	// EvaluationInterval is the interval of rule groups without their own.
	EvaluationInterval model.Duration `yaml:"evaluation_interval"`
	// ExternalLabels are added to alerts and to remote-written series (unless
	// they carry those labels already), and are matched and stripped on
	// remote read (Prometheus' filter_external_labels).
	ExternalLabels labels.Labels `yaml:"external_labels,omitempty"`
}

// StorageConfig configures the embedded TSDB.
type StorageConfig struct {
	// Path is the TSDB directory.
	Path string `yaml:"path"`
	// Retention is how long samples are kept; 0 lets the daemon choose
	// (91 days, or the longest SLO period plus a day when that is longer).
	Retention model.Duration `yaml:"retention"`
}

// WindowsConfig shapes the alert windows, as the generate command's flags do.
type WindowsConfig struct {
	// Min is the shortest alert window (generate --window.min): whole
	// minutes, at least 1m. Default slo.DefaultMinWindow.
	Min model.Duration `yaml:"min"`
}

// BackfillConfig configures the evaluation of recording rules over history
// at start, so that budgets are right from the first minute.
type BackfillConfig struct {
	Enabled bool `yaml:"enabled"`
	// MaxLookback caps how far back backfill goes; 0 means the SLO period.
	MaxLookback model.Duration `yaml:"max_lookback"`
}

// Default returns the configuration used when no config file is given: every
// default, no spec patterns (the caller supplies them) and no alerting or
// remote storage.
func Default() *Config {
	return &Config{
		Global: GlobalConfig{
			EvaluationInterval: model.Duration(DefaultEvaluationInterval),
			ExternalLabels:     labels.EmptyLabels(),
		},
		Storage:  StorageConfig{Path: DefaultStoragePath},
		Windows:  WindowsConfig{Min: model.Duration(slo.DefaultMinWindow)},
		Backfill: BackfillConfig{Enabled: true},
		Policies: map[string]policy.Policy{policy.DefaultName: policy.Default()},
	}
}

// configFile is how the config file is read: a regular file of at most 16 MiB, so that a FIFO or a device named by
// mistake fails the start or the reload instead of blocking or exhausting memory.
var configFile = regularfile.Kind{Name: "config file", Limit: 16 << 20,
	DirHint: "name the config file itself", TooLargeHint: "a config file is a few kilobytes: check the path"}

// ReadFile reads the config file at path as Load does: a regular file, bounded.
func ReadFile(path string) ([]byte, error) { return configFile.Read(path) }

// Load reads and checks the config file at path. Its errors are Errors, each
// naming the file and line.
func Load(path string) (*Config, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("couldn't read the config file: %w", err)
	}
	return Parse(path, data)
}

// Parse checks data, the content of the config file filename, and returns
// its configuration. Relative paths are resolved against filename's
// directory. Every problem found is returned at once, as Errors in line order.
func Parse(filename string, data []byte) (*Config, error) {
	root, errs := document(filename, data)
	if errs != nil {
		return nil, errs
	}
	c := Default()
	c.file = filename
	d := &decoder{file: filename}
	d.top(root, c)
	if root != nil {
		ix := newIndex(root)
		d.prometheus(data, ix, c)
		d.crossCheck(ix, c)
	}
	if len(d.errs) > 0 {
		d.errs.Sort()
		return nil, d.errs
	}
	c.setDirectory(filepath.Dir(filename))
	return c, nil
}

// document parses data with yaml.v3 and returns its top-level node, nil for
// a file without content.
func document(file string, data []byte) (*yaml.Node, Errors) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, Errors{syntaxError(file, err)}
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, Errors{syntaxError(file, err)}
		}
		return nil, Errors{{File: file, Line: second.Line, Msg: "a config file holds one YAML document: remove the others (---)"}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if r := resolve(root); isNull(r) {
		return nil, nil
	} else if r.Kind != yaml.MappingNode {
		return nil, Errors{{File: file, Line: root.Line, Msg: fmt.Sprintf("a config file must be a mapping of global, specs, storage, windows, backfill, policies, escalation, alerting, remote_read and remote_write, got %s", describe(r))}}
	}
	return root, nil
}

// crossCheck checks what involves more than one field.
func (d *decoder) crossCheck(ix *index, c *Config) {
	if c.Windows.Min >= c.Global.EvaluationInterval {
		return
	}
	const why = "every window must span at least one evaluation"
	if line := ix.lineOf("windows.min"); line > 0 {
		d.errorf(line, "windows.min", "%s is shorter than global.evaluation_interval %s: %s; raise windows.min or lower the interval",
			c.Windows.Min, c.Global.EvaluationInterval, why)
		return
	}
	d.errorf(ix.lineOf("global.evaluation_interval"), "global.evaluation_interval",
		"%s is longer than windows.min (default %s): %s; lower the interval or raise windows.min",
		c.Global.EvaluationInterval, c.Windows.Min, why)
}

// setDirectory resolves every relative path against dir, as Prometheus does
// with its own config file.
func (c *Config) setDirectory(dir string) {
	for i := range c.specSources {
		s := &c.specSources[i]
		s.resolved = commoncfg.JoinDir(dir, s.pattern)
		c.Specs = append(c.Specs, s.resolved)
	}
	c.Storage.Path = commoncfg.JoinDir(dir, c.Storage.Path)
	c.Alerting.SetDirectory(dir)
	for _, rr := range c.RemoteReadConfigs {
		rr.SetDirectory(dir)
	}
	for _, rw := range c.RemoteWriteConfigs {
		rw.SetDirectory(dir)
	}
}

// SpecFiles expands the Specs patterns into the spec files they match,
// sorted and without duplicates. Directories are skipped. A pattern that
// matches no file is an error naming the pattern (and, for a pattern read
// from the config file, its file and line).
func (c *Config) SpecFiles() ([]string, error) {
	var (
		errs  Errors
		files []string
	)
	for i, pattern := range c.Specs {
		e := &Error{Path: fmt.Sprintf("specs[%d]", i)}
		written := pattern
		if i < len(c.specSources) && c.specSources[i].resolved == pattern {
			e.File, e.Line, written = c.file, c.specSources[i].line, c.specSources[i].pattern
		}
		matches, err := filepath.Glob(pattern)
		if err != nil {
			e.Msg = fmt.Sprintf("%q is not a valid glob pattern: %v", written, err)
			errs = append(errs, e)
			continue
		}
		n := 0
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && !fi.IsDir() {
				files = append(files, m)
				n++
			}
		}
		if n == 0 {
			e.Msg = fmt.Sprintf("%q matches no file", written)
			if written != pattern {
				e.Msg += fmt.Sprintf(" (looked for %s)", pattern)
			}
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// PrometheusConfig returns a Prometheus configuration that carries the
// evaluation interval, the external labels and the Prometheus blocks, with
// Prometheus' global defaults for the rest (UTF-8 label name validation
// among them), for notifier.Manager.ApplyConfig and
// remote.Storage.ApplyConfig. It shares the blocks with c: treat both as
// read-only.
func (c *Config) PrometheusConfig() *promconfig.Config {
	pc := promconfig.DefaultConfig
	pc.GlobalConfig.EvaluationInterval = c.Global.EvaluationInterval
	pc.GlobalConfig.ExternalLabels = c.Global.ExternalLabels
	pc.AlertingConfig = c.Alerting
	pc.RemoteReadConfigs = c.RemoteReadConfigs
	pc.RemoteWriteConfigs = c.RemoteWriteConfigs
	return &pc
}

// AlertmanagerDiscovery returns the service discoveries of the
// alertmanagers for discovery.Manager.ApplyConfig, keyed as
// notifier.Manager.ApplyConfig keys its alertmanager sets
// (AlertmanagerConfigs.ToMap), so that the discovery manager's SyncCh can
// feed notifier.Manager.Run, as in Prometheus.
func (c *Config) AlertmanagerDiscovery() map[string]discovery.Configs {
	out := map[string]discovery.Configs{}
	for k, am := range c.Alerting.AlertmanagerConfigs.ToMap() {
		out[k] = am.ServiceDiscoveryConfigs
	}
	return out
}

// String renders the configuration as YAML, with resolved paths, defaults
// filled in and every secret (passwords, tokens, credentials, URL passwords)
// masked, as Prometheus' /api/v1/status/config shows its own. Unlike
// Prometheus, it also masks every header value (`headers:` of remote_read and
// remote_write, `values` of `http_headers:`): those are plain strings in
// Prometheus' types, and carry API keys and tenant tokens. c keeps them.
func (c *Config) String() string {
	b, err := yamlv2.Marshal(c.masked())
	if err != nil {
		return fmt.Sprintf("<error creating config string: %s>", err)
	}
	return string(b)
}

// maskedValue is what String shows for a header value: Prometheus' mask of a
// config.Secret.
const maskedValue = "<secret>"

// masked returns a copy of c for display, with every header value masked. It
// copies only what it changes and shares the rest with c.
func (c *Config) masked() *Config {
	m := *c
	m.Alerting.AlertmanagerConfigs = maskedEach(c.Alerting.AlertmanagerConfigs, func(am *promconfig.AlertmanagerConfig) {
		am.HTTPClientConfig.HTTPHeaders = maskedHTTPHeaders(am.HTTPClientConfig.HTTPHeaders)
	})
	m.RemoteReadConfigs = maskedEach(c.RemoteReadConfigs, func(rr *promconfig.RemoteReadConfig) {
		rr.Headers = maskedHeaders(rr.Headers)
		rr.HTTPClientConfig.HTTPHeaders = maskedHTTPHeaders(rr.HTTPClientConfig.HTTPHeaders)
	})
	m.RemoteWriteConfigs = maskedEach(c.RemoteWriteConfigs, func(rw *promconfig.RemoteWriteConfig) {
		rw.Headers = maskedHeaders(rw.Headers)
		rw.HTTPClientConfig.HTTPHeaders = maskedHTTPHeaders(rw.HTTPClientConfig.HTTPHeaders)
	})
	return &m
}

// maskedEach returns shallow copies of items, each changed by mask.
func maskedEach[T any](items []*T, mask func(*T)) []*T {
	if items == nil {
		return nil
	}
	out := make([]*T, len(items))
	for i, item := range items {
		if item != nil {
			cp := *item
			mask(&cp)
			out[i] = &cp
		}
	}
	return out
}

// maskedHeaders returns headers with every value masked.
func maskedHeaders(headers map[string]string) map[string]string {
	if headers == nil {
		return nil
	}
	out := make(map[string]string, len(headers))
	for name := range headers {
		out[name] = maskedValue
	}
	return out
}

// maskedHTTPHeaders returns h with every value masked; its secrets are
// masked by config.Secret's marshalling, and its files are paths.
func maskedHTTPHeaders(h *commoncfg.Headers) *commoncfg.Headers {
	if h == nil {
		return nil
	}
	out := &commoncfg.Headers{Headers: make(map[string]commoncfg.Header, len(h.Headers))}
	for name, header := range h.Headers {
		if header.Values != nil {
			values := make([]string, len(header.Values))
			for i := range values {
				values[i] = maskedValue
			}
			header.Values = values
		}
		out.Headers[name] = header
	}
	return out
}

// Resolve is the configuration a command runs with: the file at path (the defaults when path is empty), with the
// spec files its flags add (specFiles) and the storage path they override (storagePath, when set). Every command
// that reads the daemon's configuration (run, its spec watcher, review) resolves it this way.
func Resolve(path string, specFiles []string, storagePath string) (*Config, error) {
	cfg := Default()
	if path != "" {
		c, err := Load(path)
		if err != nil {
			return nil, fmt.Errorf("couldn't load --config.file=%q: %w", path, err)
		}
		cfg = c
	}
	cfg.Specs = append(cfg.Specs, specFiles...)
	if storagePath != "" {
		cfg.Storage.Path = storagePath
	}
	return cfg, nil
}
