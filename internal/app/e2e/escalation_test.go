package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/e2etest"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/routing"
)

// escalationConfig is the daemon config of TestFreezeEscalatesThroughAlertmanager, before its alerting block: two
// teams, release management told of freezes, and 1m windows so that the 1d SLO's tiles are 2 minutes long.
const escalationConfig = `windows:
  min: 1m
escalation:
  default_receiver: slo-unrouted
  teams:
    team-shop:
      pager: shop-pager
      tickets: shop-tickets
    team-search:
      pager: search-pager
      tickets: search-tickets
  freeze:
    notify: [release-management]
# A budget spent from the first minute is taken at its word here (min_coverage 0): the freeze comes within
# minutes, and the page does not hold the gate (what closes it is the freeze).
policies:
  default:
    min_coverage: 0
    close_gate_on_page: false
`

// phasedTraffic is the shop's request counters on two instances, a sample every 15 s from start, with a request
// volume and error share that the test switches between phases.
type phasedTraffic struct {
	mu       sync.Mutex
	next     time.Time
	perStep  float64 // requests per instance and sample
	share    float64 // of them failing with 500
	ok, errs float64 // cumulative per instance
}

// feedReceiver pushes phased traffic (100 requests per sample and instance, no errors to begin with) into r's
// remote-write receiver until the test ends.
func feedReceiver(t *testing.T, r *running) *phasedTraffic {
	traffic := &phasedTraffic{next: time.Now().Truncate(step)}
	traffic.set(100, 0)
	feedInBackground(t, func(ctx context.Context, s []e2etest.Series) error {
		return e2etest.RemoteWrite(ctx, r.base+"/api/v1/write", s)
	}, traffic.until)
	return traffic
}

// written tells whether samples up to t have been generated.
func (p *phasedTraffic) written(t time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next.After(t)
}

func (p *phasedTraffic) set(perStep, share float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.perStep, p.share = perStep, share
}

// until returns the samples from the last call up to now, at the phase's volume and share.
func (p *phasedTraffic) until(now time.Time) []e2etest.Series {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ts []time.Time
	var oks, errs []float64
	for ; !p.next.After(now); p.next = p.next.Add(step) {
		p.errs += p.perStep * p.share
		p.ok += p.perStep * (1 - p.share)
		ts, oks, errs = append(ts, p.next), append(oks, p.ok), append(errs, p.errs)
	}
	var out []e2etest.Series
	for _, inst := range []string{"a", "b"} {
		for code, vs := range map[string][]float64{"200": oks, "500": errs} {
			s := e2etest.Series{Labels: map[string]string{"__name__": "shop_requests_total", "job": "shop", "instance": inst, "code": code}}
			for i, t := range ts {
				s.Samples = append(s.Samples, e2etest.Sample{T: t, V: vs[i]})
			}
			out = append(out, s)
		}
	}
	return out
}

