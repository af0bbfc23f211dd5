package e2etest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// AlertmanagerBinaryEnv names the environment variable that, when set, is the Alertmanager binary the tests run.
const AlertmanagerBinaryEnv = "SLOKEEPER_ALERTMANAGER_BINARY"

// alertmanagerFetched is where `make alertmanager` unpacks Debian's prometheus-alertmanager package, relative to
// the module root. Alertmanager's command does not build from its Go module (the web UI it embeds is not in the
// module zip), so unlike Prometheus it cannot be a go.mod tool.
const alertmanagerFetched = ".build/alertmanager/usr/bin/prometheus-alertmanager"

// AlertmanagerBinary returns the path of an Alertmanager binary: $SLOKEEPER_ALERTMANAGER_BINARY if set, else the
// one `make alertmanager` fetched into the module's .build directory, else prometheus-alertmanager or
// alertmanager on PATH. It fails t, saying how to get one, when there is none: a test that needs Alertmanager
// must not pass without it.
func AlertmanagerBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(AlertmanagerBinaryEnv); p != "" {
		if err := checkExecutable(p); err != nil {
			t.Fatalf("e2etest: $%s: %v", AlertmanagerBinaryEnv, err)
		}
		return p
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	if p := filepath.Join(root, alertmanagerFetched); checkExecutable(p) == nil {
		return p
	}
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("e2etest: no Alertmanager binary: run `make alertmanager` (it unpacks Debian's prometheus-alertmanager "+
		"into %s) or set $%s", filepath.Join(root, alertmanagerFetched), AlertmanagerBinaryEnv)
	return ""
}

// Alertmanager is an Alertmanager process started by StartAlertmanager and stopped by t.Cleanup (or Stop).
type Alertmanager struct {
	// URL is its base URL, "http://127.0.0.1:PORT".
	URL string
	// Addr is the "127.0.0.1:PORT" it listens on.
	Addr string
	// ConfigFile is the alertmanager.yml it was started with.
	ConfigFile string

	*process // Stop, PID, Logs
}

// StartAlertmanager starts a real Alertmanager with configYAML on 127.0.0.1:0, finds the port it bound in its log,
// runs it without clustering (no gossip port), its data under t.TempDir(), waits until /-/ready answers 200 and
// registers a t.Cleanup that stops it.
func StartAlertmanager(t testing.TB, configYAML string) *Alertmanager {
	t.Helper()
	am, err := launchAlertmanager(t, AlertmanagerBinary(t), configYAML)
	if err != nil {
		t.Fatalf("e2etest: %v\nalertmanager output:\n%s", err, am.Logs())
	}
	return am
}

func launchAlertmanager(t testing.TB, bin, configYAML string) (*Alertmanager, error) {
	t.Helper()
	dir := t.TempDir()
	am := &Alertmanager{ConfigFile: filepath.Join(dir, "alertmanager.yml"), process: &process{logs: &SyncBuffer{}}}
	if err := os.WriteFile(am.ConfigFile, []byte(configYAML), 0o644); err != nil {
		return am, fmt.Errorf("couldn't write the alertmanager config: %w", err)
	}
	args := []string{
		"--config.file=" + am.ConfigFile,
		"--storage.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:0",
		"--cluster.listen-address=", // no gossip: a single instance, no second port
		"--log.level=debug",         // its notification log shows in a failed test's output
	}
	var err error
	am.process, err = startProcess(t, "alertmanager", bin, args, workDir(bin, dir), 10*time.Second)
	if err != nil {
		return am, err
	}
	if am.Addr, err = am.waitListening(t.Context(), 30*time.Second); err != nil {
		return am, err
	}
	am.name, am.URL = "alertmanager on "+am.Addr, "http://"+am.Addr
	return am, am.waitReady(t.Context(), am.URL+"/-/ready", 30*time.Second)
}

// workDir is where to run bin: for the binary `make alertmanager` unpacked, the package's usr directory, where the
// relative template path the Makefile wrote into it (./share/prometheus/alertmanager) leads to the package's
// default templates; for any other binary, dir.
func workDir(bin, dir string) string {
	usr := filepath.Dir(filepath.Dir(bin))
	if _, err := os.Stat(filepath.Join(usr, "share", "prometheus", "alertmanager", "default.tmpl")); err == nil {
		return usr
	}
	return dir
}

// AlertingConfig returns an `alerting:` block in Prometheus' configuration format that sends alerts to this
// Alertmanager, for a Prometheus config or the daemon's.
func (am *Alertmanager) AlertingConfig() string { return alertingConfig(am.Addr) }

func alertingConfig(hostPort string) string {
	return fmt.Sprintf("alerting:\n  alertmanagers:\n    - api_version: v2\n      static_configs:\n        - targets: [%q]\n",
		hostPort)
}

