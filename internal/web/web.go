// Package web is the HTTP surface of `slokeeper run`.
//
// Operators already know how to run a Prometheus server: where its metrics are, how a load balancer probes it,
// how to reload it, how its API answers. The daemon answers the same way so that nothing about it has to be
// learnt twice: /metrics for scrapes, /-/healthy and /-/ready for probes, POST /-/reload behind
// --web.enable-lifecycle, the {"status":"success","data":…} envelope of Prometheus' HTTP API for /api/v1/…,
// POST /api/v1/write for the embedded TSDB's remote-write receiver, and --web.config.file (TLS, basic auth)
// through Prometheus' exporter-toolkit rather than a home-grown copy.
//
// The package owns routing, method checks, the JSON envelope, the status page and the server's lifecycle. What
// the answers contain belongs to the caller, which passes small functions (Ready, Reload, SLOs, Status) and
// handlers (the remote-write receiver) in Options; nothing here knows about rules, storage or budgets.
package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"

	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// DefaultShutdownTimeout bounds how long Serve waits for in-flight requests once its context is done.
const DefaultShutdownTimeout = 5 * time.Second

// Options configures New. Nil fields get the defaults documented on each of them.
type Options struct {
	// Logger receives the server's and the handlers' logs. Nil discards them.
	Logger *slog.Logger
	// Registerer receives the HTTP metrics (slokeeper_http_requests_total,
	// slokeeper_http_request_duration_seconds, slokeeper_http_panics_total, promhttp_metric_handler_errors_total).
	// Nil registers none.
	// New panics if they are already registered there.
	Registerer prometheus.Registerer
	// Gatherer is what /metrics serves. Nil leaves /metrics unrouted (404).
	Gatherer prometheus.Gatherer
	// MetricsMaxAge is how old a rendering of /metrics may be when served (see DefaultMetricsMaxAge). Zero means
	// DefaultMetricsMaxAge; negative renders every scrape afresh.
	MetricsMaxAge time.Duration
	// Ready reports whether the daemon is ready (typically: its first evaluation cycle completed). /-/ready
	// answers 503 until it returns true. Nil means always ready.
	Ready func() bool
	// Reload reloads the configuration; POST or PUT /-/reload calls it when EnableLifecycle is set. Its error
	// text is returned to the HTTP client. It may be called concurrently with other reloads the caller starts
	// (SIGHUP): serialising them is the caller's job. Nil answers 501.
	Reload func() error
	// EnableLifecycle enables /-/reload (--web.enable-lifecycle). Without it /-/reload answers 403.
	EnableLifecycle bool
	// SLOs returns the per-SLO status served by GET /api/v1/slos and rendered by the status page. The value
	// must marshal to JSON; a list of objects renders as a table. An *Encoded is served as it is (encode once what
	// many clients ask). Nil serves an empty list.
	SLOs func() any
	// Status returns the daemon's status (configuration, reload state, …) served by GET /api/v1/status. It
	// must marshal to JSON. Nil serves {"version": Version}.
	Status func() any
	// Gate answers the deploy gate, GET /api/v1/gate/{service}?change_class=…: the decision (marshalled to
	// JSON as the response's data) and the answer, which sets the status code. Nil: the route answers 404.
	Gate func(service, changeClass string) (decision any, answer GateAnswer)
	// Policy returns the error budget policy state served by GET /api/v1/policy. Nil: the route answers 404.
	Policy func() any
	// Override applies POST /api/v1/freeze/{service}: a manual override of a service's freeze. It returns the
	// service's new state, or an error for bad input (400) and found false for an unknown service (404). Only
	// served with EnableAdmin (403 otherwise); nil: 404.
	Override func(service string, req v1.OverrideRequest) (state any, found bool, err error)
	// Exclusions serves /api/v1/exclusions (list; create and withdraw with EnableAdmin). Nil: 404.
	Exclusions Exclusions
	// EnableAdmin allows the administrative endpoints (overrides, exclusions), like Prometheus'
	// --web.enable-admin-api.
	EnableAdmin bool
	// Query serves the query API, conventions.QueryPaths (GET and POST), typically internal/queryapi. Nil leaves
	// those paths unrouted (404).
	Query http.Handler
	// RemoteWrite receives POST /api/v1/write, typically the embedded TSDB's remote-write handler. Nil leaves
	// the path unrouted (404).
	RemoteWrite http.Handler
	// Version is shown on the status page and in the default Status.
	Version string
	// ShutdownTimeout bounds the graceful shutdown of Serve. Zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// Handler routes the daemon's HTTP endpoints. It is an http.Handler; Serve runs it on a listener.
type Handler struct {
	opts    Options
	logger  *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	page    *template.Template
}

// New builds a Handler from opts, filling defaults.
func New(opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = promslog.NewNopLogger()
	}
	if opts.Ready == nil {
		opts.Ready = func() bool { return true }
	}
	if opts.SLOs == nil {
		opts.SLOs = func() any { return []any{} }
	}
	if opts.Status == nil {
		version := opts.Version
		opts.Status = func() any { return map[string]string{"version": version} }
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.MetricsMaxAge == 0 {
		opts.MetricsMaxAge = DefaultMetricsMaxAge
	}
	h := &Handler{
		opts:    opts,
		logger:  opts.Logger,
		mux:     http.NewServeMux(),
		metrics: newMetrics(opts.Registerer),
		page:    pageTemplate,
	}

	get := []string{http.MethodGet, http.MethodHead}
	h.route("/{$}", conventions.PathIndex, get, http.HandlerFunc(h.index))
	if opts.Gatherer != nil {
		h.route(conventions.PathMetrics, conventions.PathMetrics, get, newMetricsCache(opts.Gatherer, opts.MetricsMaxAge, opts.Logger.With("component", "metrics"), opts.Registerer))
	}
	h.route(conventions.PathHealthy, conventions.PathHealthy, get, http.HandlerFunc(healthy))
	h.route(conventions.PathReady, conventions.PathReady, get, http.HandlerFunc(h.ready))
	h.route(conventions.PathReload, conventions.PathReload, []string{http.MethodPost, http.MethodPut}, http.HandlerFunc(h.reload))
	h.route(conventions.PathSLOs, conventions.PathSLOs, get, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e, ok := opts.SLOs().(*Encoded); ok {
			e.serve(w, r)
			return
		}
		h.respond(w, opts.SLOs())
	}))
	h.route(conventions.PathStatus, conventions.PathStatus, get, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h.respond(w, opts.Status())
	}))
	if opts.RemoteWrite != nil {
		h.route(conventions.PathWrite, conventions.PathWrite, []string{http.MethodPost}, opts.RemoteWrite)
	}
	if opts.Query != nil {
		for _, p := range conventions.QueryPaths {
			h.route(p, p, []string{http.MethodGet, http.MethodPost}, opts.Query)
		}
	}
	if opts.Gate != nil {
		h.route(conventions.PathGate, conventions.PathGate, get, http.HandlerFunc(h.gate))
	}
	if opts.Override != nil {
		h.route(conventions.PathFreeze, conventions.PathFreeze, []string{http.MethodPost}, http.HandlerFunc(h.override))
	}
	if opts.Exclusions != nil {
		h.routeExclusions(opts.Exclusions)
	}
	if opts.Policy != nil {
		h.route(conventions.PathPolicy, conventions.PathPolicy, get, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			h.respond(w, opts.Policy())
		}))
	}
	// Go's profiles, as Prometheus serves them: behind the same TLS and authentication as everything else.
	h.mux.Handle(conventions.PathPprof, h.metrics.instrument(conventions.PathPprof, http.HandlerFunc(pprof.Index)))
	h.mux.Handle(conventions.PathPprof+"cmdline", h.metrics.instrument(conventions.PathPprof, http.HandlerFunc(pprof.Cmdline)))
	h.mux.Handle(conventions.PathPprof+"profile", h.metrics.instrument(conventions.PathPprof, http.HandlerFunc(pprof.Profile)))
	h.mux.Handle(conventions.PathPprof+"symbol", h.metrics.instrument(conventions.PathPprof, http.HandlerFunc(pprof.Symbol)))
	h.mux.Handle(conventions.PathPprof+"trace", h.metrics.instrument(conventions.PathPprof, http.HandlerFunc(pprof.Trace)))
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// route registers next on pattern behind a method check, panic recovery and the HTTP metrics labelled with name.
func (h *Handler) route(pattern, name string, methods []string, next http.Handler) {
	h.mux.Handle(pattern, h.metrics.instrument(name, h.recoverPanics(name, allowMethods(methods, next))))
}

