// The mixin's settings: override any of them with `mixin + { _config+:: { … } }`.
{
  _config+:: {
    // Selects the series Prometheus scrapes from slokeeper's /metrics (the slo_* gauges and the slokeeper_*
    // health metrics). Every dashboard query and alert of the daemon's metrics uses it.
    slokeeperSelector: 'job="slokeeper"',

    // Labels told apart by the dashboards' tables and deduplicated away elsewhere (several replicas of the
    // daemon, or several scrapes of one, report the same SLOs).
    instanceLabels: ['instance', 'job'],

    // Dashboards.
    dashboardTags: ['slokeeper', 'slo'],
    dashboardNamePrefix: 'slokeeper / ',
    dashboardTimezone: 'utc',
    dashboardRefresh: '1m',
    dashboardUIDs: {
      overview: 'slokeeper-overview',
      detail: 'slokeeper-slo-detail',
      layers: 'slokeeper-layers',
      operations: 'slokeeper-operations',
    },
    // The budget burn-down of the SLO detail dashboard shows this long a stretch whatever the dashboard's time
    // range: the default SLO period.
    burnDownRange: '30d',

    // Thresholds the dashboards colour by. Budget left (a share of the error budget): below `budgetLow` is
    // orange and below 0 red (the default policy warns at 0.25 and freezes at 0).
    budgetLow: 0.25,
    // Burn rates drawn on the burn-rate graphs: the factors of slokeeper's page and ticket alerts for periods
    // of whole days from 3 days up (see "The windows" in docs/rules.md).
    burnRateThresholds: {
      page: [14.4, 6],
      ticket: [3, 1],
    },

    // Alerts for the daemon itself.
    runbookURLPattern: 'https://github.com/slokeeper/slokeeper/blob/main/mixin/runbook.md#%s',
    // Remote write more than this many seconds behind the embedded TSDB fires SlokeeperRemoteWriteBehind.
    remoteWriteBehindSeconds: 120,
    // A larger share of samples refused by a remote_write endpoint (and dropped) fires SlokeeperRemoteWriteFailing.
    remoteWriteFailedShare: 0.01,
    // No successful budget snapshot for this many seconds fires SlokeeperBudgetSnapshotStale.
    snapshotStaleSeconds: 300,
    // SLOs waiting for backfill, with no backfill finished for this long, fire SlokeeperBackfillStuck.
    backfillStuckWindow: '30m',
  },
}
