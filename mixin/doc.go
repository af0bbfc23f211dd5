// Package mixin is slokeeper's monitoring mixin: the jsonnet sources of its Grafana dashboards and of the alerts
// for the daemon itself (mixin.libsonnet, config.libsonnet, alerts/, rules/, dashboards/, lib/), and what
// `make mixin` renders from them (dashboards_out/*.json, prometheus_alerts.yaml, prometheus_rules.yaml).
//
// The Go code here is only its tests. They read the rendered files as Grafana and Prometheus would: every
// dashboard's uid, title and template variables; every query parsed by the PromQL parser with Grafana's
// variables substituted; every metric and label a query or alert names checked against what the daemon really
// exports (its registries, gathered from running daemons) and the recorded series pkg/conventions names; the
// alerts against rulefmt, mixtool's lint rules and their promtool unit tests (tests/); and, end to end, the
// dashboards' queries against a real Prometheus scraping the demo daemon, and the alerts against a daemon whose
// remote storage fails.
//
// The package owns the checks of the mixin; the mixin itself is jsonnet. It must not define a metric name of its
// own: every name comes from what the daemon exports and pkg/conventions.
package mixin
