package e2etest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// PrometheusOptions configures StartPrometheus. The zero value runs a Prometheus with an empty configuration (no
// scrapes, no rules) that accepts remote writes.
type PrometheusOptions struct {
	// ConfigYAML is written to prometheus.yml in a fresh directory: Prometheus' own configuration format, e.g.
	// with remote_write / remote_read to the daemon, rule_files, or an alerting block (AlertReceiver.AlertingConfig).
	ConfigYAML string
	// Files are written next to prometheus.yml before start, by relative path (e.g. "rules.yml": "groups: …"), so
	// ConfigYAML can name them relatively (Prometheus resolves rule_files against the config file's directory).
	Files map[string]string
	// OutOfOrderTimeWindow, when positive, is set as storage.tsdb.out_of_order_time_window in the written
	// configuration (replacing any value in ConfigYAML), so tests can push history older than samples already in
	// the head, e.g. 30*24*time.Hour to backfill a 30-day SLO period.
	OutOfOrderTimeWindow time.Duration
	// Args are extra command-line flags, e.g. "--log.level=debug". A flag given here replaces the default
	// StartPrometheus would pass for it (--storage.tsdb.retention.time=30d, --storage.remote.flush-deadline=1s,
	// --rules.alert.resend-delay=1s).
	Args []string
	// Front, when set, is where clients reach this Prometheus: URL and Addr are the front's, the front is routed
	// to Prometheus once it is ready and routed nowhere by Stop. To restart a Prometheus where its clients expect
	// it, start the next one with the same Front (and DataDir).
	Front *Front
	// DataDir, when set, is the TSDB directory to use instead of a fresh one: to restart with the same data.
	DataDir string
	// ReadyTimeout bounds the wait for /-/ready after start; 60s if zero.
	ReadyTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL; 10s if zero.
	StopTimeout time.Duration
}

// Prometheus is a Prometheus server process started by StartPrometheus and stopped by t.Cleanup (or Stop).
type Prometheus struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT" (no trailing slash): its Front's if it has one.
	URL string
	// Addr is the "127.0.0.1:PORT" it is reached on, for configs that want a host:port target: its Front's if it
	// has one.
	Addr string
	// ConfigFile is the path of the prometheus.yml written from PrometheusOptions; rewrite it and call Reload to
	// change the configuration.
	ConfigFile string
	// DataDir is the TSDB directory (under t.TempDir()).
	DataDir string

	*process // PID, Logs
	front    *Front
	api      v1.API
}

// Flag defaults StartPrometheus adds unless PrometheusOptions.Args sets the same flag.
var defaultPrometheusFlags = []string{
	// Long enough for a 30-day SLO period of history (the default is 15d). Prometheus 3 marks the flag deprecated in
	// favour of storage.tsdb.retention in the config file, but still takes it as the default for that field.
	"--storage.tsdb.retention.time=30d",
	// A Prometheus whose remote_write target is already gone otherwise waits a minute at shutdown.
	"--storage.remote.flush-deadline=1s",
	// The notifier drops alerts sent before service discovery has handed it the Alertmanagers (even static ones,
	// a moment after start), and the rule only resends a firing alert after this delay (1m by default).
	"--rules.alert.resend-delay=1s",
}

// StartPrometheus starts a real Prometheus server (PrometheusBinary) on 127.0.0.1:0, finds the port it bound in its
// log, with its TSDB under t.TempDir(), the remote-write receiver (/api/v1/write) and the lifecycle API (/-/reload,
// /-/quit) enabled, waits until /-/ready answers 200, and registers a t.Cleanup that stops it. Its output is
// captured and logged if the test fails.
func StartPrometheus(t testing.TB, o PrometheusOptions) *Prometheus {
	t.Helper()
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 10 * time.Second
	}
	bin := PrometheusBinary(t)
	config, err := prometheusConfig(o.ConfigYAML, o.OutOfOrderTimeWindow)
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	p, err := launchPrometheus(t, bin, config, o)
	if err != nil {
		t.Fatalf("e2etest: %v\nprometheus output:\n%s", err, p.Logs())
	}
	return p
}

