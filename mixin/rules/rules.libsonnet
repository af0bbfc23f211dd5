// Recording rules of the mixin (prometheusRules): none. The dashboards read the daemon's slo_* gauges as they
// are, so they work without loading any rule file; the SLOs' own recording and alerting rules are generated per
// spec by `slokeeper generate` (or evaluated by `slokeeper run`), not by the mixin. Add groups here with
// `prometheusRules+:: { groups+: [...] }`.
{
  prometheusRules+:: {
    groups+: [],
  },
}
