// Package conventions holds every name of slokeeper's contract: recording rule
// names, alert names, label names, tier values and group names (this file),
// the exported slo_* metrics (metrics.go), and the alert annotations and the
// daemon's API routes (api.go). Keeping them in one place makes what
// dashboards, routing trees, clients and the daemon rely on reviewable at a
// glance. It holds names only: it must not know how rules are built, how the
// daemon computes or serves anything, or the types of the API (pkg/api/v1).
// The daemon's own health metrics (slokeeper_*) are named where they are
// registered, as in Prometheus.
package conventions

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// Labels on every generated series and alert.
const (
	LabelSLO     = "slo"
	LabelService = "service"
	LabelLayer   = "layer"
	LabelOwner   = "owner"
	// LabelRevision tells apart the histories of one SLO that different definitions of what it measures
	// recorded (SLI, grouping, labels, windows): a change of them starts a new series, so the rules never read
	// what the old definition recorded, and the daemon rebuilds the new one's history from the raw series.
	LabelRevision = "slo_revision"
)

// Labels on generated alerts.
const (
	LabelSeverity    = "severity"
	LabelTier        = "slo_tier" // "page" or "ticket": for routing and inhibition
	LabelLongWindow  = "long_window"
	LabelShortWindow = "short_window"
	LabelBurnFactor  = "burn_factor"
)

// Values of LabelTier: how urgently a burn must be handled.
const (
	TierPage   = "page"
	TierTicket = "ticket"
)

// Labels of the info series.
const (
	LabelObjective   = "objective"
	LabelPeriod      = "period"
	LabelDescription = "description"
	LabelRationale   = "rationale"
	LabelSLIKind     = "sli_kind"
)

// Series and labels of the rules manager's alerts (Prometheus names them; slokeeper reads and guards them).
const (
	SeriesAlerts         = "ALERTS"
	SeriesAlertsForState = "ALERTS_FOR_STATE"
	LabelAlertName       = "alertname"
	LabelAlertState      = "alertstate"
)

// Reserved are label names a spec may not set: slokeeper owns them.
var Reserved = map[string]bool{
	LabelSLO: true, LabelService: true, LabelLayer: true, LabelOwner: true, LabelRevision: true,
	LabelSeverity: true, LabelTier: true, LabelLongWindow: true, LabelShortWindow: true,
	LabelBurnFactor: true, "le": true, LabelAlertName: true, LabelAlertState: true,
	LabelObjective: true, LabelPeriod: true, LabelDescription: true, LabelRationale: true, LabelSLIKind: true,
}

// Default severities, after the monitoring-mixin convention.
const (
	DefaultPageSeverity   = "critical"
	DefaultTicketSeverity = "warning"
)

// AlertBurn is the name of the multi-window multi-burn-rate alert.
const AlertBurn = "SLOErrorBudgetBurn"

// Alerts of the error budget policy (the daemon raises them; see internal/policy).
const (
	// AlertBudgetLow fires while a service is in warning: an SLO's budget is
	// below the policy's warning level.
	AlertBudgetLow = "SLOBudgetLow"
	// AlertBudgetExhausted fires per SLO whose budget put its service in a
	// freeze.
	AlertBudgetExhausted = "SLOBudgetExhausted"
	// AlertFeatureFreeze fires per service while it is frozen.
	AlertFeatureFreeze = "ServiceFeatureFreeze"
)

// AlertReviewOverdue is the ticket-tier alert of an SLO whose review is overdue: its review cadence has passed
// since review.lastReviewed, else since review.agreed, else since its rules were first evaluated (ReviewSince);
// generated into every SLO's budget group.
const AlertReviewOverdue = "SLOReviewOverdue"

// ReviewSince is when the review clock of an SLO whose spec has no review date started: the time its budget group
// was first evaluated, in seconds since the epoch. Its rule reads its own last sample back (within a day) and
// keeps it; recorded only for such SLOs.
const ReviewSince = "slo:review_since:timestamp_seconds"

// Recording rule names that do not depend on a window.
const (
	// ErrorRatioPeriod is the share of bad events over the SLO period.
	ErrorRatioPeriod = "slo:sli_error:ratio_period"
	// ErrorRatePeriod and TotalRatePeriod are the mean per-second rates of
	// bad and all events over the period; events = rate × period seconds.
	ErrorRatePeriod = "slo:sli_error:rate_period"
	TotalRatePeriod = "slo:sli_total:rate_period"
	// BudgetRemaining is 1 - ErrorRatioPeriod/ErrorBudget: 1 untouched,
	// 0 spent, negative overspent.
	BudgetRemaining = "slo:error_budget_remaining:ratio"
	// PeriodCoverage is the share of the period covered by tiles (0..1):
	// below 1 the budget is computed over less than the whole period.
	PeriodCoverage = "slo:period_coverage:ratio"
	// ErrorRatePeriodTile, TotalRatePeriodTile and PeriodCoverageTile are the
	// same three over the period, computed by the tiles group when a tile
	// lands: the only time they change. The budget group reads them back
	// every minute instead of averaging thousands of tiles again.
	ErrorRatePeriodTile = "slo:sli_error:rate_period_tile"
	TotalRatePeriodTile = "slo:sli_total:rate_period_tile"
	PeriodCoverageTile  = "slo:period_coverage:ratio_tile"
	// Objective, ErrorBudget and PeriodSeconds are metadata constants.
	Objective     = "slo:objective:ratio"
	ErrorBudget   = "slo:error_budget:ratio"
	PeriodSeconds = "slo:period:seconds"
	// Info carries descriptive labels with value 1.
	Info = "slo_info"
)

