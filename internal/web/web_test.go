package web_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// server is a Handler served through Serve on 127.0.0.1:0.
type server struct {
	base   string
	client *http.Client
	cancel context.CancelFunc
	done   chan struct{} // closed when Serve returned
	err    error         // what Serve returned
}

// start serves New(opts) with the given web configuration file; the server stops when the test ends.
func start(t *testing.T, opts web.Options, webConfigFile string, tlsClient *tls.Config) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	s := &server{
		base:   "http://" + l.Addr().String(),
		client: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsClient}, Timeout: 10 * time.Second},
		cancel: cancel,
		done:   make(chan struct{}),
	}
	if tlsClient != nil {
		s.base = "https://" + l.Addr().String()
	}
	h := web.New(opts)
	go func() {
		defer close(s.done)
		s.err = h.Serve(ctx, l, webConfigFile)
	}()
	t.Cleanup(func() {
		require.NoError(t, s.stop(t))
	})
	return s
}

// stop cancels Serve's context and returns what Serve returned.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	defer s.client.CloseIdleConnections()
	select {
	case <-s.done:
		return s.err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
		return nil
	}
}

type response struct {
	code   int
	header http.Header
	body   string
}

type request struct {
	method, path, body string
	user, password     string
	header             map[string]string
}

func (s *server) do(t *testing.T, r request) response {
	t.Helper()
	resp, err := s.send(t.Context(), r)
	require.NoError(t, err)
	return resp
}

// send is do for goroutines other than the test's: it returns its error instead of failing the test.
func (s *server) send(ctx context.Context, r request) (response, error) {
	if r.method == "" {
		r.method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, r.method, s.base+r.path, strings.NewReader(r.body))
	if err != nil {
		return response{}, err
	}
	if r.user != "" {
		req.SetBasicAuth(r.user, r.password)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{code: resp.StatusCode, header: resp.Header, body: string(body)}, nil
}

func (s *server) get(t *testing.T, path string) response {
	t.Helper()
	return s.do(t, request{path: path})
}

func TestProbes(t *testing.T) {
	var ready atomic.Bool
	s := start(t, web.Options{Ready: ready.Load}, "", nil)

	for _, tc := range []struct {
		name     string
		req      request
		wantCode int
		wantBody string
	}{
		{"healthy", request{path: "/-/healthy"}, 200, "slokeeper is Healthy.\n"},
		{"healthy HEAD", request{method: http.MethodHead, path: "/-/healthy"}, 200, ""},
		{"not ready yet", request{path: "/-/ready"}, 503, "Service Unavailable"},
		{"not ready yet HEAD", request{method: http.MethodHead, path: "/-/ready"}, 503, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, tc.req)
			require.Equal(t, tc.wantCode, r.code)
			require.Equal(t, tc.wantBody, r.body)
		})
	}

	ready.Store(true)
	t.Run("ready after the flip", func(t *testing.T) {
		r := s.get(t, "/-/ready")
		require.Equal(t, 200, r.code)
		require.Equal(t, "slokeeper is Ready.\n", r.body)
	})

	t.Run("nil Ready means ready", func(t *testing.T) {
		r := start(t, web.Options{}, "", nil).get(t, "/-/ready")
		require.Equal(t, 200, r.code)
	})
}

func TestReload(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lifecycle bool
		reload    func() error
		method    string
		wantCode  int
		wantBody  string
		wantAllow string
		wantCalls int32
	}{
		{name: "lifecycle disabled", reload: func() error { return nil }, method: "POST",
			wantCode: 403, wantBody: "Lifecycle API is not enabled.\n"},
		{name: "POST reloads", lifecycle: true, reload: func() error { return nil }, method: "POST",
			wantCode: 200, wantCalls: 1},
		{name: "PUT reloads", lifecycle: true, reload: func() error { return nil }, method: "PUT",
			wantCode: 200, wantCalls: 1},
		{name: "failure reaches the client", lifecycle: true, method: "POST",
			reload: func() error {
				return errors.New(`couldn't load specs (--spec.files="specs/*.yaml"): payments.yaml:14: objective must be in (0,100)`)
			},
			wantCode: 500, wantCalls: 1,
			wantBody: "failed to reload config: couldn't load specs (--spec.files=\"specs/*.yaml\"): payments.yaml:14: objective must be in (0,100)\n"},
		{name: "GET is not allowed", lifecycle: true, reload: func() error { return nil }, method: "GET",
			wantCode: 405, wantAllow: "POST, PUT"},
		{name: "GET is not allowed without lifecycle either", reload: func() error { return nil }, method: "GET",
			wantCode: 405, wantAllow: "POST, PUT"},
		{name: "no reload function", lifecycle: true, method: "POST", wantCode: 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			opts := web.Options{EnableLifecycle: tc.lifecycle}
			if tc.reload != nil {
				opts.Reload = func() error {
					calls.Add(1)
					return tc.reload()
				}
			}
			r := start(t, opts, "", nil).do(t, request{method: tc.method, path: "/-/reload"})
			require.Equal(t, tc.wantCode, r.code, r.body)
			if tc.wantBody != "" {
				require.Equal(t, tc.wantBody, r.body)
			}
			require.Equal(t, tc.wantAllow, r.header.Get("Allow"))
			require.Equal(t, tc.wantCalls, calls.Load())
		})
	}
}

