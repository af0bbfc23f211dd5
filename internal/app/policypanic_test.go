package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// A policy state corrupted in memory makes the gate, policy and override handlers panic. Each panic is a 500,
// and none leaves the policy's lock held: before, the gate's panic left it locked, and every later gate and
// policy request, the evaluation loop and the shutdown waited for it forever.
func TestPolicyPanicReleasesLock(t *testing.T) {
	slos := []*slo.SLO{
		{Service: "pay", Name: "avail", Layer: slo.LayerService},
		{Service: "shop", Name: "journey", Layer: slo.LayerProduct},
	}
	a := policyApp(t, t.TempDir(), slos)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	a.policy.evaluate(snapshotOf(map[string]float64{"pay/avail": 0.9, "shop/journey": 0.9}), a.cfg.Load(), a.loaded.Load(), t0)
	// The handlers as app.go wires them.
	reg := prometheus.NewRegistry()
	h := web.New(web.Options{Registerer: reg, Gate: a.policy.gate, Policy: a.policy.snapshot, EnableAdmin: true,
		Override: func(service string, req v1.OverrideRequest) (any, bool, error) {
			return a.policy.override(service, req, t0.Add(time.Minute))
		}})
	serve := func(method, path, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), method, path, strings.NewReader(body)))
		return w
	}
	require.Equal(t, http.StatusOK, serve(http.MethodGet, "/api/v1/gate/pay", "").Code, "the state is sound so far")

	a.policy.state.Services["pay"] = nil // the corruption: an entry Validate refuses on load
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/gate/pay", ""},
		{http.MethodGet, "/api/v1/policy", ""},
		{http.MethodPost, "/api/v1/freeze/pay", `{"action":"lift","who":"alice","reason":"P0 fix","duration":"1h"}`},
	} {
		w := serve(tc.method, tc.path, tc.body)
		require.Equal(t, http.StatusInternalServerError, w.Code, tc.path)
		require.Contains(t, w.Body.String(), `"errorType":"internal"`, tc.path)
		// Checked at once, so that a held lock fails the test here instead of hanging it at the next request.
		require.True(t, a.policy.mtx.TryLock(), "%s %s left the policy's lock held", tc.method, tc.path)
		a.policy.mtx.Unlock()
	}
	// The sound service is still answered.
	require.Equal(t, http.StatusOK, serve(http.MethodGet, "/api/v1/gate/shop", "").Code)
}
