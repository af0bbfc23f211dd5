// The mixin's Grafana dashboards, by file name (grafanaDashboards).
(import 'overview.libsonnet')
+ (import 'detail.libsonnet')
+ (import 'layers.libsonnet')
+ (import 'operations.libsonnet')