func TestRouting(t *testing.T) {
	var (
		mu    sync.Mutex
		calls []string
	)
	write := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	withWrite := start(t, web.Options{RemoteWrite: write, Gatherer: prometheus.NewRegistry()}, "", nil)
	without := start(t, web.Options{}, "", nil)

	for _, tc := range []struct {
		name      string
		s         *server
		req       request
		wantCode  int
		wantAllow string
	}{
		{"remote write", withWrite, request{method: "POST", path: "/api/v1/write", body: "batch"}, 204, ""},
		{"remote write GET", withWrite, request{path: "/api/v1/write"}, 405, "POST"},
		{"remote write not configured", without, request{method: "POST", path: "/api/v1/write"}, 404, ""},
		{"metrics not configured", without, request{path: "/metrics"}, 404, ""},
		{"POST healthy", withWrite, request{method: "POST", path: "/-/healthy"}, 405, "GET, HEAD"},
		{"DELETE slos", withWrite, request{method: "DELETE", path: "/api/v1/slos"}, 405, "GET, HEAD"},
		{"POST metrics", withWrite, request{method: "POST", path: "/metrics"}, 405, "GET, HEAD"},
		{"POST status page", withWrite, request{method: "POST", path: "/"}, 405, "GET, HEAD"},
		{"unknown path", withWrite, request{path: "/graph"}, 404, ""},
		{"unknown API path", withWrite, request{path: "/api/v1/query"}, 404, ""},
		{"heap profile", without, request{path: "/debug/pprof/heap"}, 200, ""},
		{"profile index", without, request{path: "/debug/pprof/"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.s.do(t, tc.req)
			require.Equal(t, tc.wantCode, r.code, r.body)
			require.Equal(t, tc.wantAllow, r.header.Get("Allow"))
		})
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"POST /api/v1/write batch"}, calls)
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "slokeeper_test_budget", Help: "A test gauge."})
	g.Set(0.25)
	reg.MustRegister(g)
	s := start(t, web.Options{Gatherer: reg, Registerer: reg}, "", nil)

	t.Run("text format", func(t *testing.T) {
		r := s.get(t, "/metrics")
		require.Equal(t, 200, r.code)
		require.Contains(t, r.body, "slokeeper_test_budget 0.25\n")
		require.Contains(t, r.header.Get("Content-Type"), "text/plain")
	})
	t.Run("OpenMetrics when asked", func(t *testing.T) {
		r := s.do(t, request{path: "/metrics", header: map[string]string{"Accept": "application/openmetrics-text;version=1.0.0"}})
		require.Equal(t, 200, r.code)
		require.Contains(t, r.header.Get("Content-Type"), "application/openmetrics-text")
		require.True(t, strings.HasSuffix(r.body, "# EOF\n"), r.body)
	})
	t.Run("requests are counted by route and code", func(t *testing.T) {
		s.get(t, "/-/healthy")
		s.get(t, "/-/healthy")
		s.do(t, request{method: "POST", path: "/-/healthy"})
		s.get(t, "/nowhere") // unrouted: not counted
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP slokeeper_http_requests_total Number of HTTP requests answered, by route and status code.
# TYPE slokeeper_http_requests_total counter
slokeeper_http_requests_total{code="200",handler="/-/healthy"} 2
slokeeper_http_requests_total{code="200",handler="/metrics"} 2
slokeeper_http_requests_total{code="405",handler="/-/healthy"} 1
`), "slokeeper_http_requests_total"))
		n, err := testutil.GatherAndCount(reg, "slokeeper_http_request_duration_seconds")
		require.NoError(t, err)
		require.Equal(t, 2, n, "one histogram per route that was requested")
	})
	t.Run("nothing registered without a Registerer", func(t *testing.T) {
		other := prometheus.NewRegistry()
		s := start(t, web.Options{Gatherer: other}, "", nil)
		require.Equal(t, 200, s.get(t, "/-/healthy").code)
		n, err := testutil.GatherAndCount(other)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

type sloStatus struct {
	SLO       string  `json:"slo"`
	Service   string  `json:"service"`
	Objective float64 `json:"objective"`
	Remaining float64 `json:"error_budget_remaining"`
}

func TestAPI(t *testing.T) {
	slos := []sloStatus{
		{SLO: "api-latency", Service: "payments", Objective: 0.999, Remaining: 0.5},
		{SLO: "checkout-availability", Service: "checkout", Objective: 0.99, Remaining: -0.25},
	}
	for _, tc := range []struct {
		name     string
		opts     web.Options
		path     string
		wantCode int
		want     string
	}{
		{"slos", web.Options{SLOs: func() any { return slos }}, "/api/v1/slos", 200, `{"status":"success","data":[
			{"slo":"api-latency","service":"payments","objective":0.999,"error_budget_remaining":0.5},
			{"slo":"checkout-availability","service":"checkout","objective":0.99,"error_budget_remaining":-0.25}]}`},
		{"no SLOs function", web.Options{}, "/api/v1/slos", 200, `{"status":"success","data":[]}`},
		{"status", web.Options{Status: func() any { return map[string]any{"reload": map[string]any{"success": true}} }},
			"/api/v1/status", 200, `{"status":"success","data":{"reload":{"success":true}}}`},
		{"default status", web.Options{Version: "1.2.3"}, "/api/v1/status", 200, `{"status":"success","data":{"version":"1.2.3"}}`},
		{"gate open", web.Options{Gate: gate}, "/api/v1/gate/shop", 200, `{"status":"success","data":{"service":"shop","allowed":true,"change_class":""}}`},
		{"gate frozen", web.Options{Gate: gate}, "/api/v1/gate/payments", 423, `{"status":"success","data":{"service":"payments","allowed":false,"change_class":""}}`},
		{"gate exempt class", web.Options{Gate: gate}, "/api/v1/gate/payments?change_class=security", 200, `{"status":"success","data":{"service":"payments","allowed":true,"change_class":"security"}}`},
		{"gate unknown service", web.Options{Gate: gate}, "/api/v1/gate/nope", 404, `{"status":"error","errorType":"not_found","error":"unknown service \"nope\": no loaded SLO belongs to it"}`},
		{"gate before the first evaluation", web.Options{Gate: gate}, "/api/v1/gate/new", 503, `{"status":"error","errorType":"unavailable","error":"the budgets of service \"new\" are not known yet: the daemon decides once it has evaluated them, within a minute or two of its start"}`},
		{"gate blind", web.Options{Gate: gate}, "/api/v1/gate/nodata", 503, `{"status":"error","errorType":"unavailable",
			"error":"service \"nodata\": the budgets of latency are not known (no data)",
			"data":{"service":"nodata","allowed":false,"change_class":""}}`},
		{"gate not configured", web.Options{}, "/api/v1/gate/shop", 404, ""},
		{"policy", web.Options{Policy: func() any { return map[string]string{"payments": "frozen"} }}, "/api/v1/policy", 200, `{"status":"success","data":{"payments":"frozen"}}`},
		{"unencodable data", web.Options{SLOs: func() any { return []float64{math.NaN()} }}, "/api/v1/slos", 500,
			`{"status":"error","errorType":"internal","error":"couldn't encode response: json: unsupported value: NaN"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, tc.opts, "", nil).get(t, tc.path)
			require.Equal(t, tc.wantCode, r.code)
			if tc.want == "" {
				return
			}
			require.Equal(t, "application/json", r.header.Get("Content-Type"))
			require.JSONEq(t, tc.want, r.body)
		})
	}
}

