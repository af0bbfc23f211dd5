// Renders dashboards_out/*.json: `jsonnet -m dashboards_out dashboards.jsonnet` (make mixin).
(import 'mixin.libsonnet').grafanaDashboards