// ErrorRate is the per-second rate of bad events over window w.
func ErrorRate(w time.Duration) string { return "slo:sli_error:rate" + Window(w) }

// TotalRate is the per-second rate of all events over window w.
func TotalRate(w time.Duration) string { return "slo:sli_total:rate" + Window(w) }

// ErrorRatio is the share of bad events over window w.
func ErrorRatio(w time.Duration) string { return "slo:sli_error:ratio_rate" + Window(w) }

// windows caches Window: a few dozen distinct windows are formatted
// hundreds of thousands of times when generating for many SLOs.
var windows sync.Map

// Window formats a duration the way Prometheus writes ranges ("5m", "1d").
func Window(w time.Duration) string {
	if s, ok := windows.Load(w); ok {
		return s.(string)
	}
	s := model.Duration(w).String()
	windows.Store(w, s)
	return s
}

// By default each SLO has its own rule groups, so that a slow or failing SLO
// never delays another, and rulers that shard by group (Thanos, Mimir) spread
// them. With generate's GroupByService (what the daemon runs) the SLOs of a
// service share their groups instead: see the Service* names.

// GroupSLI names the group of base rates, short windows and page alerts.
func GroupSLI(service, name string) string { return "slo:" + service + ":" + name + ":sli" }

// GroupTiles names the group of tiles.
func GroupTiles(service, name string) string { return "slo:" + service + ":" + name + ":tiles" }

// GroupBudget names the group of long windows, the period, the budget and
// the ticket alerts.
func GroupBudget(service, name string) string { return "slo:" + service + ":" + name + ":budget" }

// BudgetInterval is the evaluation interval of the budget group: slow enough
// to be cheap (its period rules read thousands of tiles), fast enough (under
// the 5m lookback) that instant queries always see the budget, and that a
// daemon that just started has budgets within a minute.
const BudgetInterval = time.Minute

// ServiceGroupSLI names the sli group shared by the SLOs of a service.
func ServiceGroupSLI(service string) string { return "slo:" + service + ":sli" }

// ServiceGroupTiles names the tiles group shared by the SLOs of a service
// whose tiles last tile (SLOs of different periods have different tiles).
func ServiceGroupTiles(service string, tile time.Duration) string {
	return "slo:" + service + ":tiles:" + Window(tile)
}

// ServiceGroupBudget names the budget group shared by the SLOs of a service.
func ServiceGroupBudget(service string) string { return "slo:" + service + ":budget" }

// Owned tells whether series of metric name are slokeeper's own: recorded by its rules (slo:…, slo_info) or by the
// rules manager (ALERTS, ALERTS_FOR_STATE). The daemon's remote-write receiver refuses them from clients: a client
// writing them could forge a budget.
func Owned(name string) bool {
	return strings.HasPrefix(name, "slo:") || name == Info || name == SeriesAlerts || name == SeriesAlertsForState
}

// Names of the check that the selectors an SLI reads match series (internal/sliprobe): an SLI whose selectors match
// nothing has no data, which is a problem to report, not an untouched budget.
const (
	// SLISelectorsMissing is the per-SLO gauge of the SLI's selectors that match no series in any source.
	SLISelectorsMissing = "slo_sli_selectors_missing"
	// SLIProbeSelectors counts the distinct selectors probed, by LabelProbeState.
	SLIProbeSelectors = "slokeeper_sli_probe_selectors"
	// SLIProbes and SLIProbeFailures count the probes of selectors, and those that failed (a source did not
	// answer, so the selector's state stayed as it was).
	SLIProbes        = "slokeeper_sli_probes_total"
	SLIProbeFailures = "slokeeper_sli_probe_failures_total"
	// SLIProbeDuration is how long the last round of probes took.
	SLIProbeDuration = "slokeeper_sli_probe_duration_seconds"
	// LabelProbeState is "present", "missing" or "unknown" (never probed successfully).
	LabelProbeState = "state"
	// APIMissingSeries and APIProblem are the fields of an SLO in /api/v1/slos that list the selectors matching
	// no series and say, in one line, why and what to change.
	APIMissingSeries = "missing_series"
	APIProblem       = "problem"
)
