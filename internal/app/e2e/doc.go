// Package e2e holds the end-to-end tests of `slokeeper run`: each starts the whole daemon in-process (internal/app
// through its exported API: Options, New, Run, Reload and the read-only accessors) on 127.0.0.1:0, with the real
// Prometheus and Alertmanager processes and remote-write traffic of internal/e2etest around it, and waits, often
// minutes, for what the daemon records, pages, freezes and serves over HTTP.
//
// It has no code but these tests: they live apart from internal/app's unit tests so that those stay quick and
// this package, the slow one, has a test binary and a -timeout of its own. It must not know the daemon's
// unexported state: what it checks is what the daemon serves, exports or records, so that the daemon can change
// inside without these tests changing. Every test here skips under -short.
package e2e
