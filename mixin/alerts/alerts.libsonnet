// Alerts for the slokeeper daemon itself (prometheusAlerts), after the monitoring-mixins guidelines: CamelCase
// names, a severity label, a static summary sentence, a templated description and a runbook_url
// (mixin/runbook.md has a section per alert). The SLOs' own alerts (SLOErrorBudgetBurn and the policy's) come
// from `slokeeper generate` and the daemon, not from here.
local promql = import '../lib/promql.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local q = promql.new(c),
    local by = std.join(', ', c.instanceLabels),

    local alert(name, severity, expr, summary, description, forDuration=null) = {
      alert: name,
      expr: expr,
      [if forDuration != null then 'for']: forDuration,
      labels: { severity: severity },
      annotations: {
        summary: summary,
        description: description,
        runbook_url: c.runbookURLPattern % std.asciiLower(name),
      },
    },

    groups+: [
      {
        name: 'slokeeper',
        rules: [
          alert(
            'SlokeeperDown',
            'critical',
            |||
              up%s == 0
              or
              absent(up%s)
            ||| % [q.selector(), q.selector()],
            'The slokeeper daemon is down.',
            'Prometheus could not scrape slokeeper{{ with $labels.instance }} on {{ . }}{{ end }} for 5 minutes, or finds no slokeeper target at all: SLO burn alerts, error budgets and the deploy gate are not evaluated.',
            '5m',
          ),
          alert(
            'SlokeeperRuleEvaluationFailing',
            'warning',
            'sum by (%s, rule_group) (increase(slokeeper_rule_group_evaluation_failures_total%s[5m])) > 0\n' % [by, q.selector()],
            'Rule groups of slokeeper fail to evaluate.',
            'Rule group {{ $labels.rule_group }} on {{ $labels.instance }} failed {{ $value | humanize }} evaluations in the last 5 minutes: its recorded series keep their last values, so the budgets and burn alerts of its SLOs do not move.',
            '10m',
          ),
          alert(
            'SlokeeperRemoteReadUnreachable',
            'critical',
            |||
              count by (%(by)s) (increase(slokeeper_rule_group_evaluation_failures_total%(sli)s[5m]) > 0)
              >=
              count by (%(by)s) (slokeeper_rule_group_evaluations_total%(sli)s)
            ||| % { by: by, sli: q.selector(['rule_group=~".+:sli"']) },
            'The raw SLI series cannot be read.',
            'Every sli rule group on {{ $labels.instance }} failed in the last 5 minutes. They are the groups that read the raw SLI series, over remote read: a remote-read endpoint is most likely unreachable. Budgets and burn alerts stay at their last values until it is back; the gap is backfilled then.',
            '5m',
          ),
          alert(
            'SlokeeperRemoteWriteBehind',
            'warning',
            |||
              (
                max_over_time(prometheus_remote_storage_queue_highest_timestamp_seconds%(s)s[5m])
              -
                max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds%(s)s[5m])
              )
              > %(behind)d
            ||| % { s: q.selector(), behind: c.remoteWriteBehindSeconds },
            'Remote write of recorded series is falling behind.',
            'Remote write {{ $labels.remote_name }} ({{ $labels.url }}) of {{ $labels.instance }} is {{ $value | humanizeDuration }} behind: recorded series and alerts do not reach the central store, so dashboards reading it go stale.',
            '15m',
          ),
          alert(
            'SlokeeperRemoteWriteFailing',
            'warning',
            |||
              (
                rate(prometheus_remote_storage_samples_failed_total%(s)s[5m])
              /
                rate(prometheus_remote_storage_samples_total%(s)s[5m])
              )
              > %(share)g
            ||| % { s: q.selector(), share: c.remoteWriteFailedShare },
            'Remote write of recorded series is failing.',
            'Remote write {{ $labels.remote_name }} ({{ $labels.url }}) of {{ $labels.instance }} had {{ $value | humanizePercentage }} of its samples refused in the last 5 minutes: they are dropped, so the central store misses recorded series and alerts.',
            '15m',
          ),
          alert(
            'SlokeeperConfigReloadFailed',
            'warning',
            'max_over_time(slokeeper_config_last_reload_successful%s[5m]) == 0\n' % q.selector(),
            'The last reload of the slokeeper configuration failed.',
            'The last reload of the config and spec files on {{ $labels.instance }} failed: the previous set of SLOs keeps running and the edits since are not in effect. The daemon logs the error with its file and line.',
            '10m',
          ),
          alert(
            'SlokeeperBackfillStuck',
            'warning',
            |||
              slokeeper_backfill_pending_slos%(s)s > 0
              unless on (%(by)s)
              increase(slokeeper_backfill_runs_total%(success)s[%(window)s]) > 0
            ||| % { s: q.selector(), by: by, success: q.selector(['result="success"']), window: c.backfillStuckWindow },
            'Backfill of SLO history makes no progress.',
            '{{ $value }} SLOs on {{ $labels.instance }} wait for backfill and none finished in the last %s: the long windows and budgets of new or changed SLOs stand for part of their period only. Failed runs are retried every 30 seconds.' % c.backfillStuckWindow,
            '15m',
          ),
          alert(
            'SlokeeperBudgetSnapshotStale',
            'warning',
            'time() - slokeeper_budget_snapshot_last_success_timestamp_seconds%s > %d\n' % [q.selector(), c.snapshotStaleSeconds],
            'The exported error budgets are stale.',
            'The budget snapshot of {{ $labels.instance }} was last computed {{ $value | humanizeDuration }} ago: the slo_* gauges, the status page and the deploy gate answer with old numbers.',
            '10m',
          ),
          alert(
            'SlokeeperSLOStatusStale',
            'warning',
            'count by (%s) (slo_status_current%s == 0) > 0\n' % [by, q.selector()],
            'Some SLOs have stale or unknown numbers.',
            '{{ $value }} SLO(s) on {{ $labels.instance }} have numbers that are not current: their budget was not evaluated in the last three budget evaluations, or never. Their gauges, their entries in /api/v1/slos (current: false) and the deploy gate of their services do not go by them.',
            '10m',
          ),
          alert(
            'SlokeeperPolicyStateSaveFailing',
            'warning',
            'increase(slokeeper_policy_state_save_failures_total%s[15m]) > 0\n' % q.selector(),
            'The error budget policy state cannot be saved.',
            'slokeeper on {{ $labels.instance }} failed to write its policy state {{ $value | humanize }} times in the last 15 minutes: the freeze state in memory is right, but a restart would lose the freezes and overrides since the last save.',
          ),
        ],
      },
      {
        // slo_review_overdue is announced by the quarterly review (issue 6): until the daemon exports it the
        // alert matches nothing.
        name: 'slokeeper-slo-reviews',
        rules: [
          // Each overdue SLO also raises its own SLOReviewOverdue ticket to its owner from the generated rules; this
          // is the program-level view for whoever runs slokeeper: which owners let their reviews slip.
          alert(
            'SlokeeperSLOReviewsOverdue',
            'info',
            'count by (job, owner) (slo_review_overdue%s == 1) > 0\n' % q.selector(),
            'SLO reviews are overdue.',
            '{{ $value }} SLO(s) of {{ $labels.owner }} are overdue for their review (their review cadence has passed since review.lastReviewed, or they were never reviewed); each has its own SLOReviewOverdue ticket.',
          ),
        ],
      },
    ],
  },
}
