// PromQL building blocks shared by the dashboards and the alerts, from the mixin's _config.
{
  new(config):: {
    // selector(['slo=~"$slo"']): the daemon's job selector plus matchers, in braces.
    selector(matchers=[]):: '{' + std.join(', ', [config.slokeeperSelector] + matchers) + '}',

    // dedupe(expr): expr without the scrape's target labels, one series per SLO (or group) however many
    // daemons or scrapes report it. It drops the metric name too, so tables can merge queries.
    dedupe(expr, without=[]):: 'max without (%s) (%s)' % [std.join(', ', config.instanceLabels + without), expr],

    // freezeCode(matchers): the error budget policy status of each service the matchers select, as a number:
    // 0 ok, 1 warning, 2 frozen (slo_freeze_status is 1 for the current status, 0 for the others).
    freezeCode(matchers)::
      local status(s) = 'max by (service) (slo_freeze_status%s)' % self.selector(matchers + ['status="%s"' % s]);
      '%s + 2 * %s' % [status('warning'), status('frozen')],

    // Value mappings of freezeCode, and of slo_alert_firing.
    freezeStates:: { '0': ['ok', 'green'], '1': ['warning', 'orange'], '2': ['frozen', 'red'] },
    firingStates:: { '0': ['quiet', 'green'], '1': ['firing', 'red'] },

    // Colour steps of a share of the error budget left.
    budgetSteps:: [[null, 'red'], [0, 'orange'], [config.budgetLow, 'green']],
    // Colour steps of a burn rate: the ticket factors yellow and orange, the page factors red and dark red.
    burnSteps::
      local colours(factors, names) = [[std.sort(factors)[i], names[i]] for i in std.range(0, std.length(factors) - 1)];
      [[null, 'green']]
      + colours(config.burnRateThresholds.ticket, ['yellow', 'orange'])
      + colours(config.burnRateThresholds.page, ['red', 'dark-red']),
  },
}
