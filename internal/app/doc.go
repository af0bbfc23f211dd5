// Package app wires `slokeeper run`: the spec files and the daemon's config become rule groups evaluated by
// internal/evaluator over internal/storage; alerts go to Alertmanager through Prometheus' notifier; after every cycle a
// budget snapshot (internal/budget) feeds the /metrics collector (internal/exporter) and the JSON API; internal/web serves it.
// With --demo, internal/demo writes its fixture (the example specs and their history) before the storage opens, and
// its live traffic runs into the storage.
//
// The command only parses flags and signals: App is driven through Options, New, Run(ctx), Reload and Addr, so
// that tests run the whole daemon in-process on 127.0.0.1:0 without OS signals.
package app
