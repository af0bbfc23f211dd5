package e2etest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// A config in the shape `slokeeper alertmanager --complete` writes: receivers without integrations.
const routedConfig = `route:
  receiver: fallback
  group_by: [alertname]
  routes:
    - receiver: pager
      matchers: ['team="a"']
receivers:
  - name: fallback
  - name: pager
`

func TestWithWebhooks(t *testing.T) {
	w := NewWebhookReceiver(t)
	out, err := w.WithWebhooks([]byte(routedConfig), time.Second, 2*time.Second, time.Hour)
	require.NoError(t, err)
	var cfg struct {
		Route struct {
			Receiver       string           `yaml:"receiver"`
			GroupWait      string           `yaml:"group_wait"`
			GroupInterval  string           `yaml:"group_interval"`
			RepeatInterval string           `yaml:"repeat_interval"`
			Routes         []map[string]any `yaml:"routes"`
		} `yaml:"route"`
		Receivers []struct {
			Name     string `yaml:"name"`
			Webhooks []struct {
				URL          string `yaml:"url"`
				SendResolved bool   `yaml:"send_resolved"`
			} `yaml:"webhook_configs"`
		} `yaml:"receivers"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(out), &cfg))
	require.Equal(t, "fallback", cfg.Route.Receiver)
	require.Equal(t, []string{"1s", "2s", "1h0m0s"}, []string{cfg.Route.GroupWait, cfg.Route.GroupInterval, cfg.Route.RepeatInterval})
	require.Len(t, cfg.Route.Routes, 1, "routes are kept")
	require.Len(t, cfg.Receivers, 2)
	for _, r := range cfg.Receivers {
		require.Len(t, r.Webhooks, 1, r.Name)
		require.Equal(t, w.URL(r.Name), r.Webhooks[0].URL)
		require.True(t, r.Webhooks[0].SendResolved)
	}

	_, err = w.WithWebhooks([]byte("route: {receiver: x}\n"), time.Second, time.Second, time.Hour)
	require.ErrorContains(t, err, "no receivers list")
	_, err = w.WithWebhooks([]byte("receivers: [{name: x}]\n"), time.Second, time.Second, time.Hour)
	require.ErrorContains(t, err, "no route")
}

// A real Alertmanager routes an alert posted to its API to the webhook of the matching receiver only, and tells
// it when the alert is resolved.
func TestAlertmanagerRoutesToWebhooks(t *testing.T) {
	t.Parallel()
	w := NewWebhookReceiver(t)
	cfg, err := w.WithWebhooks([]byte(routedConfig), 100*time.Millisecond, 500*time.Millisecond, time.Hour)
	require.NoError(t, err)
	am := StartAlertmanager(t, cfg)
	require.Contains(t, am.AlertingConfig(), am.Addr)

	post := func(body string) {
		resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		var msg bytes.Buffer
		_, _ = msg.ReadFrom(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, msg.String())
	}
	now := time.Now().UTC()
	post(`[{"labels":{"alertname":"Burn","team":"a"},"annotations":{"summary":"s"},"startsAt":"` + now.Format(time.RFC3339) + `"}]`)
	n := w.WaitFor(t, 30*time.Second, "pager", "firing", map[string]string{"alertname": "Burn", "team": "a"})
	require.Equal(t, "pager", n.Receiver)
	require.Equal(t, "s", n.Alerts[0].Annotations["summary"])
	require.Empty(t, w.To("fallback"))

	post(`[{"labels":{"alertname":"Burn","team":"a"},"startsAt":"` + now.Format(time.RFC3339) + `","endsAt":"` + time.Now().UTC().Format(time.RFC3339) + `"}]`)
	w.WaitFor(t, 30*time.Second, "pager", "resolved", map[string]string{"alertname": "Burn"})

	post(`[{"labels":{"alertname":"Other","team":"b"}}]`)
	w.WaitFor(t, 30*time.Second, "fallback", "firing", map[string]string{"alertname": "Other"})
}

func TestAlertmanagerBinaryFromEnv(t *testing.T) {
	t.Setenv(AlertmanagerBinaryEnv, "/nonexistent/alertmanager")
	msg := fatalMessage(t, func(tb testing.TB) { AlertmanagerBinary(tb) })
	require.Contains(t, msg, "$SLOKEEPER_ALERTMANAGER_BINARY: stat /nonexistent/alertmanager")
}
