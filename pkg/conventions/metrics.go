package conventions

// Metrics slokeeper exports on /metrics. The slo_* families are per SLO (or per service, for the policy): the
// budgets, burn rates and freezes that dashboards, alerts and other tools read, rendered from the daemon's latest
// snapshot (internal/exporter). They differ from the recorded slo:…: series, which the rules write into a TSDB.
const (
	MetricBudgetRemaining   = "slo_budget_remaining"
	MetricSLI               = "slo_sli_ratio"
	MetricBurnRate          = "slo_burn_rate"
	MetricObjective         = "slo_objective_ratio"
	MetricErrorBudget       = "slo_error_budget_ratio"
	MetricPeriod            = "slo_period_seconds"
	MetricPeriodEvents      = "slo_period_events"
	MetricTimeToExhaustion  = "slo_time_to_exhaustion_seconds"
	MetricPeriodCoverage    = "slo_period_coverage_ratio"
	MetricAlertFiring       = "slo_alert_firing"
	MetricSnapshotTimestamp = "slo_snapshot_timestamp_seconds"
	MetricUpdated           = "slo_budget_updated_timestamp_seconds"
	MetricCurrent           = "slo_status_current"
	MetricExclusionActive   = "slo_exclusion_active"

	// Review freshness, per SLO.
	MetricReviewLast    = "slo_review_last_timestamp_seconds"
	MetricReviewOverdue = "slo_review_overdue"
	MetricReviewCadence = "slo_review_cadence_seconds"

	// The error budget policy, per service.
	MetricFreezeActive = "slo_freeze_active"
	MetricFreezeStatus = "slo_freeze_status"
	MetricFreezeSince  = "slo_freeze_status_since_timestamp_seconds"
	MetricFreezes      = "slo_freezes_total"
	MetricOverride     = "slo_freeze_override_active"
)

// Label names the exported families add to the SLO's labels.
const (
	LabelWindow = "window" // slo_sli_ratio, slo_burn_rate: e.g. "5m", "1h", "3d"
	LabelKind   = "kind"   // slo_period_events: KindGood or KindTotal
	LabelStatus = "status" // slo_freeze_status: ok, warning, frozen
	LabelAction = "action" // slo_freeze_override_active: lift, set
)

// Values of LabelKind.
const (
	KindGood  = "good"
	KindTotal = "total"
)