// launchPrometheus starts one Prometheus process and waits for it to be ready. It returns the process (already
// registered for cleanup, with its logs) even on error.
func launchPrometheus(t testing.TB, bin, config string, o PrometheusOptions) (*Prometheus, error) {
	t.Helper()
	dir := t.TempDir()
	p := &Prometheus{
		ConfigFile: filepath.Join(dir, "prometheus.yml"),
		DataDir:    cmp.Or(o.DataDir, filepath.Join(dir, "data")),
		front:      o.Front,
		// Until the process starts: Logs of a Prometheus that failed before it work.
		process: &process{logs: &SyncBuffer{}},
	}
	if err := writeFiles(dir, o.Files); err != nil {
		return p, err
	}
	if err := os.WriteFile(p.ConfigFile, []byte(config), 0o644); err != nil {
		return p, fmt.Errorf("couldn't write the prometheus config: %w", err)
	}

	args := []string{
		"--config.file=" + p.ConfigFile,
		"--web.listen-address=127.0.0.1:0",
		"--storage.tsdb.path=" + p.DataDir,
		"--web.enable-remote-write-receiver",
		"--web.enable-lifecycle",
	}
	for _, f := range defaultPrometheusFlags {
		if !hasFlag(o.Args, f[:strings.IndexByte(f, '=')]) {
			args = append(args, f)
		}
	}
	args = append(args, o.Args...)

	var err error
	p.process, err = startProcess(t, "prometheus", bin, args, dir, o.StopTimeout)
	if err != nil {
		return p, err
	}
	addr, err := p.waitListening(t.Context(), o.ReadyTimeout)
	if err != nil {
		return p, err
	}
	p.name = "prometheus on " + addr
	if err := p.waitReady(t.Context(), "http://"+addr+"/-/ready", o.ReadyTimeout); err != nil {
		return p, err
	}
	p.Addr = addr
	if p.front != nil {
		p.front.Route(addr)
		p.Addr = p.front.Addr()
	}
	p.URL = "http://" + p.Addr
	client, err := api.NewClient(api.Config{Address: p.URL})
	if err != nil {
		return p, fmt.Errorf("couldn't make a client for %s: %w", p.URL, err)
	}
	p.api = v1.NewAPI(client)
	return p, nil
}

// Stop stops Prometheus (SIGTERM, then SIGKILL after PrometheusOptions.StopTimeout) and returns once it is gone;
// its Front, if any, resets the connections it accepts from then on. It is safe to call more than once; t.Cleanup
// calls it too.
func (p *Prometheus) Stop() {
	if p.front != nil {
		p.front.Route("")
	}
	p.process.Stop()
}

// RemoteWriteURL is the endpoint of its remote-write receiver, for RemoteWrite or a daemon's remote_write.
func (p *Prometheus) RemoteWriteURL() string { return p.URL + "/api/v1/write" }

// RemoteReadURL is the endpoint of its remote-read API, for a daemon's remote_read.
func (p *Prometheus) RemoteReadURL() string { return p.URL + "/api/v1/read" }

// API returns a client for its HTTP API (range queries, rules, alerts, targets …).
func (p *Prometheus) API() v1.API { return p.api }

// Reload asks Prometheus to reload its configuration (POST /-/reload), e.g. after rewriting ConfigFile or the
// Files next to it, and returns the error Prometheus reports if the new configuration is refused.
func (p *Prometheus) Reload(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reload prometheus on %s: %w", p.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		return fmt.Errorf("reload prometheus on %s: status %d: %s", p.Addr, resp.StatusCode, strings.TrimSpace(body.String()))
	}
	return nil
}

// Push remote-writes series into this Prometheus (see RemoteWrite). Samples older than the newest sample of their
// series are refused unless PrometheusOptions.OutOfOrderTimeWindow covers them.
func (p *Prometheus) Push(ctx context.Context, series []Series) error {
	return RemoteWrite(ctx, p.RemoteWriteURL(), series)
}