// allowMethods answers 405 with an Allow header to requests whose method is not in methods.
func allowMethods(methods []string, next http.Handler) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range methods {
			if r.Method == m {
				next.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Allow", allow)
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	})
}

func healthy(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("slokeeper is Healthy.\n"))
}

func (h *Handler) ready(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !h.opts.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("Service Unavailable"))
		return
	}
	_, _ = w.Write([]byte("slokeeper is Ready.\n"))
}

func (h *Handler) reload(w http.ResponseWriter, _ *http.Request) {
	if !h.opts.EnableLifecycle {
		http.Error(w, "Lifecycle API is not enabled.", http.StatusForbidden)
		return
	}
	if h.opts.Reload == nil {
		http.Error(w, "Reloading is not supported.", http.StatusNotImplemented)
		return
	}
	if err := h.opts.Reload(); err != nil {
		h.logger.Error("Reload requested over HTTP failed", "err", err)
		http.Error(w, "failed to reload config: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h.logger.Info("Reloaded on HTTP request")
}

// respond writes data in a success envelope, or an error envelope with status 500 when data does not marshal.
func (h *Handler) respond(w http.ResponseWriter, data any) { h.respondCode(w, http.StatusOK, data) }

// respondCode answers data in the API's success envelope with code.
func (h *Handler) respondCode(w http.ResponseWriter, code int, data any) {
	body, err := json.Marshal(v1.Success(data))
	if err != nil {
		h.logger.Error("Couldn't encode API response", "err", err)
		body, _ = json.Marshal(v1.Failure(v1.ErrInternal, "couldn't encode response: "+err.Error(), nil))
		code = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// gate answers the deploy gate: 200 when the service may ship, 423 (Locked) while it is frozen, 404 for a
// service no loaded SLO belongs to, 503 for one whose budgets are not known (yet, or any more, or only from an
// evaluation too old): the gate fails closed. The body is the decision in the API's envelope, when there is one.
func (h *Handler) gate(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	decision, answer := h.opts.Gate(service, r.URL.Query().Get("change_class"))
	switch answer {
	case GateAllowed:
		h.respondCode(w, http.StatusOK, decision)
	case GateRefused:
		h.respondCode(w, http.StatusLocked, decision)
	case GateNotYet:
		h.respondError(w, http.StatusServiceUnavailable, v1.ErrUnavailable, fmt.Sprintf(
			"the budgets of service %q are not known yet: the daemon decides once it has evaluated them, within a minute or two of its start", service))
	case GateBlind:
		msg := fmt.Sprintf("service %q: the gate does not know enough to let the change through", service)
		if r, ok := decision.(interface{ Why() string }); ok {
			msg = fmt.Sprintf("service %q: %s", service, r.Why())
		}
		h.respondErrorData(w, http.StatusServiceUnavailable, v1.ErrUnavailable, msg, decision)
	default:
		h.respondError(w, http.StatusNotFound, v1.ErrNotFound, fmt.Sprintf("unknown service %q: no loaded SLO belongs to it", service))
	}
}

// GateAnswer is the deploy gate's answer for a service.
type GateAnswer int

const (
	// GateUnknownService: no loaded SLO belongs to the service (404).
	GateUnknownService GateAnswer = iota
	// GateNotYet: the service is loaded but its budgets have not been evaluated since the daemon started with no
	// saved state for it (503: a pipeline should retry, not ship).
	GateNotYet
	// GateAllowed: the service may ship the change (200).
	GateAllowed
	// GateRefused: the service is frozen and the change is not exempt (423).
	GateRefused
	// GateBlind: the answer depends on budgets the daemon does not know: unknown, or from an evaluation too old
	// (503, with the decision: a pipeline should retry, not ship). The decision may say why with a Why method.
	GateBlind
)

func (h *Handler) override(w http.ResponseWriter, r *http.Request) {
	var req v1.OverrideRequest
	if !h.decodeAdmin(w, r, &req, "action, who, reason and duration") {
		return
	}
	service := r.PathValue("service")
	state, found, err := h.opts.Override(service, req)
	h.answerAdmin(w, state, found, err, fmt.Sprintf("unknown service %q: no loaded SLO belongs to it", service))
}

func (h *Handler) index(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, newPage(h.opts.Version, h.opts.Ready(), h.opts.SLOs())); err != nil {
		h.logger.Error("Couldn't render the status page", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

// respondError answers an error in the API's envelope.
func (h *Handler) respondError(w http.ResponseWriter, code int, errorType v1.ErrorType, msg string) {
	h.respondErrorData(w, code, errorType, msg, nil)
}

// respondErrorData is respondError with data in the envelope (as Prometheus' API has for some errors).
func (h *Handler) respondErrorData(w http.ResponseWriter, code int, errorType v1.ErrorType, msg string, data any) {
	body, err := json.Marshal(v1.Failure(errorType, msg, data))
	if err != nil {
		body, _ = json.Marshal(v1.Failure(errorType, msg, nil))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
