package e2etest

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A list of alerts exactly as Prometheus' notifier encodes it (strfmt.DateTime times with milliseconds).
const notifierPayload = `[
  {
    "annotations": {"summary": "budget burning"},
    "endsAt": "2026-01-02T03:08:05.000Z",
    "startsAt": "2026-01-02T03:04:05.123Z",
    "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=vector%281%29&g0.tab=1",
    "labels": {"alertname": "SLOErrorBudgetBurn", "slo": "api-latency", "severity": "page"}
  },
  {
    "annotations": {},
    "endsAt": "0001-01-01T00:00:00.000Z",
    "startsAt": "2026-01-02T03:04:05.000Z",
    "labels": {"alertname": "SLOErrorBudgetBurn", "slo": "api-latency", "severity": "ticket"}
  }
]`

func TestAlertReceiverHTTP(t *testing.T) {
	for _, tc := range []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantAlerts int
	}{
		{name: "notifier payload", method: http.MethodPost, path: AlertsPath, body: notifierPayload, wantStatus: http.StatusOK, wantAlerts: 2},
		{name: "empty list", method: http.MethodPost, path: AlertsPath, body: `[]`, wantStatus: http.StatusOK, wantAlerts: 0},
		{name: "not a list", method: http.MethodPost, path: AlertsPath, body: `{"labels": {}}`, wantStatus: http.StatusBadRequest},
		{name: "not JSON", method: http.MethodPost, path: AlertsPath, body: `alerts`, wantStatus: http.StatusBadRequest},
		{name: "GET", method: http.MethodGet, path: AlertsPath, wantStatus: http.StatusMethodNotAllowed},
		{name: "API v1", method: http.MethodPost, path: "/api/v1/alerts", body: notifierPayload, wantStatus: http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewAlertReceiver(t)
			req, err := http.NewRequestWithContext(t.Context(), tc.method, r.URL()+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, tc.wantStatus, resp.StatusCode)
			require.Len(t, r.Alerts(), tc.wantAlerts)
			wantPosts := 0
			if tc.wantStatus == http.StatusOK {
				wantPosts = 1
			}
			require.Equal(t, wantPosts, r.Posts())
		})
	}
}

func TestAlertReceiverWaitFor(t *testing.T) {
	r := NewAlertReceiver(t)
	require.Equal(t, "http://"+r.HostPort(), r.URL())
	require.True(t, strings.HasPrefix(r.HostPort(), "127.0.0.1:"), r.HostPort())

	// The alert arrives while WaitFor is waiting: it is posted once WaitFor has found nothing and blocks.
	blocked := make(chan struct{})
	var once sync.Once
	r.rec.mu.Lock()
	r.rec.waiting = func() { once.Do(func() { close(blocked) }) }
	r.rec.mu.Unlock()
	posted := make(chan error, 1)
	go func() {
		<-blocked
		resp, err := http.Post(r.URL()+AlertsPath, "application/json", strings.NewReader(notifierPayload))
		if err == nil {
			err = resp.Body.Close()
		}
		posted <- err
	}()
	got := r.WaitFor(t, 10*time.Second, map[string]string{"slo": "api-latency", "severity": "page"})
	require.NoError(t, <-posted)
	require.Equal(t, map[string]string{"alertname": "SLOErrorBudgetBurn", "slo": "api-latency", "severity": "page"}, got.Labels)
	require.Equal(t, map[string]string{"summary": "budget burning"}, got.Annotations)
	require.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 123e6, time.UTC), got.StartsAt.UTC())
	require.Equal(t, time.Date(2026, 1, 2, 3, 8, 5, 0, time.UTC), got.EndsAt.UTC())
	require.Equal(t, "http://127.0.0.1:9090/graph?g0.expr=vector%281%29&g0.tab=1", got.GeneratorURL)
	require.False(t, got.Received.IsZero())
	require.True(t, got.Resolved(), "EndsAt in 2026-01 is before it was received")

	ticket := r.WaitFor(t, time.Second, map[string]string{"severity": "ticket"})
	require.True(t, ticket.EndsAt.IsZero(), "the notifier's zero endsAt decodes to the zero time")
	require.False(t, ticket.Resolved(), "an alert without EndsAt is firing")

	// A later copy of the same alert wins; an already received alert is found at once.
	post(t, r, `[{"labels": {"alertname": "SLOErrorBudgetBurn", "slo": "api-latency", "severity": "page"},
		"annotations": {"summary": "second"}, "startsAt": "2026-01-02T03:04:05.123Z"}]`)
	require.Equal(t, "second", r.WaitFor(t, time.Second, map[string]string{"severity": "page"}).Annotations["summary"])
	require.Len(t, r.Alerts(), 3)
	require.Equal(t, 2, r.Posts())

	// Returned alerts are copies.
	r.Alerts()[0].Labels["slo"] = "changed"
	require.Equal(t, "api-latency", r.Alerts()[0].Labels["slo"])

	firing := r.WaitForFunc(t, time.Second, func(a Alert) bool { return !a.Resolved() && a.Labels["severity"] == "page" })
	require.Equal(t, "second", firing.Annotations["summary"])
}

func TestAlertReceiverWaitForTimeout(t *testing.T) {
	r := NewAlertReceiver(t)
	post(t, r, notifierPayload)
	start := time.Now()
	msg := fatalMessage(t, func(tb testing.TB) {
		r.WaitFor(tb, 200*time.Millisecond, map[string]string{"slo": "other"})
	})
	require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	require.Contains(t, msg, "no alert with labels map[slo:other] within 200ms")
	require.Contains(t, msg, "api-latency", "the message lists what was received")
}

func post(t *testing.T, r *AlertReceiver, body string) {
	t.Helper()
	resp, err := http.Post(r.URL()+AlertsPath, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