// Query evaluates the PromQL expression q at ts with the instant-query API (/api/v1/query) and returns the
// resulting vector. Warnings (e.g. from a failing remote read) are returned as an error, as is a result that is
// not a vector (wrap scalars in vector()).
func (p *Prometheus) Query(ctx context.Context, q string, ts time.Time) (model.Vector, error) {
	v, warnings, _, err := p.api.Query(ctx, q, ts)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	if len(warnings) > 0 {
		return nil, fmt.Errorf("query %q: warnings: %s", q, strings.Join(warnings, "; "))
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %q: result is a %s, not a vector", q, v.Type())
	}
	return vec, nil
}

// WaitQuery evaluates q at the current time every 100ms until cond accepts the result, and returns that result;
// it fails t with the last result or error if timeout passes first. Use it for what arrives asynchronously, such
// as series the daemon remote-writes or rules Prometheus evaluates.
func (p *Prometheus) WaitQuery(t testing.TB, timeout time.Duration, q string, cond func(model.Vector) bool) model.Vector {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// Each query gets its own timeout rather than the deadline's, so the last result is a real one.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		vec, err := p.Query(ctx, q, time.Now())
		cancel()
		if err == nil && cond(vec) {
			return vec
		}
		select {
		case <-deadline.C:
			if err != nil {
				t.Fatalf("e2etest: query %q did not meet the condition within %s: last error: %v", q, timeout, err)
			}
			t.Fatalf("e2etest: query %q did not meet the condition within %s: last result: %v", q, timeout, vec)
			return nil
		case <-t.Context().Done():
			t.Fatalf("e2etest: test ended while waiting for query %q", q)
			return nil
		case <-tick.C:
		}
	}
}

// prometheusConfig returns the configuration to write: configYAML as is, or, with an out-of-order window, with
// storage.tsdb.out_of_order_time_window set in it.
func prometheusConfig(configYAML string, oooWindow time.Duration) (string, error) {
	if oooWindow <= 0 {
		return configYAML, nil
	}
	cfg := map[string]any{}
	if err := yaml.Unmarshal([]byte(configYAML), &cfg); err != nil {
		return "", fmt.Errorf("PrometheusOptions.ConfigYAML is not a YAML mapping: %w", err)
	}
	if cfg == nil { // a document holding only comments or null
		cfg = map[string]any{}
	}
	tsdb, err := subMap(cfg, "storage", "tsdb")
	if err != nil {
		return "", fmt.Errorf("PrometheusOptions.ConfigYAML: %w", err)
	}
	tsdb["out_of_order_time_window"] = model.Duration(oooWindow).String()
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("couldn't encode the prometheus config: %w", err)
	}
	return string(out), nil
}

// subMap returns the mapping at path in m, creating missing levels.
func subMap(m map[string]any, path ...string) (map[string]any, error) {
	for i, key := range path {
		switch v := m[key].(type) {
		case nil:
			next := map[string]any{}
			m[key] = next
			m = next
		case map[string]any:
			m = v
		default:
			return nil, fmt.Errorf("%s is a %T, not a mapping", strings.Join(path[:i+1], "."), v)
		}
	}
	return m, nil
}

// writeFiles writes files (relative path → content) under dir.
func writeFiles(dir string, files map[string]string) error {
	for name, content := range files {
		if !filepath.IsLocal(name) {
			return fmt.Errorf("PrometheusOptions.Files: %q must be a relative path inside the config directory", name)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("couldn't write %s: %w", name, err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("couldn't write %s: %w", name, err)
		}
	}
	return nil
}

// hasFlag reports whether args set the long flag name ("--x" given as "--x", "--x=v" or "--no-x").
func hasFlag(args []string, name string) bool {
	neg := "--no-" + strings.TrimPrefix(name, "--")
	for _, a := range args {
		if a == name || a == neg || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}