// Notification is one message of Alertmanager's webhook integration (payload version 4), as a receiver's
// webhook_configs URL receives it.
type Notification struct {
	// Hook is the last element of the URL path it was posted to: WebhookReceiver.URL's name.
	Hook     string `json:"-"`
	Receiver string `json:"receiver"`
	// Status is "firing" or "resolved": resolved once every alert of the group is.
	Status            string            `json:"status"`
	Alerts            []NotifiedAlert   `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Version           string            `json:"version"`
	// Received is when the webhook got it.
	Received time.Time `json:"-"`
}

// NotifiedAlert is one alert of a Notification.
type NotifiedAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
}

// Has reports whether the notification carries an alert with status ("" for any) whose labels include every
// name=value of match.
func (n Notification) Has(status string, match map[string]string) bool {
	for _, a := range n.Alerts {
		if status != "" && a.Status != status {
			continue
		}
		if (Alert{Labels: a.Labels}).matches(match) {
			return true
		}
	}
	return false
}

func cloneNotification(n Notification) Notification {
	n.Alerts = slices.Clone(n.Alerts)
	for i, a := range n.Alerts {
		a.Labels, a.Annotations = maps.Clone(a.Labels), maps.Clone(a.Annotations)
		n.Alerts[i] = a
	}
	n.GroupLabels, n.CommonLabels, n.CommonAnnotations = maps.Clone(n.GroupLabels), maps.Clone(n.CommonLabels), maps.Clone(n.CommonAnnotations)
	return n
}

// WebhookReceiver is an HTTP server on 127.0.0.1 standing for the pagers, ticket queues and chat rooms an
// Alertmanager notifies: each receiver of the config gets its own URL (URL(name)), and every notification is
// recorded with the name it came to.
type WebhookReceiver struct {
	receiver[Notification]
}

// NewWebhookReceiver starts a WebhookReceiver and registers a t.Cleanup that closes it.
func NewWebhookReceiver(t testing.TB) *WebhookReceiver {
	t.Helper()
	return &WebhookReceiver{newReceiver(t, "POST /hook/{name}", cloneNotification, decodeNotification)}
}

// decodeNotification reads the webhook message a POST carries, received now by the hook its path names.
func decodeNotification(req *http.Request) ([]Notification, error) {
	var n Notification
	if err := json.NewDecoder(req.Body).Decode(&n); err != nil {
		return nil, fmt.Errorf("body is not an Alertmanager webhook message: %v", err)
	}
	n.Hook, n.Received = req.PathValue("name"), time.Now()
	return []Notification{n}, nil
}

// URL is the webhook URL of the named hook.
func (w *WebhookReceiver) URL(name string) string { return w.srv.URL + "/hook/" + name }

// Notifications returns every notification received so far, oldest first.
func (w *WebhookReceiver) Notifications() []Notification { return w.rec.all() }

// To returns the notifications received by the named hook, oldest first.
func (w *WebhookReceiver) To(hook string) []Notification {
	var out []Notification
	for _, n := range w.rec.all() {
		if n.Hook == hook {
			out = append(out, n)
		}
	}
	return out
}

// WaitFor waits until the named hook has received a notification carrying an alert with status ("" for any)
// whose labels include match, and returns the latest such notification; it fails t if none arrives in time.
func (w *WebhookReceiver) WaitFor(t testing.TB, timeout time.Duration, hook, status string, match map[string]string) Notification {
	t.Helper()
	return w.rec.wait(t, timeout, fmt.Sprintf("notification to %s of a %q alert with labels %v", hook, status, match),
		func(n Notification) bool { return n.Hook == hook && n.Has(status, match) })
}

// WithWebhooks returns the Alertmanager configuration amConfig (YAML, e.g. what `slokeeper alertmanager
// --complete` writes) with a webhook to w added to every receiver, named after the receiver, and the top-level
// route's group_wait, group_interval and repeat_interval set (so a test sees notifications in seconds, not
// minutes). Routes, inhibit rules and the receivers' other integrations are kept.
func (w *WebhookReceiver) WithWebhooks(amConfig []byte, groupWait, groupInterval, repeatInterval time.Duration) (string, error) {
	var cfg map[string]any
	if err := yaml.Unmarshal(amConfig, &cfg); err != nil {
		return "", fmt.Errorf("the Alertmanager config is not YAML: %w", err)
	}
	receivers, ok := cfg["receivers"].([]any)
	if !ok {
		return "", fmt.Errorf("the Alertmanager config has no receivers list")
	}
	for i, r := range receivers {
		rm, ok := r.(map[string]any)
		if !ok {
			return "", fmt.Errorf("receivers[%d] is a %T, not a mapping", i, r)
		}
		name, _ := rm["name"].(string)
		hooks, _ := rm["webhook_configs"].([]any)
		rm["webhook_configs"] = append(hooks, map[string]any{"url": w.URL(name), "send_resolved": true})
	}
	route, ok := cfg["route"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("the Alertmanager config has no route")
	}
	route["group_wait"] = groupWait.String()
	route["group_interval"] = groupInterval.String()
	route["repeat_interval"] = repeatInterval.String()
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	return string(out), nil
}
