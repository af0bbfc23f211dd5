package conventions

import "net/url"

// Annotations of the alerts slokeeper generates (the burn and review alerts) and raises (the policy's).
const (
	AnnotationSummary     = "summary"
	AnnotationDescription = "description"
	// AnnotationRunbookURL is the spec's alerting.runbookURL.
	AnnotationRunbookURL = "runbook_url"
	// AnnotationGateURL is where the alerted service's deploy gate answers (PathGate on the daemon).
	AnnotationGateURL = "gate_url"
)

// The daemon's HTTP routes, as net/http patterns ({name} is a path value). Each is also the value of the handler
// label of the daemon's HTTP metrics. The /api/v1 bodies are the types of pkg/api/v1.
const (
	PathIndex   = "/"
	PathMetrics = "/metrics"
	PathHealthy = "/-/healthy"
	PathReady   = "/-/ready"
	PathReload  = "/-/reload"
	PathSLOs    = "/api/v1/slos"
	PathStatus  = "/api/v1/status"
	PathWrite   = "/api/v1/write"
	PathGate    = "/api/v1/gate/{service}"
	PathPolicy  = "/api/v1/policy"
	PathFreeze  = "/api/v1/freeze/{service}"
	// PathExclusions lists (GET) and adds (POST) ad hoc exclusions; PathWithdraw ends one.
	PathExclusions = "/api/v1/exclusions"
	PathWithdraw   = "/api/v1/exclusions/{id}/withdraw"
	// PathPprof serves Go's runtime profiles (net/http/pprof), e.g. PathPprof+"heap".
	PathPprof = "/debug/pprof/"
)

// The query API's routes: Prometheus' HTTP API over the daemon's storage and rules (internal/queryapi).
const (
	PathQuery       = "/api/v1/query"
	PathQueryRange  = "/api/v1/query_range"
	PathSeries      = "/api/v1/series"
	PathLabels      = "/api/v1/labels"
	PathLabelValues = "/api/v1/label/{name}/values"
	PathRules       = "/api/v1/rules"
	PathAlerts      = "/api/v1/alerts"
	PathFormatQuery = "/api/v1/format_query"
	PathParseQuery  = "/api/v1/parse_query"
	PathBuildInfo   = "/api/v1/status/buildinfo"
)

// QueryPaths are the query API's routes, each served for GET and POST (the API answers 405 where Prometheus does).
var QueryPaths = []string{PathQuery, PathQueryRange, PathSeries, PathLabels, PathLabelValues, PathRules, PathAlerts,
	PathFormatQuery, PathParseQuery, PathBuildInfo}

// GatePath is the path of service's deploy gate (PathGate), escaped.
func GatePath(service string) string { return "/api/v1/gate/" + url.PathEscape(service) }

// FreezePath is the path of service's freeze override (PathFreeze), escaped.
func FreezePath(service string) string { return "/api/v1/freeze/" + url.PathEscape(service) }

// WithdrawPath is the path that withdraws the exclusion id (PathWithdraw), escaped.
func WithdrawPath(id string) string { return PathExclusions + "/" + url.PathEscape(id) + "/withdraw" }
