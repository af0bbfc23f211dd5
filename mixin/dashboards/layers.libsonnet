// Layers: a product SLO beside the service and infrastructure SLOs below it, to see which lower layer eats the
// product's budget (the lower-layer SLO burning when the product burns).
local g = import '../lib/grafana.libsonnet';
local promql = import '../lib/promql.libsonnet';

{
  grafanaDashboards+:: {
    'slokeeper-layers.json':
      local c = $._config;
      local q = promql.new(c);
      local lowerLayers = ['service', 'infrastructure'];
      local product = ['layer="product"', 'service="$service"', 'slo="$slo"'];
      local p = q.selector(product);
      local l = q.selector(['layer=~"$layer"', 'owner=~"$owner"', 'service=~"$dependency"']);
      local lost(sel) = 'max_over_time(slo_budget_remaining%s[$__range]) - slo_budget_remaining%s' % [sel, sel];
      local productLine = g.override('^product .*', g.dashed('red'), regex=true);

      g.dashboard(
        uid=c.dashboardUIDs.layers,
        title=c.dashboardNamePrefix + 'SLO layers',
        description='A product SLO beside the service and infrastructure SLOs it depends on: the lower-layer SLOs that burn when the product burns are the ones eating its budget.',
        tags=c.dashboardTags,
        time='now-7d',
        refresh=c.dashboardRefresh,
        timezone=c.dashboardTimezone,
        variables=[
          g.variable.datasource(),
          g.variable.labelValues('service', 'Product service', 'slo_objective_ratio' + q.selector(['layer="product"']), 'service', multi=false),
          g.variable.labelValues('slo', 'Product SLO', 'slo_objective_ratio' + q.selector(['layer="product"', 'service="$service"']), 'slo', multi=false),
          g.variable.custom('layer', 'Lower layers', lowerLayers),
          g.variable.labelValues(
            'owner',
            'Owner',
            'slo_objective_ratio' + q.selector(['layer=~"$layer"']),
            'owner',
            description='Owners of the lower-layer SLOs to show.',
          ),
          g.variable.labelValues(
            'dependency',
            'Depends on',
            'slo_objective_ratio' + q.selector(['layer=~"$layer"', 'owner=~"$owner"']),
            'service',
            description='The lower-layer services the product SLO depends on (its dependsOn, and theirs): pick them to hide the rest.',
          ),
        ],
        panels=[
          g.row('Product SLO $service/$slo'),
          g.stat(
            'Budget remaining',
            "Share of the product SLO's error budget left over its period.",
            [g.target(q.dedupe('slo_budget_remaining' + p), instant=true)],
            'percentunit',
            width=6,
            steps=q.budgetSteps,
            decimals=1,
            colorMode='background',
          ),
          g.stat(
            'Budget lost in the time range',
            "How far the product SLO's budget fell from its highest point in the dashboard's time range.",
            [g.target(q.dedupe(lost(p)), instant=true)],
            'percentunit',
            width=6,
            decimals=1,
            steps=[[null, 'green'], [0.1, 'orange'], [0.25, 'red']],
          ),
          g.stat(
            'Fastest burn now',
            "The highest burn rate among the product SLO's alert windows.",
            [g.target(q.dedupe('slo_burn_rate' + p, without=['window']), instant=true)],
            'none',
            width=6,
            decimals=2,
            steps=q.burnSteps,
          ),
          g.stat(
            'Bad events over the period',
            'Product events that missed the objective over the covered part of its period.',
            [g.target(q.dedupe('slo_period_events%s - ignoring (kind) slo_period_events%s' % [
              q.selector(product + ['kind="total"']),
              q.selector(product + ['kind="good"']),
            ]), instant=true)],
            'short',
            width=6,
          ),

          g.row('The $layer layer below it', repeat='layer'),
          g.timeseries(
            'Fastest burn: $layer SLOs and the product SLO',
            "The highest burn rate among each SLO's alert windows; the product SLO dashed. A lower-layer SLO that burns when the product burns is eating its budget.",
            [
              g.target('max by (service, slo) (%s)' % q.dedupe('slo_burn_rate' + l), '{{service}}/{{slo}}'),
              g.target('max by (service, slo) (%s)' % q.dedupe('slo_burn_rate' + p), 'product {{service}}/{{slo}}'),
            ],
            'none',
            steps=q.burnSteps,
            min=0,
            overrides=[productLine],
          ),
          g.timeseries(
            'Budget remaining: $layer SLOs and the product SLO',
            'Share of the error budget left per SLO (the lowest of its groups); the product SLO dashed.',
            [
              g.target('min by (service, slo) (%s)' % q.dedupe('slo_budget_remaining' + l), '{{service}}/{{slo}}'),
              g.target('min by (service, slo) (%s)' % q.dedupe('slo_budget_remaining' + p), 'product {{service}}/{{slo}}'),
            ],
            'percentunit',
            steps=q.budgetSteps,
            overrides=[productLine],
          ),
          g.barGauge(
            'Budget lost in the time range: $layer SLOs',
            "How far each SLO's budget fell from its highest point in the dashboard's time range (the most of its groups); compare with the product SLO's above.",
            [g.target('max by (service, slo) (%s)' % q.dedupe(lost(l)), '{{service}}/{{slo}}', instant=true)],
            'percentunit',
            width=24,
            height=6,
            steps=[[null, 'green'], [0.1, 'orange'], [0.25, 'red']],
            min=0,
          ),
        ],
      ),
  },
}
