// SLO detail: one SLO's SLI, burn rates, budget, events, alerts and freeze, and what it promises and why.
local g = import '../lib/grafana.libsonnet';
local promql = import '../lib/promql.libsonnet';

{
  grafanaDashboards+:: {
    'slokeeper-slo-detail.json':
      local c = $._config;
      local q = promql.new(c);
      local sloMatchers = ['service="$service"', 'slo="$slo"'];
      local s = q.selector(sloMatchers);
      local sWith(m) = q.selector(sloMatchers + [m]);
      local events(kind) = 'slo_period_events' + sWith('kind="%s"' % kind);
      local overrideStates = { '0': ['expired', 'text'], '1': ['in force', 'blue'] };
      local exclusionStates = { '0': ['counted', 'green'], '1': ['excluded', 'purple'] };
      local layersLink = '/d/%s/?var-datasource=${datasource}&var-service=${service}&var-slo=${slo}' % c.dashboardUIDs.layers;

      g.dashboard(
        uid=c.dashboardUIDs.detail,
        title=c.dashboardNamePrefix + 'SLO detail',
        description="One SLO: its SLI and burn rate per alert window, error budget over the period, events, alerts and its service's feature freeze.",
        tags=c.dashboardTags,
        time='now-7d',
        refresh=c.dashboardRefresh,
        timezone=c.dashboardTimezone,
        variables=[
          g.variable.datasource(),
          g.variable.labelValues('owner', 'Owner', 'slo_objective_ratio' + q.selector(), 'owner'),
          g.variable.labelValues('layer', 'Layer', 'slo_objective_ratio' + q.selector(['owner=~"$owner"']), 'layer'),
          g.variable.labelValues('service', 'Service', 'slo_objective_ratio' + q.selector(['owner=~"$owner"', 'layer=~"$layer"']), 'service', multi=false),
          g.variable.labelValues('slo', 'SLO', 'slo_objective_ratio' + q.selector(['service="$service"']), 'slo', multi=false),
        ],
        panels=[
          g.row('$service/$slo now'),
          g.stat(
            'Budget remaining',
            'Share of the error budget left over the period: 1 untouched, 0 spent, negative overspent. One value per group of a grouped SLO.',
            [g.target(q.dedupe('slo_budget_remaining' + s), instant=true)],
            'percentunit',
            width=3,
            steps=q.budgetSteps,
            decimals=1,
            colorMode='background',
          ),
          g.stat(
            'Objective',
            'The share of good events the SLO promises over its period.',
            [g.target('max(slo_objective_ratio%s)' % s, instant=true)],
            'percentunit',
            width=3,
          ),
          g.stat(
            'SLI over the period',
            'Share of good events over the covered part of the period.',
            [g.target(q.dedupe('%s / ignoring (kind) %s' % [events('good'), events('total')]), instant=true)],
            'percentunit',
            width=3,
            decimals=3,
          ),
          g.stat(
            'Bad events over the period',
            'Events that missed the objective over the covered part of the period.',
            [g.target(q.dedupe('%s - ignoring (kind) %s' % [events('total'), events('good')]), instant=true)],
            'short',
            width=3,
          ),
          g.stat(
            'Time to exhaustion',
            'How long the budget left lasts at the current burn rate (over the shortest window of at least a 720th of the period): 0 when spent.',
            [g.target(q.dedupe('slo_time_to_exhaustion_seconds' + s), instant=true)],
            's',
            width=3,
            mappings=[g.rangeMapping(1e10, null, 'not burning', 'green')],
          ),
          g.stat(
            'Period coverage',
            'Share of the period covered by data: below 100% the budget stands for the covered part only.',
            [g.target(q.dedupe('slo_period_coverage_ratio' + s), instant=true)],
            'percentunit',
            width=3,
            steps=[[null, 'orange'], [1, 'green']],
          ),
          g.stat(
            'Burn alerts',
            'Whether the SLOErrorBudgetBurn alert of each tier is firing.',
            [g.target(q.dedupe('slo_alert_firing' + s), '{{slo_tier}}', instant=true)],
            'none',
            width=3,
            mappings=g.valueMappings(q.firingStates),
            colorMode='background',
          ),
          g.stat(
            'Service freeze',
            "The service's status under its error budget policy: ok, warning or frozen (the deploy gate refuses changes).",
            [g.target(q.freezeCode(['service="$service"']), instant=true)],
            'none',
            width=3,
            mappings=g.valueMappings(q.freezeStates),
            colorMode='background',
          ),

          g.row('SLI and burn rate'),
          g.timeseries(
            'SLI per window',
            'Share of good events over each alert window that had traffic, against the objective (dashed).',
            [
              g.target(q.dedupe('slo_sli_ratio' + s), '{{window}}'),
              g.target('max(slo_objective_ratio%s)' % s, 'objective'),
            ],
            'percentunit',
            height=9,
            overrides=[g.override('objective', g.dashed('red'))],
          ),
          g.timeseries(
            'Burn rate per window',
            'Error ratio over each alert window divided by the error budget; dashed: the ticket (%s) and page (%s) burn factors. An alert fires when both its long and its short window are above its factor.' % [
              std.join(', ', ['%g' % f for f in c.burnRateThresholds.ticket]),
              std.join(', ', ['%g' % f for f in c.burnRateThresholds.page]),
            ],
            [g.target(q.dedupe('slo_burn_rate' + s), '{{window}}')],
            'none',
            height=9,
            steps=q.burnSteps,
            thresholdsStyle='dashed',
            min=0,
          ),

          g.row('Error budget'),
          g.timeseries(
            'Budget burn-down',
            'Share of the error budget left over the last %s, with the warning level and 0 dashed. The period rolls: old bad events leave it as new ones come.' % c.burnDownRange,
            [g.target(q.dedupe('slo_budget_remaining' + s), 'budget remaining')],
            'percentunit',
            steps=q.budgetSteps,
            thresholdsStyle='dashed',
            timeFrom=c.burnDownRange,
          ),
          g.timeseries(
            'Events over the period',
            'Good and all events over the covered part of the period.',
            [g.target(q.dedupe('slo_period_events' + s), '{{kind}}')],
            'short',
            width=6,
          ),
          g.timeseries(
            'Time to exhaustion',
            'How long the budget left lasts at the current burn rate; gaps: not burning.',
            [g.target(q.dedupe('slo_time_to_exhaustion_seconds%s < 1e10' % s), 'time to exhaustion')],
            's',
            width=6,
            min=0,
          ),

          g.row('Alerts and error budget policy'),
          g.stateTimeline(
            'Alert history',
            'When the SLOErrorBudgetBurn alert of each tier was firing.',
            [g.target(q.dedupe('slo_alert_firing' + s), '{{slo_tier}}')],
            g.valueMappings(q.firingStates),
          ),
          g.stateTimeline(
            'Freeze state of $service',
            "The service's error budget policy status over time, and manual overrides of its freeze (lift or set).",
            [
              g.target(q.freezeCode(['service="$service"']), 'policy status'),
              g.target(q.dedupe('slo_freeze_override_active' + q.selector(['service="$service"'])), 'override: {{action}}'),
            ],
            g.valueMappings(q.freezeStates),
            overrides=[g.override('^override: .*', { mappings: g.valueMappings(overrideStates) }, regex=true)],
          ),
          g.stateTimeline(
            'Exclusions',
            "When an exclusion of the SLO was in force (declared in its spec or created with `slokeeper exclude`): its events neither spent nor earned budget. Who approved it and why: /api/v1/exclusions and the SLO's status in /api/v1/slos.",
            [g.target(q.dedupe('slo_exclusion_active' + s), 'exclusion')],
            g.valueMappings(exclusionStates),
          ),

          g.row('About this SLO'),
          g.table(
            'Definition',
            "What the SLO promises and why: the labels of its slo_info series, recorded by the generated rules. It is there where those rules run (Prometheus, a ruler) or where the daemon remote-writes its recorded series; the daemon's /metrics does not carry it.",
            [g.target('max by (service, slo, layer, owner, objective, period, sli_kind, description, rationale) (slo_info{service="$service", slo="$slo"})', instant=true, table=true)],
            columns={ A: 'info' },
            first=['service', 'slo', 'layer', 'owner', 'objective', 'period', 'sli_kind', 'description', 'rationale'],
            hidden=['Value', 'Value #A'],
            width=16,
            height=6,
          ),
          g.text(
            'Dependencies',
            'Where to see the SLOs this one depends on.',
            |||
              The SLOs `$service/$slo` depends on are listed under `dependsOn` in its spec file; slokeeper does not
              export them as series yet. To see which lower-layer SLO eats this budget, open the
              [layers dashboard](%s) and pick its dependencies there.
            ||| % layersLink,
            height=6,
          ),
        ],
      ),
  },
}