// gateAnswer asks the daemon at base whether shop may ship.
func gateAnswer(t *testing.T, base string) (int, gateBody) {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/gate/shop")
	require.NoError(t, err)
	defer resp.Body.Close()
	var body gateBody
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

type gateBody struct {
	Data struct {
		Allowed   bool      `json:"allowed"`
		Status    string    `json:"status"`
		Since     time.Time `json:"since"`
		Reason    string    `json:"reason"`
		Paging    []string  `json:"paging"`
		Evaluated time.Time `json:"evaluated"`
		Triggers  []struct {
			Evidence float64 `json:"evidence"`
		} `json:"triggers"`
	} `json:"data"`
	Error string `json:"error"`
}

// TestFreezeEscalatesThroughAlertmanager: the daemon, a real Alertmanager running the config `slokeeper
// alertmanager` generates from the daemon's escalation block, and webhooks standing for each receiver. A burst of
// errors spends the shop's budget: the page reaches the shop team's pager and no other team's; the service
// freezes, the gate answers 423 and release management hears of the freeze. A restart mid-freeze keeps the freeze
// and its since-time. Then traffic recovers the budget above the lift threshold: the gate answers 200 again and
// release management hears that the freeze is resolved.
func TestFreezeEscalatesThroughAlertmanager(t *testing.T) {
	long(t)
	t.Parallel()
	cfgFile := writeDaemonConfig(t, escalationConfig)

	// The Alertmanager config, as `slokeeper alertmanager --complete` renders it from the daemon's config, with a
	// webhook per receiver.
	cfg, err := config.Load(cfgFile)
	require.NoError(t, err)
	require.NotNil(t, cfg.Escalation)
	frag, err := routing.Generate(*cfg.Escalation)
	require.NoError(t, err)
	amYAML, err := frag.RenderComplete()
	require.NoError(t, err)
	hooks := e2etest.NewWebhookReceiver(t)
	amConfig, err := hooks.WithWebhooks(amYAML, time.Second, 2*time.Second, time.Hour)
	require.NoError(t, err)
	am := e2etest.StartAlertmanager(t, amConfig)

	body, err := os.ReadFile(cfgFile)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfgFile, append(body, am.AlertingConfig()...), 0o644))
	dataDir := filepath.Join(t.TempDir(), "data")
	r := start(t, app.Options{ConfigFile: cfgFile, StoragePath: dataDir, EnableRemoteWriteReceiver: true})

	// Live traffic, pushed into the daemon's remote-write receiver (wherever the daemon currently listens): 5% of
	// the requests fail from the start, a 50× burn of the 0.1% budget.
	traffic := &phasedTraffic{next: time.Now().Truncate(step)}
	traffic.set(100, 0.05)
	var target sync.Mutex
	writeURL := r.base + "/api/v1/write"
	feedInBackground(t, func(ctx context.Context, s []e2etest.Series) error {
		target.Lock()
		u := writeURL
		target.Unlock()
		return e2etest.RemoteWrite(ctx, u, s)
	}, traffic.until)
	r.waitReady(t)

	// The page reaches the owning team's pager.
	shop := map[string]string{"alertname": c.AlertBurn, "slo_tier": "page", "service": "shop", "slo": "availability"}
	page := hooks.WaitFor(t, 3*time.Minute, "shop-pager", "firing", shop)
	require.Equal(t, "shop-pager", page.Receiver)

	// The budget is spent: the service freezes, the gate refuses, release management is told.
	var frozen gateBody
	require.Eventually(t, func() bool {
		code, b := gateAnswer(t, r.base)
		frozen = b
		return code == http.StatusLocked
	}, 4*time.Minute, 500*time.Millisecond, "shop never froze")
	require.Equal(t, "frozen", frozen.Data.Status)
	require.False(t, frozen.Data.Allowed)
	require.Contains(t, frozen.Data.Reason, "availability")
	freeze := map[string]string{"alertname": c.AlertFeatureFreeze, "service": "shop", "owner": "team-shop"}
	n := hooks.WaitFor(t, time.Minute, "release-management", "firing", freeze)
	require.Equal(t, "release-management", n.Receiver)
	require.Contains(t, n.Alerts[0].Annotations["gate_url"], "/api/v1/gate/shop")
	hooks.WaitFor(t, time.Minute, "release-management", "firing", map[string]string{"alertname": c.AlertBudgetExhausted, "service": "shop"})
	// The freeze goes on to the owner's ticket queue (a ticket-tier alert), never to its pager.
	hooks.WaitFor(t, time.Minute, "shop-tickets", "firing", freeze)

	// Restart mid-freeze: still frozen, with the same since, as soon as the new daemon answers (before it has
	// evaluated a budget again).
	r.shutdown(t)
	r = start(t, app.Options{ConfigFile: cfgFile, StoragePath: dataDir, EnableRemoteWriteReceiver: true})
	target.Lock()
	writeURL = r.base + "/api/v1/write"
	target.Unlock()
	code, after := gateAnswer(t, r.base)
	require.Equal(t, http.StatusLocked, code, after.Error)
	require.True(t, after.Data.Since.Equal(frozen.Data.Since), "since %s before the restart, %s after", frozen.Data.Since, after.Data.Since)
	r.waitReady(t)

	// Errors stop and traffic grows two-thousandfold: the budget recovers above the lift threshold (10%), the gate
	// opens, and the freeze is resolved for release management.
	traffic.set(200000, 0)
	var open gateBody
	require.Eventually(t, func() bool {
		code, b := gateAnswer(t, r.base)
		open = b
		return code == http.StatusOK
	}, 5*time.Minute, time.Second, "shop stayed frozen")
	require.True(t, open.Data.Allowed)
	require.NotEqual(t, "frozen", open.Data.Status)
	hooks.WaitFor(t, time.Minute, "release-management", "resolved", freeze)

	// Nothing reached another team, and nothing fell through to the catch-all receiver.
	for _, other := range []string{"search-pager", "search-tickets", "slo-unrouted"} {
		require.Empty(t, hooks.To(other), "notifications to %s", other)
	}
	for _, n := range hooks.Notifications() {
		for _, a := range n.Alerts {
			require.Equal(t, "shop", a.Labels["service"], "%s received %v", n.Hook, a.Labels)
			if n.Hook == "shop-pager" {
				require.NotContains(t, []string{c.AlertFeatureFreeze, c.AlertBudgetExhausted}, a.Labels["alertname"], "the freeze paged the on-call")
			}
		}
	}
}