// gate is a deploy gate over a fixed state: payments is frozen and lets security changes through.
func gate(service, class string) (any, web.GateAnswer) {
	type decision struct {
		Service     string `json:"service"`
		Allowed     bool   `json:"allowed"`
		ChangeClass string `json:"change_class"`
	}
	switch service {
	case "shop":
		return decision{service, true, class}, web.GateAllowed
	case "payments":
		if class == "security" {
			return decision{service, true, class}, web.GateAllowed
		}
		return decision{service, false, class}, web.GateRefused
	case "new":
		return nil, web.GateNotYet
	case "nodata":
		return blindDecision{decision{service, false, class}}, web.GateBlind
	}
	return nil, web.GateUnknownService
}

// blindDecision is a decision that says why the gate cannot decide.
type blindDecision struct {
	decision any
}

func (b blindDecision) MarshalJSON() ([]byte, error) { return json.Marshal(b.decision) }
func (blindDecision) Why() string                    { return "the budgets of latency are not known (no data)" }

func TestStatusPage(t *testing.T) {
	type described struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Windows     map[string]int `json:"windows"`
		SLO         string         `json:"slo"`
	}
	for _, tc := range []struct {
		name     string
		opts     web.Options
		want     []string
		wantNot  []string
		wantCode int
	}{
		{
			name: "table escapes user text",
			opts: web.Options{Version: "0.3.0", SLOs: func() any {
				return []described{{
					Name:        "api",
					SLO:         "api-latency",
					Description: `<script>alert("x")</script> & more`,
					Windows:     map[string]int{"5m": 1},
				}}
			}},
			want: []string{
				"Version: 0.3.0",
				// leading columns first, the rest sorted
				"<th>slo</th><th>name</th><th>description</th><th>windows</th>",
				"<td>api-latency</td><td>api</td>",
				"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more",
				"{&#34;5m&#34;:1}",
				`<a href="./api/v1/slos">/api/v1/slos</a>`, `<a href="./metrics">/metrics</a>`, `<a href="./api/v1/status">/api/v1/status</a>`,
				"State: ready",
			},
			wantNot: []string{"<script>"},
		},
		{
			name: "not a list renders as JSON",
			opts: web.Options{SLOs: func() any { return map[string]string{"api-latency": "<b>ok</b>"} }},
			want: []string{"<pre>{\n  &#34;api-latency&#34;: &#34;\\u003cb\\u003eok\\u003c/b\\u003e&#34;\n}</pre>"},
		},
		{
			name: "no SLOs and not ready",
			opts: web.Options{Ready: func() bool { return false }},
			want: []string{"No SLOs loaded.", "State: starting", "Version: unknown"},
		},
		{
			name: "unencodable SLOs",
			opts: web.Options{SLOs: func() any { return math.Inf(1) }},
			want: []string{`<p class="error">couldn&#39;t encode SLOs: json: unsupported value: &#43;Inf</p>`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, tc.opts, "", nil).get(t, "/")
			require.Equal(t, 200, r.code)
			require.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
			for _, w := range tc.want {
				require.Contains(t, r.body, w)
			}
			for _, w := range tc.wantNot {
				require.NotContains(t, r.body, w)
			}
		})
	}
}

