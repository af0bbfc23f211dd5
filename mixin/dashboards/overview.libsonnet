// SLO overview: every SLO, by layer and owner, from the daemon's slo_* gauges.
local g = import '../lib/grafana.libsonnet';
local promql = import '../lib/promql.libsonnet';

{
  grafanaDashboards+:: {
    'slokeeper-overview.json':
      local c = $._config;
      local q = promql.new(c);
      local sloFilter = ['owner=~"$owner"', 'layer=~"$layer"', 'service=~"$service"', 'slo=~"$slo"'];
      local serviceFilter = ['owner=~"$owner"', 'layer=~"$layer"', 'service=~"$service"'];
      local s = q.selector(sloFilter);
      local sWith(m) = q.selector(sloFilter + [m]);
      local svc = q.selector(serviceFilter);
      local detailLink = '/d/%s/?var-datasource=${datasource}&var-service=${__data.fields.service}&var-slo=${__data.fields.slo}&${__url_time_range}' % c.dashboardUIDs.detail;
      local alertStates = { '0': ['none', 'green'], '1': ['ticket', 'orange'], '2': ['page', 'red'] };

      g.dashboard(
        uid=c.dashboardUIDs.overview,
        title=c.dashboardNamePrefix + 'SLO overview',
        description='Every SLO slokeeper evaluates: budgets, objectives, burn rates, firing alerts and the freeze status of their services.',
        tags=c.dashboardTags,
        time='now-24h',
        refresh=c.dashboardRefresh,
        timezone=c.dashboardTimezone,
        variables=[
          g.variable.datasource(),
          g.variable.labelValues('owner', 'Owner', 'slo_objective_ratio' + q.selector(), 'owner'),
          g.variable.labelValues('layer', 'Layer', 'slo_objective_ratio' + q.selector(['owner=~"$owner"']), 'layer'),
          g.variable.labelValues('service', 'Service', 'slo_objective_ratio' + q.selector(['owner=~"$owner"', 'layer=~"$layer"']), 'service'),
          g.variable.labelValues('slo', 'SLO', 'slo_objective_ratio' + q.selector(serviceFilter), 'slo'),
        ],
        panels=[
          g.row('Summary'),
          g.stat(
            'SLOs',
            'SLOs selected (a grouped SLO counts once).',
            [g.target('count(count by (service, slo) (slo_objective_ratio%s))' % s, instant=true)],
            'none',
          ),
          g.stat(
            'Lowest budget remaining',
            'The smallest share of its error budget any selected SLO (or group of a grouped SLO) has left over its period: 1 untouched, 0 spent, negative overspent.',
            [g.target('min(%s)' % q.dedupe('slo_budget_remaining' + s), instant=true)],
            'percentunit',
            steps=q.budgetSteps,
            decimals=1,
            colorMode='background',
          ),
          g.stat(
            'Budgets spent',
            'SLOs (and groups of grouped SLOs) whose error budget is spent: 0 or less left.',
            [g.target('sum(%s <= bool 0)' % q.dedupe('slo_budget_remaining' + s), instant=true)],
            'none',
            steps=[[null, 'green'], [1, 'red']],
          ),
          g.stat(
            'Burn alerts firing',
            'SLOErrorBudgetBurn alerts firing now, per SLO, group and tier (page or ticket).',
            [g.target('sum(%s)' % q.dedupe('slo_alert_firing' + s), instant=true)],
            'none',
            steps=[[null, 'green'], [1, 'red']],
          ),
          g.stat(
            'Services in warning',
            "Services whose error budget policy is in warning: an SLO is below the policy's warning level.",
            [g.target('sum(max by (service) (slo_freeze_status%s))' % q.selector(serviceFilter + ['status="warning"']), instant=true)],
            'none',
            steps=[[null, 'green'], [1, 'orange']],
          ),
          g.stat(
            'Frozen services',
            'Services in a feature freeze under their error budget policy: the deploy gate refuses their changes.',
            [g.target('sum(max by (service) (slo_freeze_active%s))' % svc, instant=true)],
            'none',
            steps=[[null, 'green'], [1, 'red']],
          ),

          g.row('Budgets by layer and owner'),
          g.barGauge(
            'Lowest budget remaining by layer',
            'The smallest share of error budget left among the SLOs of each layer.',
            [g.target('min by (layer) (%s)' % q.dedupe('slo_budget_remaining' + s), '{{layer}}', instant=true)],
            'percentunit',
            steps=q.budgetSteps,
            min=0,
            max=1,
          ),
          g.barGauge(
            'Lowest budget remaining by owner',
            'The smallest share of error budget left among the SLOs of each owner.',
            [g.target('min by (owner) (%s)' % q.dedupe('slo_budget_remaining' + s), '{{owner}}', instant=true)],
            'percentunit',
            steps=q.budgetSteps,
            min=0,
            max=1,
          ),
          g.stat(
            'Freeze status per service',
            "Each service's status under its error budget policy: ok, warning (an SLO below the warning level) or frozen (the deploy gate refuses changes).",
            [g.target(q.freezeCode(serviceFilter), '{{service}}', instant=true)],
            'none',
            width=8,
            height=8,
            mappings=g.valueMappings(q.freezeStates),
            colorMode='background',
          ),

          g.row('SLOs of the $layer layer', repeat='layer'),
          g.table(
            'SLOs of the $layer layer',
            "One row per SLO (and per group of a grouped SLO), sorted by owner; click a column to sort by it, an SLO to open its detail dashboard. SLI is the share of good events over the covered part of the period; the fastest burn is the highest burn rate among the SLO's alert windows.",
            [
              g.target(q.dedupe('slo_budget_remaining' + s), instant=true, table=true),
              g.target(q.dedupe('slo_objective_ratio' + s), instant=true, table=true),
              g.target(q.dedupe('slo_period_events%s / ignoring (kind) slo_period_events%s' % [sWith('kind="good"'), sWith('kind="total"')]), instant=true, table=true),
              g.target(q.dedupe('slo_burn_rate' + s, without=['window']), instant=true, table=true),
              g.target(q.dedupe('2 * slo_alert_firing%s or slo_alert_firing%s' % [sWith('slo_tier="page"'), sWith('slo_tier="ticket"')], without=['slo_tier']), instant=true, table=true),
              g.target('%s + on (service) group_left () (%s)' % [q.dedupe('0 * slo_objective_ratio' + s), q.freezeCode(serviceFilter)], instant=true, table=true),
              g.target(q.dedupe('slo_time_to_exhaustion_seconds' + s), instant=true, table=true),
              g.target(q.dedupe('slo_period_coverage_ratio' + s), instant=true, table=true),
            ],
            columns={
              A: 'Budget remaining',
              B: 'Objective',
              C: 'SLI (period)',
              D: 'Fastest burn',
              E: 'Firing',
              F: 'Service freeze',
              G: 'Time to exhaustion',
              H: 'Coverage',
            },
            first=['owner', 'service', 'slo'],
            hidden=['layer'],
            sortBy=['owner', false],
            overrides=[
              g.override('slo', { links: [{ title: 'SLO detail', url: detailLink }] }),
              g.override('Budget remaining', {
                unit: 'percentunit',
                decimals: 1,
                'custom.cellOptions': { type: 'color-background' },
                thresholds: g.thresholds(q.budgetSteps),
              }),
              g.override('Objective', { unit: 'percentunit' }),
              g.override('SLI (period)', { unit: 'percentunit', decimals: 3 }),
              g.override('Fastest burn', {
                unit: 'none',
                decimals: 2,
                'custom.cellOptions': { type: 'color-text' },
                thresholds: g.thresholds(q.burnSteps),
              }),
              g.override('Firing', { 'custom.cellOptions': { type: 'color-text' }, mappings: g.valueMappings(alertStates) }),
              g.override('Service freeze', { 'custom.cellOptions': { type: 'color-background' }, mappings: g.valueMappings(q.freezeStates) }),
              g.override('Time to exhaustion', { unit: 's', mappings: [g.rangeMapping(1e10, null, 'not burning')] }),
              g.override('Coverage', { unit: 'percentunit', decimals: 0 }),
            ],
            height=10,
          ),

          g.row('Over time'),
          g.timeseries(
            'Budget remaining',
            'Share of the error budget left per SLO (the lowest of its groups), with the warning level and 0 dashed.',
            [g.target('min by (service, slo) (%s)' % q.dedupe('slo_budget_remaining' + s), '{{service}}/{{slo}}')],
            'percentunit',
            steps=q.budgetSteps,
            thresholdsStyle='dashed',
          ),
          g.timeseries(
            'Fastest burn rate',
            "The highest burn rate among each SLO's alert windows, with the ticket and page burn factors dashed: at 1 the budget lasts exactly the period.",
            [g.target('max by (service, slo) (%s)' % q.dedupe('slo_burn_rate' + s), '{{service}}/{{slo}}')],
            'none',
            steps=q.burnSteps,
            thresholdsStyle='dashed',
            min=0,
          ),
        ],
      ),
  },
}
