package e2etest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// AlertsPath is where Alertmanager's API v2 receives alerts, the path Prometheus' notifier posts to.
const AlertsPath = "/api/v2/alerts"

// Alert is one alert as a Prometheus notifier posts it to Alertmanager (API v2 PostableAlert), plus when it was
// received.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	// Received is when the receiver got the POST carrying the alert.
	Received time.Time `json:"-"`
}

// Resolved reports whether the alert had ended by the time it was received (Prometheus sends resolved alerts with
// EndsAt in the past; firing ones with EndsAt a few evaluation intervals ahead).
func (a Alert) Resolved() bool { return !a.EndsAt.IsZero() && !a.EndsAt.After(a.Received) }

// matches reports whether every label in match has that value on a ("" matches a missing label, as in PromQL).
func (a Alert) matches(match map[string]string) bool {
	for name, value := range match {
		if a.Labels[name] != value {
			return false
		}
	}
	return true
}

// AlertReceiver is a minimal Alertmanager stand-in: an HTTP server on 127.0.0.1 that accepts POST /api/v2/alerts
// with the JSON list of alerts Prometheus' notifier (or the daemon's) sends, and records every alert it receives
// in order. It does no grouping, silencing or routing: tests assert on what was sent.
type AlertReceiver struct {
	receiver[Alert]
}

// NewAlertReceiver starts an AlertReceiver and registers a t.Cleanup that closes it.
func NewAlertReceiver(t testing.TB) *AlertReceiver {
	t.Helper()
	return &AlertReceiver{newReceiver(t, "POST "+AlertsPath, cloneAlert, decodeAlerts)}
}

func cloneAlert(a Alert) Alert {
	a.Labels, a.Annotations = maps.Clone(a.Labels), maps.Clone(a.Annotations)
	return a
}

// decodeAlerts reads the JSON list of alerts a POST carries, received now.
func decodeAlerts(req *http.Request) ([]Alert, error) {
	var alerts []Alert
	if err := json.NewDecoder(req.Body).Decode(&alerts); err != nil {
		return nil, fmt.Errorf("body is not a JSON list of alerts: %v", err)
	}
	now := time.Now()
	for i := range alerts {
		alerts[i].Received = now
	}
	return alerts, nil
}

// URL is the receiver's base URL, "http://127.0.0.1:PORT", the address of an Alertmanager.
func (r *AlertReceiver) URL() string { return r.srv.URL }

// HostPort is "127.0.0.1:PORT", the form static_configs targets take.
func (r *AlertReceiver) HostPort() string {
	u, err := url.Parse(r.srv.URL)
	if err != nil { // httptest always gives a valid URL
		panic(err)
	}
	return u.Host
}

// AlertingConfig returns an `alerting:` block in Prometheus' configuration format that sends alerts to this
// receiver, for a Prometheus config or the daemon's.
//
// Prometheus' notifier drops the alerts it is given before service discovery has delivered the Alertmanagers
// (static ones too, a moment after start or reload); a firing alert is then sent again only after
// --rules.alert.resend-delay. StartPrometheus sets that to 1s; a daemon under test needs the same care.
func (r *AlertReceiver) AlertingConfig() string { return alertingConfig(r.HostPort()) }

// Alerts returns a copy of every alert received so far, in the order received.
func (r *AlertReceiver) Alerts() []Alert { return r.rec.all() }

// Posts returns how many POSTs of alerts were accepted so far.
func (r *AlertReceiver) Posts() int { return r.rec.batchCount() }

// WaitFor waits until an alert whose labels include every name=value of match has been received (already or
// within timeout) and returns the most recently received such alert, which carries its latest state. It fails t
// if none arrives in time, listing what did arrive.
func (r *AlertReceiver) WaitFor(t testing.TB, timeout time.Duration, match map[string]string) Alert {
	t.Helper()
	return r.rec.wait(t, timeout, fmt.Sprintf("alert with labels %v", match), func(a Alert) bool { return a.matches(match) })
}

// WaitForFunc is WaitFor with any condition, e.g. a resolved alert: func(a Alert) bool { return a.Resolved() }.
func (r *AlertReceiver) WaitForFunc(t testing.TB, timeout time.Duration, cond func(Alert) bool) Alert {
	t.Helper()
	return r.rec.wait(t, timeout, "alert meeting the condition", cond)
}