func TestOverride(t *testing.T) {
	override := func(service string, req v1.OverrideRequest) (any, bool, error) {
		switch {
		case service != "payments":
			return nil, false, nil
		case req.Action != "lift" && req.Action != "set":
			return nil, true, fmt.Errorf("unknown override %q", req.Action)
		}
		return map[string]string{"status": "ok", "who": req.Who}, true, nil
	}
	admin := start(t, web.Options{Override: override, EnableAdmin: true}, "", nil)
	closed := start(t, web.Options{Override: override}, "", nil)
	for _, tc := range []struct {
		name     string
		s        *server
		req      request
		wantCode int
		want     string
	}{
		{"lift", admin, request{method: "POST", path: "/api/v1/freeze/payments", body: `{"action":"lift","who":"alice","reason":"P0","duration":"2h"}`}, 200, `{"status":"success","data":{"status":"ok","who":"alice"}}`},
		{"admin API off", closed, request{method: "POST", path: "/api/v1/freeze/payments", body: `{}`}, 403, `{"status":"error","errorType":"unavailable","error":"admin APIs are disabled: start slokeeper with --web.enable-admin-api"}`},
		{"unknown field", admin, request{method: "POST", path: "/api/v1/freeze/payments", body: `{"action":"lift","whom":"alice"}`}, 400, ""},
		{"bad action", admin, request{method: "POST", path: "/api/v1/freeze/payments", body: `{"action":"thaw"}`}, 400, `{"status":"error","errorType":"bad_data","error":"unknown override \"thaw\""}`},
		{"unknown service", admin, request{method: "POST", path: "/api/v1/freeze/nope", body: `{"action":"set"}`}, 404, ""},
		{"GET", admin, request{path: "/api/v1/freeze/payments"}, 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.s.do(t, tc.req)
			require.Equal(t, tc.wantCode, r.code, r.body)
			if tc.want != "" {
				require.JSONEq(t, tc.want, r.body)
			}
		})
	}
}
