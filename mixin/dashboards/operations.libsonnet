// slokeeper operations: the daemon's own health — rule evaluation, backfill, reloads, remote storage, the
// budget snapshot and the process.
local g = import '../lib/grafana.libsonnet';
local promql = import '../lib/promql.libsonnet';

{
  grafanaDashboards+:: {
    'slokeeper-operations.json':
      local c = $._config;
      local q = promql.new(c);
      local o = q.selector(['instance=~"$instance"']);
      local oWith(m) = q.selector(['instance=~"$instance"', m]);
      local quantile(phi, metric, by, sel=o) =
        'histogram_quantile(%s, sum by (le, %s) (rate(%s_bucket%s[$__rate_interval])))' % [phi, by, metric, sel];
      local rate(metric, by, sel=o) = 'sum by (%s) (rate(%s%s[$__rate_interval]))' % [by, metric, sel];
      local up = { '0': ['down', 'red'], '1': ['up', 'green'] };
      local reload = { '0': ['failed', 'red'], '1': ['ok', 'green'] };

      g.dashboard(
        uid=c.dashboardUIDs.operations,
        title=c.dashboardNamePrefix + 'operations',
        description='The slokeeper daemon itself: rule evaluation, backfill, reloads, remote storage, the budget snapshot and the process.',
        tags=c.dashboardTags,
        time='now-6h',
        refresh=c.dashboardRefresh,
        timezone=c.dashboardTimezone,
        variables=[
          g.variable.datasource(),
          g.variable.labelValues('instance', 'Instance', 'slokeeper_build_info' + q.selector(), 'instance'),
        ],
        panels=[
          g.row('Health'),
          g.stat(
            'Up',
            'Whether Prometheus can scrape each daemon.',
            [g.target('up' + o, '{{instance}}', instant=true)],
            'none',
            mappings=g.valueMappings(up),
            colorMode='background',
          ),
          g.stat(
            'Version',
            'The version each daemon runs.',
            [g.target('slokeeper_build_info' + o, '{{instance}}: {{version}}', instant=true)],
            'none',
          ) + { options+: { textMode: 'name' } },
          g.stat(
            'SLOs loaded',
            'SLOs loaded and evaluated.',
            [g.target('slokeeper_slos' + o, '{{instance}}', instant=true)],
            'none',
          ),
          g.stat(
            'Last reload',
            'Whether the last reload of the config and spec files succeeded; after a failure the previous set keeps running.',
            [g.target('slokeeper_config_last_reload_successful' + o, '{{instance}}', instant=true)],
            'none',
            mappings=g.valueMappings(reload),
            colorMode='background',
          ),
          g.stat(
            'SLOs waiting for backfill',
            'SLOs whose recorded history is waiting for or in backfill.',
            [g.target('sum(slokeeper_backfill_pending_slos%s)' % o, instant=true)],
            'none',
            steps=[[null, 'green'], [1, 'orange']],
          ),
          g.stat(
            'Budget snapshot age',
            "Time since the exported budgets (and the deploy gate's answers) were last computed; they are recomputed every 10s.",
            [g.target('time() - max(slokeeper_budget_snapshot_last_success_timestamp_seconds%s)' % o, instant=true)],
            's',
            steps=[[null, 'green'], [60, 'orange'], [c.snapshotStaleSeconds, 'red']],
          ),

          g.row('Rule evaluation'),
          g.timeseries(
            'Evaluation duration (p99) by group',
            'The 99th percentile of rule group evaluation durations. sli groups read raw series (remote read), tiles and budget groups the embedded TSDB.',
            [g.target(quantile('0.99', 'slokeeper_rule_group_evaluation_duration_seconds', 'rule_group'), '{{rule_group}}')],
            's',
            min=0,
          ),
          g.timeseries(
            'Evaluation failures by group',
            'Evaluations per second in which at least one rule failed: their last values are kept, so budgets stop moving.',
            [g.target(rate('slokeeper_rule_group_evaluation_failures_total', 'rule_group'), '{{rule_group}}')],
            'ops',
            steps=[[null, 'green'], [0.000001, 'red']],
            min=0,
          ),
          g.timeseries(
            'Evaluations by group',
            'Rule group evaluations per second.',
            [g.target(rate('slokeeper_rule_group_evaluations_total', 'rule_group'), '{{rule_group}}')],
            'ops',
            min=0,
          ),
          g.timeseries(
            'Time since the last successful evaluation',
            'Per group, the time since an evaluation in which every rule succeeded. tiles groups run once a tile (10m for 7d to 30d periods), so they lag that much normally.',
            [g.target('time() - max by (rule_group) (slokeeper_rule_group_last_success_timestamp_seconds%s)' % o, '{{rule_group}}')],
            's',
            min=0,
          ),

          g.row('Backfill and coverage'),
          g.timeseries(
            'SLOs waiting for backfill',
            'SLOs waiting for or in backfill, per daemon.',
            [g.target('sum by (instance) (slokeeper_backfill_pending_slos%s)' % o, '{{instance}}')],
            'none',
            width=8,
            min=0,
          ),
          g.timeseries(
            'Backfill runs',
            'Backfills of one SLO per second, by result; failed ones are retried after 30s.',
            [g.target(rate('slokeeper_backfill_runs_total', 'result'), '{{result}}')],
            'ops',
            width=8,
            min=0,
          ),
          g.timeseries(
            'Backfill duration (p90) and samples appended',
            'The 90th percentile of the backfill time of one SLO, and the recorded samples backfill appends per second (right axis).',
            [
              g.target(quantile('0.9', 'slokeeper_backfill_duration_seconds', 'instance'), 'p90 {{instance}}'),
              g.target(rate('slokeeper_backfill_samples_appended_total', 'instance'), 'samples/s {{instance}}'),
            ],
            's',
            width=8,
            min=0,
            overrides=[g.override('^samples/s .*', { unit: 'short', 'custom.axisPlacement': 'right' }, regex=true)],
          ),
          g.barGauge(
            'Period coverage per SLO',
            "Share of each SLO's period covered by data (the lowest of its groups): below 100% the budget stands for the covered part only, e.g. while history is younger than the period or backfill is running.",
            [g.target('min by (service, slo) (%s)' % q.dedupe('slo_period_coverage_ratio' + o), '{{service}}/{{slo}}', instant=true)],
            'percentunit',
            width=24,
            height=8,
            steps=[[null, 'orange'], [1, 'green']],
            min=0,
            max=1,
          ),

          g.row('Reloads'),
          g.timeseries(
            'Reloads',
            'Reloads of the config and spec files (signal, /-/reload or a file change), by result.',
            [g.target('sum by (result) (increase(slokeeper_config_reloads_total%s[$__rate_interval]))' % o, '{{result}}')],
            'short',
            width=8,
            min=0,
          ),
          g.stateTimeline(
            'Reload status',
            "Whether each daemon's last reload succeeded.",
            [g.target('slokeeper_config_last_reload_successful' + o, '{{instance}}')],
            g.valueMappings(reload),
            width=8,
            height=8,
          ),
          g.timeseries(
            'SLOs loaded',
            'SLOs loaded and evaluated, per daemon.',
            [g.target('slokeeper_slos' + o, '{{instance}}')],
            'none',
            width=8,
            min=0,
          ),

          g.row('Remote storage'),
          g.timeseries(
            'Raw-series read latency (sli groups, p99)',
            'slokeeper does not export remote-read client metrics. The sli groups are the only ones that read raw series (remote read and the embedded TSDB), so their evaluation time bounds the remote-read latency from above.',
            [g.target(quantile('0.99', 'slokeeper_rule_group_evaluation_duration_seconds', 'rule_group', oWith('rule_group=~".+:sli"')), '{{rule_group}}')],
            's',
            width=8,
            min=0,
          ),
          g.timeseries(
            'PromQL inner evaluation (p99)',
            "The 99th percentile of the embedded PromQL engine's evaluation time, over every rule and snapshot query (remote reads included).",
            [g.target('max by (instance) (prometheus_engine_query_duration_seconds%s)' % q.selector(['instance=~"$instance"', 'slice="inner_eval"', 'quantile="0.99"']), '{{instance}}')],
            's',
            width=8,
            min=0,
          ),
          g.timeseries(
            'Remote write: seconds behind',
            'How far each remote_write queue lags behind the newest sample in the embedded TSDB. Growing: the endpoint is unreachable or too slow.',
            [g.target('max by (remote_name) (prometheus_remote_storage_queue_highest_timestamp_seconds%s - prometheus_remote_storage_queue_highest_sent_timestamp_seconds%s)' % [o, o], '{{remote_name}}')],
            's',
            width=8,
            steps=[[null, 'green'], [c.remoteWriteBehindSeconds, 'red']],
            thresholdsStyle='dashed',
            min=0,
          ),
          g.timeseries(
            'Remote write: samples',
            'Samples per second each remote_write queue sent, retried (recoverable errors, e.g. an unreachable endpoint) and failed (dropped).',
            [
              g.target(rate('prometheus_remote_storage_samples_total', 'remote_name'), 'sent {{remote_name}}'),
              g.target(rate('prometheus_remote_storage_samples_retried_total', 'remote_name'), 'retried {{remote_name}}'),
              g.target(rate('prometheus_remote_storage_samples_failed_total', 'remote_name'), 'failed {{remote_name}}'),
            ],
            'ops',
            min=0,
          ),
          g.timeseries(
            'Remote-write receiver',
            'Requests to /api/v1/write (raw series pushed into the embedded TSDB), by status code.',
            [g.target(rate('slokeeper_http_requests_total', 'code', oWith('handler="/api/v1/write"')), '{{code}}')],
            'reqps',
            min=0,
          ),

          g.row('Snapshot, HTTP and process'),
          g.timeseries(
            'Budget snapshot failures',
            'Budget snapshots per second that could not be computed (the previous one stays exported).',
            [g.target(rate('slokeeper_budget_snapshot_failures_total', 'instance'), '{{instance}}')],
            'ops',
            width=8,
            min=0,
          ),
          g.timeseries(
            'HTTP requests',
            'Requests per second by route and status code.',
            [g.target(rate('slokeeper_http_requests_total', 'handler, code'), '{{handler}} {{code}}')],
            'reqps',
            width=8,
            min=0,
          ),
          g.timeseries(
            'HTTP request duration (p99)',
            'The 99th percentile of request durations by route.',
            [g.target(quantile('0.99', 'slokeeper_http_request_duration_seconds', 'handler'), '{{handler}}')],
            's',
            width=8,
            min=0,
          ),
          g.timeseries(
            'Memory',
            'Resident memory of the process, and the Go heap in use.',
            [
              g.target('process_resident_memory_bytes' + o, 'resident {{instance}}'),
              g.target('go_memstats_heap_inuse_bytes' + o, 'heap in use {{instance}}'),
            ],
            'bytes',
            min=0,
          ),
          g.timeseries(
            'CPU',
            'CPU time used per second (1 = one core).',
            [g.target('rate(process_cpu_seconds_total%s[$__rate_interval])' % o, '{{instance}}')],
            'short',
            min=0,
          ),
        ],
      ),
  },
}
