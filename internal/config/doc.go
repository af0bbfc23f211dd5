// Package config reads the configuration file of the daemon, `slokeeper run`
// (--config.file).
//
// The daemon is a ruler and an exporter in one process: it evaluates the rules
// generated from the SLO specs, sends the alerts they fire to Alertmanager,
// reads raw history over remote read and forwards what it records over remote
// write. Everyone who runs it already knows how Prometheus configures those
// last three, so the `alerting:`, `remote_read:` and `remote_write:` blocks are
// Prometheus' own types (github.com/prometheus/prometheus/config), decoded by
// Prometheus' own unmarshalling with its defaults, its validation and its
// service discoveries, and PrometheusConfig hands them to the notifier and
// remote-storage managers exactly as Prometheus would. What is slokeeper's own
// (the spec globs, local storage, minimum alert window, backfill, evaluation
// interval and external labels) is decoded here.
//
// Loading is strict, and every problem is reported at once as an Error naming
// the file, line and field path (`slokeeper.yml:12: remote_write[1].name: …`).
// Prometheus' decoder (yaml.v2) only knows lines for its own type errors, so
// the file is also parsed into a yaml.v3 node tree that locates everything
// else. Relative paths (spec globs, storage.path and every file named in the
// Prometheus blocks: CA files, password files, file_sd files …) are resolved
// against the config file's directory, as Prometheus resolves them.
//
// The package owns the daemon's config file: its format, defaults, checks and located errors. It must not know
// what the daemon does with a config (that is internal/app's wiring), nor the spec format (pkg/spec).
package config
